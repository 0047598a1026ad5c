"""The Gaussian code of a VAE as one object: draws, the mode, the KL term, importance weights."""

from __future__ import annotations

import torch

from .penalties import gaussian_kl


class DiagonalGaussian:
    """``q(z | x) = N(mean, diag(exp(log_var)))`` for a batch; ``mean``, ``log_var``: (batch, k)."""

    def __init__(self, mean: torch.Tensor, log_var: torch.Tensor):
        self.mean = mean
        self.log_var = log_var

    @property
    def std(self) -> torch.Tensor:
        """Standard deviation ``exp(log_var / 2)``; (batch, k)."""
        return torch.exp(0.5 * self.log_var)

    def mode(self) -> torch.Tensor:
        """The most likely code, the mean; (batch, k)."""
        return self.mean

    def sample(self) -> torch.Tensor:
        """One reparameterised draw per row, ``mean + eps * std`` (gradients flow); (batch, k)."""
        return self.mean + torch.randn_like(self.mean) * self.std

    def draws(self, eps: torch.Tensor) -> torch.Tensor:
        """Codes ``mean + std * eps_j`` for standard-normal ``eps`` (draws, k).

        The draws are shared by all rows; shape (draws, batch, k).
        """
        return self.mean.unsqueeze(0) + self.std.unsqueeze(0) * eps[:, None, :]

    def kl(self) -> torch.Tensor:
        """``KL(q || N(0, I))`` of each row in nats; (batch,)."""
        return gaussian_kl(self.mean, self.log_var)

    def log_weights(self, log_px: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """Importance log-weights ``log p(x | z_j) + log p(z_j) - log q(z_j | x)``.

        Of the draws ``z_j = mean + std * eps_j`` (Burda et al., 2016); ``log_px``: (draws, batch).

        ``log p(z) - log q(z | x) = (eps^2 - z^2) / 2 + log std`` per draw; the log(2 pi)
        terms cancel.
        """
        z_sq = self.draws(eps) ** 2
        return log_px + 0.5 * (eps[:, None, :] ** 2 - z_sq).sum(-1) + 0.5 * self.log_var.sum(-1)
