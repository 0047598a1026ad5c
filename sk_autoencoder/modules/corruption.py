"""Input corruptions for denoising autoencoders (Vincent et al., 2008), used only in training."""

from __future__ import annotations

import torch

NOISE_KINDS = ("gaussian", "mask", "swap", "salt_pepper", "block")


def corrupt(
    x: torch.Tensor,
    kind: str,
    level: float,
    block_index: torch.Tensor | None = None,
    *,
    value_range: tuple[float, float] | None = None,
    image_shape: tuple[int, ...] | None = None,
) -> torch.Tensor:
    """Return a corrupted copy of ``x`` of shape ``(batch, d)``.

    kind
        ``"gaussian"``: add ``level * N(0, 1)`` (clipped to ``value_range`` when given, as
        noisy images are); ``"mask"``: set a share ``level`` of the values to 0 (the mean of
        standardised columns, black for images); ``"swap"``: replace a share ``level`` of the
        values with the same column's value from another random row of the batch (swap noise,
        the corruption that keeps each column's marginal distribution - the right one for
        tables); ``"salt_pepper"``: set a share ``level`` of the values to the low or the high
        end of ``value_range`` (default: the batch's range), half each; ``"block"``: zero one
        random rectangle (a segment for 1-D ``image_shape``) covering a share ``level`` of each
        image (cutout), which needs ``image_shape = (C, H, W)`` or ``(C, L)``.
    block_index
        ``(d,)`` long tensor mapping each column to its block (e.g. all columns of one one-hot
        categorical block share an index), so that ``mask`` and ``swap`` act on whole blocks and
        never produce an impossible one-hot pattern. Default: every column is its own block.
    """
    if kind == "gaussian":
        out = x + level * torch.randn_like(x)
        return out if value_range is None else out.clamp(*value_range)
    if kind == "block":
        return _block_mask(x, level, image_shape)
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
    if kind == "salt_pepper":
        low, high = value_range if value_range is not None else (x.min(), x.max())
        salt = torch.rand(n, n_blocks, device=x.device)[:, block_index] < 0.5
        values = torch.where(salt, torch.full_like(x, float(high)), torch.full_like(x, float(low)))
        return torch.where(hit, values, x)
    raise ValueError(f"noise must be one of {NOISE_KINDS}, got {kind!r}")


def _block_mask(x: torch.Tensor, level: float, image_shape) -> torch.Tensor:
    if image_shape is None:
        raise ValueError("noise='block' needs image_shape=(C, H, W) or (C, L).")
    n = x.shape[0]
    spatial = image_shape[1:]
    # Each side covers sqrt(level) (2-D) or level (1-D) of its length: area share = level.
    share = level ** (1 / len(spatial))
    grids = []
    for side in spatial:
        size = int(round(share * side))
        start = torch.randint(0, side - size + 1, (n, 1), device=x.device)
        pos = torch.arange(side, device=x.device).unsqueeze(0)
        grids.append((pos >= start) & (pos < start + size))  # (n, side)
    if len(grids) == 1:
        inside = grids[0]
    else:
        inside = grids[0][:, :, None] & grids[1][:, None, :]
    keep = ~inside
    mask = keep.unsqueeze(1).expand(n, image_shape[0], *spatial).reshape(n, -1)
    return x * mask.to(x.dtype)
