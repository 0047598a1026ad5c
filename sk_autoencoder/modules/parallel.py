"""Several small autoencoders side by side in one module.

The members of ``AutoencoderOutlierDetector``: one forward pass, one optimizer step for all of them.
"""

from __future__ import annotations

import math

import torch

from .networks import ACTIVATIONS

__all__ = ["ParallelAutoencoders", "ParallelLinear", "ParallelMLPAutoencoders", "per_member"]


class ParallelLinear(torch.nn.Module):
    """``n_members`` independent linear layers side by side.

    ``(batch, n_in)`` or ``(n_members, batch, n_in)`` to ``(n_members, batch, n_out)``; initialised
    as ``torch.nn.Linear`` (uniform in +-1/sqrt(n_in)).
    """

    def __init__(self, n_members: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1.0 / math.sqrt(n_in)
        self.weight = torch.nn.Parameter(
            torch.empty(n_members, n_in, n_out).uniform_(-bound, bound)
        )
        self.bias = torch.nn.Parameter(torch.empty(n_members, 1, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x @ weight + bias`` for every member at once."""
        return torch.matmul(x, self.weight) + self.bias


class ParallelAutoencoders(torch.nn.Module):
    """Several one-hidden-layer autoencoders in one module.

    Outputs are stacked on a leading member axis.

    Member ``m`` has code size ``code_sizes[m]``: the codes share one tensor of the largest
    size and the units past a member's size are multiplied by zero, which is the same network
    as one with the smaller code (those units get no gradient and decode nothing).
    """

    def __init__(self, n_features: int, hidden: int, code_sizes, activation: str):
        super().__init__()
        n_members, k = len(code_sizes), max(code_sizes)
        self.enc_hidden = ParallelLinear(n_members, n_features, hidden)
        self.enc_code = ParallelLinear(n_members, hidden, k)
        self.dec_hidden = ParallelLinear(n_members, k, hidden)
        self.dec_out = ParallelLinear(n_members, hidden, n_features)
        self.act = ACTIVATIONS[activation]()
        mask = torch.zeros(n_members, 1, k)
        for m, size in enumerate(code_sizes):
            mask[m, :, :size] = 1.0
        self.register_buffer("code_mask", mask)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Member codes (M, batch, k), units past a member's code size zeroed."""
        return self.enc_code(self.act(self.enc_hidden(x))) * self.code_mask  # (M, batch, k)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Raw member reconstructions (M, batch, d) of member codes."""
        return self.dec_out(self.act(self.dec_hidden(code)))  # (M, batch, d), raw

    def forward(self, x: torch.Tensor):
        """Raw reconstructions and codes of every member."""
        code = self.encode(x)
        return self.decode(code), code


class ParallelMLPAutoencoders(torch.nn.Module):
    """``n_members`` MLP autoencoders of the same shape side by side in one module.

    Each member is the network of ``build_mlp``: ``n_features -> *hidden -> code`` and back,
    ``activation`` between layers, none after the code or the output. Outputs are stacked on
    a leading member axis: one forward pass and one optimizer step train every member.
    """

    def __init__(self, n_members: int, n_features: int, hidden, code_size: int, activation):
        super().__init__()
        sizes = [n_features, *[int(h) for h in hidden], int(code_size)]
        self.encoder = torch.nn.ModuleList(
            ParallelLinear(n_members, a, b) for a, b in zip(sizes[:-1], sizes[1:])
        )
        back = sizes[::-1]
        self.decoder = torch.nn.ModuleList(
            ParallelLinear(n_members, a, b) for a, b in zip(back[:-1], back[1:])
        )
        self.act = ACTIVATIONS[activation]()

    def _run(self, layers, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(layers):
            x = layer(x)
            if i < len(layers) - 1:
                x = self.act(x)
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Member codes (M, batch, k) of a batch (batch, d) or (M, batch, d)."""
        return self._run(self.encoder, x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Raw member reconstructions (M, batch, d) of member codes (M, batch, k)."""
        return self._run(self.decoder, code)

    def forward(self, x: torch.Tensor):
        """Raw reconstructions and codes of every member."""
        code = self.encode(x)
        return self.decode(code), code


def per_member(fn, raw: torch.Tensor, blocks, x: torch.Tensor | None = None) -> torch.Tensor:
    """``fn(raw, [x,] blocks)`` of a row-wise loss or activation, per member.

    Applied to member-stacked ``raw`` of shape (M, batch, d) by folding the member axis into the
    rows.
    """
    M, B, d = raw.shape
    flat = raw.reshape(M * B, d)
    out = fn(flat, blocks) if x is None else fn(flat, x.repeat(M, 1), blocks)
    return out.reshape(M, B, d)
