"""Where values fall among sorted quantiles: the one rule the quantile maps share."""

from __future__ import annotations

import numpy as np


def quantile_level(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Level in [0, 1] of ``values`` among ``quantiles`` taken at equally spaced levels.

    Linear between quantiles, clipped at the ends. A value shared by a run of equal quantiles
    (e.g. the zeros of a zero-inflated column) gets the run's middle level: interpolating up
    and down and averaging, as scikit-learn's ``QuantileTransformer`` does.
    """
    levels = np.linspace(0.0, 1.0, len(quantiles))
    up = np.interp(values, quantiles, levels)
    down = -np.interp(-values, -quantiles[::-1], -levels[::-1])
    return 0.5 * (up + down)
