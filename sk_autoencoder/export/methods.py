"""The fitted models' prediction methods as torch modules, ready to be traced to ONNX.

Each module wraps a CPU float32 copy of the fitted network and computes exactly what the
estimator's method computes for a float32 batch (the same functions are called), so the
exported graph and the Python model agree to float32 rounding.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..modules import output_activation, per_feature_nll


def network_copy(est) -> nn.Module:
    """A CPU float32 copy of ``est.module_`` in eval mode."""
    return copy.deepcopy(est.module_).cpu().float().eval()


def blocks_copy(est):
    """The estimator's feature blocks with their index tensors on the CPU (a copy)."""
    return copy.deepcopy(est._blocks).to("cpu")


class AutoencoderMethods(nn.Module):
    """``x -> (code, [reconstruction], [score_samples])`` of an autoencoder or VAE.

    ``code``: :meth:`transform` (the posterior mean for a VAE); ``reconstruction``:
    ``inverse_transform(transform(x))`` in model space; ``score_samples``: the estimator's
    own (negative reconstruction error, or the VAE's ELBO / importance-weighted bound), (n, 1).
    """

    def __init__(self, est, reconstruction: bool = False, score_samples: bool = False):
        super().__init__()
        self.net = network_copy(est)
        self.blocks = blocks_copy(est)
        # A shallow copy whose feature blocks are on the CPU, like the traced network: the
        # estimator's own methods compute the outputs (the fitted model is left untouched).
        self.est = copy.copy(est)
        self.est._blocks = self.blocks
        self.reconstruction = reconstruction
        self.score = None
        if score_samples:
            row_score = getattr(est, "_row_score", None)
            self.score = (
                row_score(torch.float32, "cpu") if row_score is not None else self._neg_error
            )

    def _neg_error(self, net, x):
        raw = net.decode(self.est._code(net, x))
        return -per_feature_nll(raw, x, self.blocks).mean(dim=1)

    def forward(self, x):
        """The code, then the outputs asked for, of a float32 batch (n, n_features)."""
        code = self.est._code(self.net, x)  # (n, k)
        out = [code]
        if self.reconstruction:
            out.append(self._decode(code))
        if self.score is not None:
            out.append(self.score(self.net, x).reshape(-1, 1))
        return tuple(out) if len(out) > 1 else code

    def _decode(self, code):
        return output_activation(self.net.decode(code), self.blocks)


class DecoderMethod(nn.Module):
    """``codes -> inverse_transform(codes)`` (model space: probabilities for one-hot blocks)."""

    def __init__(self, est):
        super().__init__()
        self.methods = AutoencoderMethods(est)

    def forward(self, z):
        """Decoded rows (n, n_features) of codes (n, n_components)."""
        return self.methods._decode(z)
