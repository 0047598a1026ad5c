"""Encoder/decoder architectures.

An architecture is a pair of modules: an encoder mapping ``(batch, n_features)`` to
``(batch, n_code)`` and a decoder mapping ``(batch, n_components)`` back to
``(batch, n_features)``. :class:`Autoencoder` and :class:`VariationalAutoencoder` only
combine such a pair, so a convolutional backbone slots in beside the MLP by providing
another pair of modules with the same shapes.
"""

from __future__ import annotations

import math

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    # tanh approximation: the same curve within 1e-3 and several times cheaper on CPU
    "gelu": lambda: nn.GELU(approximate="tanh"),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}


def build_mlp(sizes: list[int], activation: str = "silu") -> nn.Sequential:
    """A stack of ``Linear`` layers with ``activation`` between them (none after the last).

    ``sizes = [in, h1, ..., out]``; the last layer is linear so that the caller decides the
    output's meaning (a code, a mean, logits).
    """
    act = ACTIVATIONS[activation]
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Deterministic autoencoder: ``x -> code -> reconstruction``.

    Parameters
    ----------
    encoder, decoder : nn.Module
        ``encoder: (batch, d) -> (batch, k)``, ``decoder: (batch, k) -> (batch, d)``. The
        decoder returns raw outputs (identity for numeric columns, logits for binary and
        categorical ones); see :func:`~sk_autoencoder.modules.output_activation`.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (batch, k)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)  # (batch, d), raw

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encode(x)
        return self.decode(code), code


class VariationalAutoencoder(nn.Module):
    """Gaussian-code autoencoder (Kingma & Welling, 2014), with a learned per-feature
    observation scale so that the likelihood of numeric columns is a real density.

    The encoder maps ``(batch, d) -> (batch, 2k)``: the posterior mean and log-variance.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, n_features: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        # log sigma^2 of p(x | z) for each numeric feature, learned like PCA's noise variance.
        self.log_var_x = nn.Parameter(torch.zeros(n_features))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(x).chunk(2, dim=-1)  # (batch, k) each
        return mu, log_var.clamp(-12.0, 8.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def observation_log_var(self) -> torch.Tensor:
        # Bounded below so the likelihood cannot diverge on a constant column.
        return self.log_var_x.clamp(min=math.log(1e-4))

    def forward(self, x: torch.Tensor, sample: bool = True):
        mu, log_var = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var) if sample else mu
        return self.decode(z), mu, log_var
