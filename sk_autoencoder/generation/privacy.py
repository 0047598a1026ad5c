"""Did the generator memorise its training rows? Exact copies and distance to closest record.

A synthetic row that equals a training row, or lies much closer to one than fresh real rows
do, leaks that row. :func:`privacy_check` measures both against real rows the model never saw
(the hold-out): honest synthetic rows are no closer to the training rows than the hold-out
rows are. This is the distance-to-closest-record (DCR) test of the synthetic-data literature
(and of SDMetrics' ``DCRBaselineProtection``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from .._core.frames import is_dataframe

# A synthetic set is flagged when the share of its rows within the hold-out rows' 5th
# percentile distance of a training row is more than this many times the hold-out's share...
CLOSE_RATIO_LIMIT = 2.0
# ... or when it copies training rows exactly more often than the hold-out does, by this much.
COPY_MARGIN = 0.01


def _rows(X) -> list:
    """Rows as hashable tuples of text (NaN, None and <NA> all read as one missing value)."""
    if is_dataframe(X):
        frame = X.astype(object).where(X.notna(), None)
        return [tuple("\0NA" if v is None else str(v) for v in row) for row in frame.to_numpy()]
    arr = np.asarray(X, dtype=object)
    return [
        tuple("\0NA" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in r)
        for r in arr
    ]


def _check_same_columns(train, other, what: str) -> None:
    if is_dataframe(train):
        if not is_dataframe(other):
            raise TypeError(f"privacy_check: {what} must be a DataFrame, as train is.")
        missing = [c for c in train.columns if c not in other.columns]
        extra = [c for c in other.columns if c not in train.columns]
        if missing or extra:
            raise ValueError(
                f"privacy_check: {what} must have train's columns; missing {missing[:10]}, "
                f"extra {extra[:10]}."
            )
    elif np.asarray(other).ndim != 2 or np.asarray(other).shape[1] != np.asarray(train).shape[1]:
        raise ValueError(
            f"privacy_check: {what} must have train's {np.asarray(train).shape[1]} columns."
        )


def privacy_check(train, synthetic, holdout, *, n_rows=2000, random_state=0) -> dict:
    """Memorisation figures of ``synthetic`` rows, against real ``holdout`` rows.

    Parameters
    ----------
    train : DataFrame or array of shape (n, d)
        The rows the generator was fitted on.
    synthetic : same form as ``train``
        Generated rows.
    holdout : same form as ``train``
        Real rows of the same source that the generator never saw (the yardstick).
    n_rows : int, default=2000
        Synthetic and hold-out rows whose distance to the closest training record is
        computed (a seeded subsample; exact copies are counted on all rows).
    random_state : int, default=0
        Seed of the subsample.

    Returns
    -------
    report : dict
        ``exact_copies`` / ``holdout_exact_copies``: share of synthetic / hold-out rows equal
        to some training row (all columns, missing equal to missing). ``dcr_median`` /
        ``holdout_dcr_median`` (and ``_p5``, the 5th percentiles): distance to the closest
        training row. ``close_share``: share of synthetic rows at most the hold-out's 5th
        percentile distance from a training row; ``holdout_close_share``: the same share of
        hold-out rows (0.05, or more where rows tie, e.g. repeated rows in a table of few
        distinct values). ``memorised``: ``close_share > 2 * holdout_close_share``, or
        ``exact_copies`` above ``holdout_exact_copies + 0.01``.

    Notes
    -----
    Distances are Euclidean on an encoding fitted on ``train`` in which every column weighs
    the same: numeric values as their rank among the training values (in [0, 1]), plus 1 for a
    missing value against a present one; categorical columns one-hot scaled by
    ``1/sqrt(2)``, so two different levels are 1 apart. The distance is divided by the square
    root of the number of columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import privacy_check
    >>> rng = np.random.RandomState(0)
    >>> train, holdout = rng.normal(size=(300, 3)), rng.normal(size=(300, 3))
    >>> privacy_check(train, train[:100], holdout)["memorised"]  # copies are flagged
    True
    >>> privacy_check(train, rng.normal(size=(300, 3)), holdout)["memorised"]
    False
    """
    from ..preprocessing import TabularPreprocessor

    _check_same_columns(train, synthetic, "synthetic")
    _check_same_columns(train, holdout, "holdout")
    if is_dataframe(train):
        synthetic, holdout = synthetic[list(train.columns)], holdout[list(train.columns)]
    if len(train) == 0 or len(synthetic) == 0 or len(holdout) == 0:
        raise ValueError("privacy_check: train, synthetic and holdout must each have rows.")
    seen = set(_rows(train))
    copies = float(np.mean([r in seen for r in _rows(synthetic)]))
    holdout_copies = float(np.mean([r in seen for r in _rows(holdout)]))

    pre = TabularPreprocessor(numeric_transform="quantile", min_frequency=0, max_categories=None)
    pre.fit(train)
    weights = np.ones(pre.n_features_out_)
    numeric_slots = []
    for spec in pre._specs:
        if spec.kind == "numeric":
            numeric_slots.append(spec.start)
        else:
            weights[spec.start : spec.start + spec.width] = 1 / np.sqrt(2)
    scale = 1 / np.sqrt(len(pre._specs))

    def encode(X):
        E = pre.transform(X).astype(np.float64)
        E[:, numeric_slots] = ndtr(E[:, numeric_slots])
        return E * weights * scale

    rng = check_random_state(random_state)

    def subsample(X):
        if len(X) <= n_rows:
            return X
        idx = np.sort(rng.choice(len(X), n_rows, replace=False))
        return X.iloc[idx] if is_dataframe(X) else np.asarray(X)[idx]

    nn = NearestNeighbors(n_neighbors=1).fit(encode(train))
    dcr = nn.kneighbors(encode(subsample(synthetic)))[0][:, 0]
    dcr_holdout = nn.kneighbors(encode(subsample(holdout)))[0][:, 0]
    p5 = float(np.quantile(dcr_holdout, 0.05))
    close, holdout_close = float(np.mean(dcr <= p5)), float(np.mean(dcr_holdout <= p5))
    return {
        "exact_copies": copies,
        "holdout_exact_copies": holdout_copies,
        "dcr_median": float(np.median(dcr)),
        "holdout_dcr_median": float(np.median(dcr_holdout)),
        "dcr_p5": float(np.quantile(dcr, 0.05)),
        "holdout_dcr_p5": p5,
        "close_share": close,
        "holdout_close_share": holdout_close,
        "memorised": bool(
            close > CLOSE_RATIO_LIMIT * holdout_close or copies > holdout_copies + COPY_MARGIN
        ),
    }
