"""Several small autoencoders side by side in one module.

The members of ``AutoencoderOutlierDetector``: one forward pass, one optimizer step for all of them.
"""

from __future__ import annotations

import math

import torch

from .networks import ACTIVATIONS

__all__ = ["ParallelAutoencoders", "ParallelLinear"]


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
