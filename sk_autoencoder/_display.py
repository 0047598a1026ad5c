"""What the plots and the HTML reports share: label names, colour scales, points drawn.

:mod:`sk_autoencoder.plotting` (matplotlib) and :mod:`sk_autoencoder.reports` (plotly) read
labels and subsample points the same way through these; neither library is needed here.
"""

from __future__ import annotations

import numpy as np

#: Above this many distinct numeric label values the labels are drawn as a colour scale.
MAX_LEVELS = 20
#: The name of missing label values (None, NaN, pd.NA, NaT).
MISSING_LABEL = "missing"


def is_missing(v) -> bool:
    """True for None, NaN, pd.NA and NaT."""
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pd.NA-free float check
    except (TypeError, ValueError):
        return type(v).__name__ in ("NAType", "NaTType")


def level_name(v) -> str:
    """How a label value is named in a legend (:data:`MISSING_LABEL` for missing values)."""
    if is_missing(v):
        return MISSING_LABEL
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def level_order(names) -> list:
    """The distinct level names, sorted, :data:`MISSING_LABEL` last."""
    return sorted(set(names), key=lambda s: (s == MISSING_LABEL, s))


def colour_scale_values(labels: np.ndarray) -> np.ndarray | None:
    """Labels to draw as a colour scale, as float64 (NaN for missing ones), or None.

    Numeric labels with more than :data:`MAX_LEVELS` distinct values get a colour scale;
    others (fewer values, text, booleans) are drawn as levels.
    """
    numeric = labels.dtype.kind in "iuf" or (
        labels.dtype.kind == "O"
        and all(
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_))
            or is_missing(v)
            for v in labels
        )
    )
    if not numeric:
        return None
    values = np.array([np.nan if is_missing(v) else float(v) for v in labels], dtype=np.float64)
    return values if len(np.unique(values[~np.isnan(values)])) > MAX_LEVELS else None


def shown_points(n: int, max_points, random_state) -> np.ndarray:
    """Indices of the points drawn: all, or a sorted uniform subset of ``max_points``."""
    shown = np.arange(n)
    if max_points is not None and n > max_points:
        rng = np.random.default_rng(random_state)
        shown = np.sort(rng.choice(n, size=int(max_points), replace=False))
    return shown


# ------------------------------------------------------------------ training curves
#: The total losses of skorch's history; every other ``train_``/``valid_`` number is a term.
TOTAL_LOSSES = ("train_loss", "valid_loss")
_NOT_TERMS = ("train_batch_size", "valid_batch_size")


def history_values(rows: list, key: str) -> np.ndarray:
    """``key`` of every history row as float64 (NaN where a row lacks it)."""
    return np.array([float(row.get(key, np.nan)) for row in rows], dtype=np.float64)


def loss_terms(rows: list, prefixes=("train_",)) -> list:
    """The named loss terms of a history (e.g. ``train_kl``), in order of appearance."""
    terms = []
    for row in rows:
        for key, value in row.items():
            if (
                key.startswith(prefixes)
                and key not in TOTAL_LOSSES + _NOT_TERMS
                and not key.endswith(("_best", "_count"))
                and isinstance(value, (int, float))
                and key not in terms
            ):
                terms.append(key)
    return terms


def best_epoch(curves: dict) -> tuple[str, int | None]:
    """``(monitor, index)``: the lowest ``valid_loss`` (``train_loss`` without validation)."""
    monitor = "valid_loss" if "valid_loss" in curves else "train_loss"
    values = curves[monitor]
    return monitor, (int(np.nanargmin(values)) if np.isfinite(values).any() else None)


# ------------------------------------------------------------------ anomaly scores
def clipped_scores(scores: np.ndarray, threshold: float) -> tuple[np.ndarray, float, int]:
    """``(shown, top, n_beyond)``: scores for a histogram, a heavy tail piled at ``top``.

    ``top`` is three times the span from the lowest score (or the threshold) to the 99th
    percentile (or the threshold), so a few huge scores do not squeeze the rest into one bin.
    """
    low = min(float(scores.min()), threshold)
    top = low + 3 * (max(float(np.quantile(scores, 0.99)), threshold) - low)
    n_beyond = int(np.sum(scores > top))
    return (np.minimum(scores, top) if n_beyond else scores), top, n_beyond


def column_shares(explanation) -> tuple[list, np.ndarray]:
    """``(names, shares (n, p))`` of the ``share:<column>`` columns of an ``explain`` table."""
    share_cols = [c for c in explanation.columns if str(c).startswith("share:")]
    names = [str(c)[len("share:") :] for c in share_cols]
    return names, explanation[share_cols].to_numpy(dtype=float)
