"""The detector's members: one skorch net (:class:`AutoencoderEnsemble`) or VAEs.

:func:`fit_members` sizes and trains them for an ``AutoencoderOutlierDetector``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import torch

from ..autoencoder import AutoencoderTransformer
from ..modules import output_activation, per_feature_nll
from ..modules.parallel import ParallelAutoencoders, per_member
from ..vae import VAEGenerator

__all__ = ["AutoencoderEnsemble", "fit_members", "warn_overflow"]

# Batches smaller than this are not trimmed (too few rows to tell the worst ones).
_MIN_TRIM_BATCH = 8


class AutoencoderEnsemble(AutoencoderTransformer):
    """The detector's members as one skorch net.

    ``len(code_sizes)`` one-hidden-layer autoencoders
    (:class:`~sk_autoencoder.modules.parallel.ParallelAutoencoders`) trained on the same batches.

    The loss is the sum over members of each member's mean reconstruction loss; as their
    parameters are disjoint, every optimizer step (Adam is per parameter) is a step of each
    member on its own loss. ``n_components`` is the largest code size.
    """

    def __init__(self, n_components=2, *, code_sizes=(2,), trim_fraction=0.0, **kwargs):
        super().__init__(n_components, **kwargs)
        self.code_sizes = code_sizes
        self.trim_fraction = trim_fraction

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
        per_row = per_member(per_feature_nll, raw, self._blocks, x).mean(dim=2)  # (M, batch)
        trim = float(self.trim_fraction)
        if training and trim > 0 and per_row.shape[1] >= _MIN_TRIM_BATCH:
            # A trimmed loss: each member leaves out the batch's rows it reconstructs worst
            # (the training part is contaminated; rows it cannot fit should not be learned).
            worst = torch.quantile(per_row.detach().float(), 1 - trim, dim=1, keepdim=True)
            keep = (per_row.detach() <= worst).to(per_row.dtype)
            kept = (per_row * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)
            return {"reconstruction": kept.sum()}
        return {"reconstruction": per_row.mean(dim=1).sum()}

    def member_outputs(self, X: np.ndarray):
        """Per-column losses (M, n, d) and codes (M, n, k) of every member on ``X``."""
        d = self.n_features_in_

        def fn(module, xb):
            err, code = self._member_losses(module, xb)
            return torch.cat([err, code], dim=2).transpose(0, 1)  # (batch, M, d + k)

        out = self._batched(fn, self._check_input(X)).double().cpu().numpy().transpose(1, 0, 2)
        return out[:, :, :d], out[:, :, d:]

    def _member_losses(self, module, xb: torch.Tensor):
        """Per-column losses (M, batch, d) and codes (M, batch, k) of every member."""
        code = module.encode(xb)
        return per_member(per_feature_nll, module.decode(code), self._blocks, xb), code

    def member_reconstructions(self, X: np.ndarray) -> np.ndarray:
        """Decoded codes (M, n, d) in model space (probabilities for categorical blocks)."""

        def fn(module, xb):
            raw = module.decode(module.encode(xb))
            return per_member(output_activation, raw, self._blocks).transpose(0, 1)

        X = self._check_input(X)
        return self._out(self._batched(fn, X), X).transpose(1, 0, 2)


def _code_sizes(det, n_out: int) -> list:
    """Code size of each member of ``det`` (see its ``n_components``)."""
    if det.n_components != "auto":
        return [int(det.n_components)] * int(det.n_estimators)
    mults = det._CODE_MULT
    return [
        int(np.clip(round(mults[i % len(mults)] * math.sqrt(n_out)), 2, det._CODE_MAX))
        for i in range(int(det.n_estimators))
    ]


def _net_params(det, n_rows: int, n_out: int) -> dict:
    """Width, batch size and epochs shared by the members."""
    h = det.hidden_width
    if h == "auto":
        h = int(np.clip(2 * n_out, 16, det._HIDDEN_MAX))
    bs = int(np.clip(2 ** round(math.log2(max(n_rows / 16, 1))), 16, det._BATCH_MAX))
    bs = min(bs, max(1, n_rows))
    epochs = max(int(det.min_epochs), math.ceil(int(det.n_steps) / math.ceil(n_rows / bs)))
    return dict(
        hidden_layer_sizes=(int(h),),
        max_epochs=int(epochs),
        batch_size=bs,
        early_stopping=False,
        train_split=None,
        device=det.device,
    )


def fit_members(det, train, n_out: int, seeds, blocks):
    """``(code_sizes, networks)`` of the detector ``det`` fitted on the model-space ``train``.

    One :class:`AutoencoderEnsemble` for ``model="ae"``, one :class:`VAEGenerator` per member
    (seed ``seeds[m]``) for ``"vae"``.
    """
    common = _net_params(det, len(train), n_out)
    sizes = _code_sizes(det, n_out)
    if det.model == "vae":
        return sizes, [
            # prior="normal": members only score, so no mixture prior is fitted for sampling
            VAEGenerator(n_components=k, random_state=int(s), prior="normal", **common).fit(
                train, feature_blocks=blocks
            )
            for k, s in zip(sizes, seeds)
        ]
    net = AutoencoderEnsemble(
        n_components=max(sizes),
        code_sizes=tuple(sizes),
        activation=det.activation,
        noise=det.noise,
        noise_level=det.noise_level,
        trim_fraction=float(det.trim_fraction),
        random_state=int(seeds[0]),
        **common,
    )
    return sizes, [net.fit(train, feature_blocks=blocks)]


def warn_overflow(det, E: np.ndarray, Z: np.ndarray) -> None:
    """Warn when member errors ``E`` (M, n, d) of model-space rows ``Z`` are not finite.

    A value so far out that its squared error overflows float32 scores ``-inf`` (flagged).
    """
    bad = ~np.isfinite(E).all(axis=(0, 2))
    if bad.any():
        warnings.warn(
            f"{type(det).__name__}: {int(bad.sum())} of {len(bad)} rows gave infinite errors "
            f"(the largest |standardised value| is {float(np.abs(Z).max()):.3g}): they score "
            "-inf and are flagged; values that far from the training data are usually "
            "sentinels or unit errors.",
            RuntimeWarning,
            stacklevel=4,
        )
