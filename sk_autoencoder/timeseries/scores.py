"""Window and step arithmetic of the series detector.

Local error scale, activity, means and flags over the windows covering each step.
"""

from __future__ import annotations

import numpy as np

from .._scoring import RESOLUTION


def _local_scale(err: np.ndarray, window: int, context, floor: float) -> np.ndarray:
    """Running median of window errors over ``context`` windows' lengths, centred.

    The errors are mirrored past the ends, at most the whole series; never below ``floor`` (the
    median error of the training windows): a busy stretch is damped, a quiet one is not amplified.
    Nor below ``RESOLUTION``: a series reconstructed to float rounding (a constant one) has no
    error size to divide by. Ones when ``context`` is None.
    """
    if context is None:
        return np.ones_like(err)
    from scipy.ndimage import median_filter

    size = max(1, min(int(context * window), len(err)))
    return np.maximum(median_filter(err, size=size, mode="reflect"), max(floor + 1e-12, RESOLUTION))


def _activity(values: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute step-to-step change inside each stride-1 window: (n_windows, C)."""
    d = np.abs(np.diff(values.astype(np.float64), axis=0))
    cs = np.concatenate([np.zeros((1, d.shape[1])), np.cumsum(d, axis=0)])
    k = np.arange(len(values) - window + 1)
    return (cs[k + window - 1] - cs[k]) / max(window - 1, 1)


def _cover_mean(window_scores: np.ndarray, window: int) -> np.ndarray:
    """Mean over the stride-1 windows covering each step: (n_windows, ...) -> (n_steps, ...).

    Window ``k`` covers steps ``k .. k + window - 1``.
    """
    n_win = len(window_scores)
    n_steps = n_win + window - 1
    cs = np.concatenate([np.zeros((1, *window_scores.shape[1:])), np.cumsum(window_scores, 0)])
    t = np.arange(n_steps)
    lo = np.maximum(t - window + 1, 0)
    hi = np.minimum(t, n_win - 1) + 1
    count = (hi - lo).reshape(-1, *([1] * (window_scores.ndim - 1)))
    return (cs[hi] - cs[lo]) / count


def _cover_any(flags: np.ndarray, window: int) -> np.ndarray:
    """For each window start ``k``: does any of steps ``k .. k + window - 1`` hold a flag."""
    cs = np.r_[0, np.cumsum(flags)]
    k = np.arange(max(len(flags) - window + 1, 0))
    return (cs[k + window] - cs[k]) > 0
