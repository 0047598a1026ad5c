"""How long a window should be: the series' dominant period or its memory."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["choose_window", "dominant_period", "series_memory"]


def _acf(x: np.ndarray) -> np.ndarray:
    """Autocorrelation of each column of ``x`` (T, C), averaged over columns, lags 0..T-1."""
    x = x - x.mean(axis=0)
    n = len(x)
    spec = np.fft.rfft(x, 2 * n, axis=0)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=0)[:n]
    var = ac[0]
    ac = np.where(var > 0, ac / np.where(var > 0, var, 1.0), 0.0)
    ac = ac * n / (n - np.arange(n))[:, None]  # unbiased: each lag has fewer pairs
    return ac.mean(axis=1)


def _local_peaks(ac: np.ndarray, min_prominence: float = 0.05) -> np.ndarray:
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(ac, prominence=min_prominence)
    return peaks


def dominant_period(values: np.ndarray, *, min_period: int = 4, min_acf: float = 0.1):
    """The dominant period of a series in steps, or None.

    The autocorrelation of the first differences (which removes level and trend, so that
    slow drifts do not hide the cycles) is computed for lags up to a tenth of the series;
    the period is the shortest lag whose local peak reaches 90% of the highest one (a cycle
    also peaks at its multiples), among peaks of at least ``min_acf`` at lags of at least
    ``min_period`` steps.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if len(values) < 4 * min_period:
        return None
    ac = _acf(np.diff(values, axis=0))[: len(values) // 10 + 1]
    peaks = _local_peaks(ac)
    peaks = peaks[(peaks >= min_period) & (ac[peaks] >= min_acf)]
    if not len(peaks):
        return None
    return int(peaks[ac[peaks] >= 0.9 * ac[peaks].max()].min())


def series_memory(values: np.ndarray) -> int:
    """First lag at which the autocorrelation of the series drops below 1/2.

    How long a departure from the usual level persists, in steps.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    below = np.flatnonzero(_acf(values) < 0.5)
    return int(below[0]) if len(below) else len(values)


def choose_window(
    values: np.ndarray, *, min_window: int = 32, max_window: int = 512
) -> tuple[int, int | None]:
    """The window rule of ``SeriesOutlierDetector(window=None)``; returns ``(window, period)``.

    - A series with a cycle (:func:`dominant_period`) gets windows of whole cycles: the
      period, or its smallest multiple of at least ``min_window`` steps, so that every window
      sees every phase of the cycle and a window is judged against the same stretch of the
      cycle elsewhere.
    - A series without one gets its memory (:func:`series_memory`): a window spans about one
      excursion from the usual level.

    The window is kept in ``[min_window, min(max_window, n_steps // 20)]`` (at least 20
    windows' worth of distinct data to learn from; a period longer than that is cut to the
    bound), and a short series (under ``2 * min_window`` steps) gets at most ``(n_steps + 1)
    // 2`` steps, so that it has at least as many windows as a window has steps.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    n = len(values)
    cap = min(max(min(max_window, n // 20), min(min_window, n)), (n + 1) // 2)
    period = dominant_period(values)
    if period is None:
        window = min(max(min_window, series_memory(values)), cap)
    else:
        window = period * math.ceil(min_window / period)
        if window > cap:
            window = max(period, cap // period * period) if period <= cap else cap
    return int(max(2, min(window, n))), period
