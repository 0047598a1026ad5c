"""The penalties / corruption axis: named loss terms on the code and training-only noise.

Each penalty is one object that knows its name (the key of its term in skorch's history),
when it is active and how to compute its weighted term; the estimators list them once.
"""

from __future__ import annotations

import numbers

import torch

from ..modules import contractive_penalty, corrupt, kl_sparsity, l1_sparsity


class SparsityPenalty:
    """The sparsity penalty on the code.

    ``sparsity="l1"``: mean absolute code; ``"kl"``: KL to the target rate ``sparsity_target``.
    """

    name = "sparsity"
    needs_input_gradient = False

    def active(self, est) -> bool:
        return bool(est.sparsity)

    def __call__(self, est, code: torch.Tensor, x_in: torch.Tensor, training: bool):
        if est.sparsity == "l1":
            return est.sparsity_weight * l1_sparsity(code)
        return est.sparsity_weight * kl_sparsity(code, est.sparsity_target)


class ContractivePenalty:
    """``contractive_weight > 0``: squared Frobenius norm of the encoder's Jacobian."""

    name = "contractive"
    needs_input_gradient = True

    def active(self, est) -> bool:
        # Tolerant of not-yet-validated values: skorch builds callbacks inside set_params.
        w = est.contractive_weight
        return isinstance(w, numbers.Real) and w > 0

    def __call__(self, est, code: torch.Tensor, x_in: torch.Tensor, training: bool):
        if training:
            value = contractive_penalty(code, x_in)
        else:  # no input gradient path at validation; the term is reported as 0
            value = code.new_zeros(())
        return est.contractive_weight * value


PENALTIES = (SparsityPenalty(), ContractivePenalty())


def active_penalties(est) -> list:
    """The penalties ``est``'s parameters switch on, in their fixed order."""
    return [p for p in PENALTIES if p.active(est)]


def training_input(est, x: torch.Tensor, input_gradient: bool) -> torch.Tensor:
    """The input a training batch is encoded from.

    Corrupted when ``noise`` is set (denoising), and with a gradient path when a penalty needs
    one (``input_gradient``: the contractive penalty).
    """
    if est.noise:
        if est._blocks.all_binary:
            value_range = (0.0, 1.0)
        else:
            value_range = est._fit_data_range if est.noise == "salt_pepper" else None
        x = corrupt(
            x,
            est.noise,
            est.noise_level,
            est._blocks.block_index,
            value_range=value_range,
            image_shape=est.image_shape_,
        )
    if input_gradient:
        x = x.detach().requires_grad_(True)
    return x
