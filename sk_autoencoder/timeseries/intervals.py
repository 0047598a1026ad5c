"""Flagged stretches of a scored series (:meth:`SeriesOutlierDetector.anomalous_intervals`)."""

from __future__ import annotations

import numpy as np


def _anomalous_intervals(grid, steps: np.ndarray, limit: float, gap: int):
    """Intervals of grid steps whose score exceeds ``limit``.

    Only steps holding a row count; steps closer than ``gap`` are merged. A DataFrame (dict of lists
    without pandas) with ``start``, ``end``, ``n_flagged``, ``peak`` and ``peak_score``.
    """
    flagged_steps = np.zeros(len(steps), dtype=bool)
    flagged_steps[grid.rows] = steps[grid.rows] > limit
    on = np.flatnonzero(flagged_steps)
    intervals = []
    if len(on):
        breaks = np.flatnonzero(np.diff(on) > max(gap, 1))
        first = np.r_[0, breaks + 1]
        last = np.r_[breaks, len(on) - 1]
        intervals = [(on[a], on[b]) for a, b in zip(first, last)]
    position = grid.times if grid.times is not None else None
    row_of_step = np.full(len(steps), -1)
    row_of_step[grid.rows[::-1]] = np.arange(len(grid.rows))[::-1]
    out = {"start": [], "end": [], "n_flagged": [], "peak": [], "peak_score": []}
    for a, b in intervals:
        peak = a + int(np.argmax(steps[a : b + 1]))
        in_rows = (grid.rows >= a) & (grid.rows <= b)
        out["start"].append(position[a] if position is not None else int(row_of_step[a]))
        out["end"].append(position[b] if position is not None else int(row_of_step[b]))
        out["n_flagged"].append(int(flagged_steps[grid.rows[in_rows]].sum()))
        out["peak"].append(position[peak] if position is not None else int(row_of_step[peak]))
        out["peak_score"].append(float(steps[peak]))
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return out
    return pd.DataFrame(out)
