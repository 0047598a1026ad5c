"""The detector's members as one skorch net (:class:`AutoencoderEnsemble`)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from ..autoencoder import AutoencoderTransformer
from ..modules import output_activation, per_feature_nll
from ..modules.parallel import ParallelAutoencoders

__all__ = ["AutoencoderEnsemble"]


def _per_member(fn, raw: torch.Tensor, blocks, x: torch.Tensor | None = None) -> torch.Tensor:
    """``fn(raw, [x,] blocks)`` of a row-wise loss or activation, per member.

    Applied to member-stacked ``raw`` of shape (M, batch, d) by folding the member axis into the
    rows.
    """
    M, B, d = raw.shape
    flat = raw.reshape(M * B, d)
    out = fn(flat, blocks) if x is None else fn(flat, x.repeat(M, 1), blocks)
    return out.reshape(M, B, d)


class AutoencoderEnsemble(AutoencoderTransformer):
    """The detector's members as one skorch net.

    ``len(code_sizes)`` one-hidden-layer autoencoders
    (:class:`~sk_autoencoder.modules.parallel.ParallelAutoencoders`) trained on the same batches.

    The loss is the sum over members of each member's mean reconstruction loss; as their
    parameters are disjoint, every optimizer step (Adam is per parameter) is a step of each
    member on its own loss. ``n_components`` is the largest code size.
    """

    def __init__(self, n_components=2, *, code_sizes=(2,), **kwargs):
        super().__init__(n_components, **kwargs)
        self.code_sizes = code_sizes

    def _member_code_sizes(self) -> list:
        """``code_sizes`` as ints in [1, n_components] (checked before any allocation)."""
        sizes = list(self.code_sizes)
        k = self.n_components
        if not sizes or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and 1 <= s <= k
            for s in sizes
        ):
            raise ValueError(
                f"{type(self).__name__}: code_sizes must be a non-empty sequence of ints in "
                f"[1, n_components={k!r}], got {self.code_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _build_module(self) -> torch.nn.Module:
        hidden = self._hidden_sizes(self.n_features_in_)[0]
        sizes = self._member_code_sizes()
        return ParallelAutoencoders(self.n_features_in_, hidden, sizes, self.activation)

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raw, _ = output
        per_row = _per_member(per_feature_nll, raw, self._blocks, x).mean(dim=2)  # (M, batch)
        return {"reconstruction": per_row.mean(dim=1).sum()}

    def member_outputs(self, X: np.ndarray):
        """Per-column losses (M, n, d) and codes (M, n, k) of every member on ``X``."""
        d = self.n_features_in_

        def fn(module, xb):
            code = module.encode(xb)
            err = _per_member(per_feature_nll, module.decode(code), self._blocks, xb)
            return torch.cat([err, code], dim=2).transpose(0, 1)  # (batch, M, d + k)

        out = self._batched(fn, self._check_input(X)).double().cpu().numpy().transpose(1, 0, 2)
        return out[:, :, :d], out[:, :, d:]

    def member_reconstructions(self, X: np.ndarray) -> np.ndarray:
        """Decoded codes (M, n, d) in model space (probabilities for categorical blocks)."""

        def fn(module, xb):
            raw = module.decode(module.encode(xb))
            return _per_member(output_activation, raw, self._blocks).transpose(0, 1)

        X = self._check_input(X)
        return self._out(self._batched(fn, X), X).transpose(1, 0, 2)
