"""Input corruptions for denoising autoencoders (Vincent et al., 2008), used only in training."""

from __future__ import annotations

import torch

NOISE_KINDS = ("gaussian", "mask", "swap")


def corrupt(
    x: torch.Tensor, kind: str, level: float, block_index: torch.Tensor | None = None
) -> torch.Tensor:
    """Return a corrupted copy of ``x`` of shape ``(batch, d)``.

    kind
        ``"gaussian"``: add ``level * N(0, 1)``; ``"mask"``: set a share ``level`` of the
        values to 0 (the mean of standardised columns); ``"swap"``: replace a share ``level``
        of the values with the same column's value from another random row of the batch
        (swap noise, the corruption that keeps each column's marginal distribution - the right
        one for tables).
    block_index
        ``(d,)`` long tensor mapping each column to its block (e.g. all columns of one one-hot
        categorical block share an index), so that ``mask`` and ``swap`` act on whole blocks and
        never produce an impossible one-hot pattern. Default: every column is its own block.
    """
    if kind == "gaussian":
        return x + level * torch.randn_like(x)
    n, d = x.shape[0], x.shape[1]
    if block_index is None:
        block_index = torch.arange(d, device=x.device)
    n_blocks = int(block_index.max()) + 1 if d else 0
    hit = (torch.rand(n, n_blocks, device=x.device) < level)[:, block_index]  # (n, d)
    if kind == "mask":
        return x.masked_fill(hit, 0.0)
    if kind == "swap":
        rows = torch.randint(0, n, (n, n_blocks), device=x.device)[:, block_index]  # (n, d)
        return torch.where(hit, x.gather(0, rows), x)
    raise ValueError(f"noise must be one of {NOISE_KINDS}, got {kind!r}")
