"""Penalty terms, as plain functions returning a scalar (mean over the batch)."""

from __future__ import annotations

import torch


def l1_sparsity(code: torch.Tensor) -> torch.Tensor:
    """Mean absolute activation of the code, ``mean_i sum_j |h_ij|``."""
    return code.abs().sum(dim=1).mean()


def kl_sparsity(code: torch.Tensor, target: float) -> torch.Tensor:
    """KL divergence between a target activation rate and the batch's mean rate.

    Code units are squashed to (0, 1) with a sigmoid; ``rho_hat_j`` is their batch mean and the
    penalty is ``sum_j KL(Bernoulli(rho) || Bernoulli(rho_hat_j))`` (Ng, *Sparse autoencoder*
    lecture notes, 2011).
    """
    rho_hat = torch.sigmoid(code).mean(dim=0).clamp(1e-6, 1 - 1e-6)  # (k,)
    rho = torch.as_tensor(target, dtype=code.dtype, device=code.device)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return kl.sum()


def contractive_penalty(code: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared Frobenius norm of the encoder Jacobian ``d code / d x``, mean over the batch.

    Exact for any encoder whose rows are computed independently (no batch statistics):
    ``||J||_F^2 = sum_j ||grad_x h_j||^2`` with one backward pass per code unit
    (Rifai et al., 2011). ``x`` must require grad and ``code`` must be computed from it.
    """
    total = code.new_zeros(())
    for j in range(code.shape[1]):
        (grad,) = torch.autograd.grad(code[:, j].sum(), x, create_graph=True)
        total = total + grad.pow(2).flatten(1).sum(dim=1).mean()
    return total


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """Per-row ``KL(N(mu, diag(exp(log_var))) || N(0, I))`` in nats, shape ``(batch,)``."""
    return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=1)
