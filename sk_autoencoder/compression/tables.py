"""The discrete tables of a trained :class:`~sk_autoencoder.modules.entropy.FactorizedDensity`.

For each code dimension: the integer support that holds all but a negligible tail of its
probability, the probability of each integer in it and the support's first integer.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from ..modules.entropy import FactorizedDensity


def _bisect(density: FactorizedDensity, target_logit: float, lo: float, hi: float) -> np.ndarray:
    """Per channel, the value ``v`` in ``[lo, hi]`` where ``logit(c(v)) = target_logit``."""
    c = density.channels
    low = torch.full((c, 1, 1), lo, dtype=torch.float64)
    high = torch.full((c, 1, 1), hi, dtype=torch.float64)
    for _ in range(60):
        mid = (low + high) / 2
        above = density.logits_cdf(mid) > target_logit
        high = torch.where(above, mid, high)
        low = torch.where(above, low, mid)
    return ((low + high) / 2).reshape(c).numpy()


def probability_tables(
    density: FactorizedDensity, tail_mass: float = 1e-6, max_support: int = 4096
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The discrete model an entropy coder reads, from a trained :class:`FactorizedDensity`.

    For each channel ``c`` the integers ``first[c] .. first[c] + length[c] - 1`` hold all but
    ``tail_mass`` of its probability (split between both tails); ``pmf[c, :length[c]]`` is the
    probability of each, the rest of the row is 0. Computed in float64 on the CPU.

    Returns
    -------
    pmf : ndarray of shape (channels, max(length)), float64
    first : ndarray of shape (channels,), int64
    length : ndarray of shape (channels,), int64
    """
    density = _float64_copy(density)
    bound = float(max_support)
    with torch.no_grad():
        tail = math.log(tail_mass / 2) - math.log1p(-tail_mass / 2)
        lower = _bisect(density, tail, -bound, bound)
        upper = _bisect(density, -tail, -bound, bound)
        first = np.floor(lower).astype(np.int64)
        last = np.ceil(upper).astype(np.int64)
        length = np.clip(last - first + 1, 1, max_support)
        width = int(length.max())
        grid = first[:, None] + np.arange(width)[None, :]
        values = torch.as_tensor(grid.T.astype(np.float64))  # (width, C) as a batch of codes
        pmf = density.likelihood(values).t().numpy().copy()
    pmf[np.arange(width)[None, :] >= length[:, None]] = 0.0
    return pmf, first, length


def _float64_copy(density: FactorizedDensity) -> FactorizedDensity:
    # A deep copy, not a new module: building one would draw from torch's global RNG.
    return copy.deepcopy(density).double().cpu().eval()
