"""The fitted models' prediction methods as torch modules, ready to be traced to ONNX.

Each module holds a CPU float32 copy of the fitted network and calls the estimator's own
prediction functions on it (``_code``, ``_decode_mean``, ``_column_errors``, the VAE's
``_row_score``), so the exported graph computes what the Python model computes for a float32
batch, to float32 rounding.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def cpu_copy(est):
    """``(view, network)`` of a fitted estimator, for tracing on the CPU.

    ``view``: a shallow copy of ``est`` with its feature blocks on the CPU; ``network``: a CPU
    float32 copy of its network in eval mode. The fitted estimator is left untouched.
    """
    view = copy.copy(est)
    view._blocks = copy.deepcopy(est._blocks).to("cpu")
    return view, copy.deepcopy(est.module_).cpu().float().eval()


class AutoencoderMethods(nn.Module):
    """``x -> (code, [reconstruction], [score_samples])`` of an autoencoder or VAE.

    ``code``: :meth:`transform` (the posterior mean for a VAE); ``reconstruction``:
    ``inverse_transform(transform(x))`` in model space; ``score_samples``: the estimator's
    own (negative reconstruction error, or the VAE's ELBO / importance-weighted bound), (n, 1).
    """

    def __init__(self, est, reconstruction: bool = False, score_samples: bool = False):
        super().__init__()
        self.est, self.net = cpu_copy(est)
        self.reconstruction = reconstruction
        self.score = None
        if score_samples:
            row_score = getattr(self.est, "_row_score", None)
            self.score = self._neg_error if row_score is None else row_score(torch.float32, "cpu")

    def _neg_error(self, net, x):
        return -self.est._column_errors(net, x).mean(dim=1)

    def forward(self, x):
        """The code, then the outputs asked for, of a float32 batch (n, n_features)."""
        code = self.est._code(self.net, x)  # (n, k)
        out = [code]
        if self.reconstruction:
            out.append(self.est._decode_mean(self.net, code))
        if self.score is not None:
            out.append(self.score(self.net, x).reshape(-1, 1))
        return tuple(out) if len(out) > 1 else code


class DecoderMethod(nn.Module):
    """``codes -> inverse_transform(codes)`` (model space: probabilities for one-hot blocks)."""

    def __init__(self, est):
        super().__init__()
        self.est, self.net = cpu_copy(est)

    def forward(self, z):
        """Decoded rows (n, n_features) of codes (n, n_components)."""
        return self.est._decode_mean(self.net, z)
