"""Values a DataFrame detector never saw in a column during fit.

An *unseen* cell is a categorical level that was not in the training column, a missing value
in a column (categorical or numeric) that had none in training. The preprocessor encodes such a
cell as something it knows (the infrequent or missing column, an empty one-hot block, the
training mean), which the members may reconstruct well, so on its own an unseen value could
look normal or even more normal than a typical row. The detector's rule instead:

1. an unseen categorical cell is fed to the members as the column's *rarest* training level
   (the one-hot position with the fewest training rows), so the rest of the row is scored as
   it would be with that level;
2. in every member, the cell's column error is floored at the largest error of that column
   over the training rows and, for a categorical column, at the surprise of a new level,
   ``log((n + 1) / (n1 + 1))`` nats: the Good-Turing estimate of the chance of a level not
   seen among ``n`` training rows is the share of levels seen only once (``n1`` of them), so
   a column of a few repeated levels expects no new one (about ``log(n + 1)`` nats) while a
   column of mostly one-off values (identifiers) expects them (about 0).

So an unseen value counts as evidence of an anomaly at least as strong as the rarest level
seen in training (and as the worst-reconstructed training value of its column), for
``model="ae"`` and ``"vae"`` and any number of members (for ``"vae"`` the floor's excess
is added to the negative ELBO). Rows without unseen cells are scored exactly as before.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .._core.frames import import_pandas, is_dataframe

__all__ = [
    "floor_errors",
    "new_level_surprise",
    "raw_columns",
    "rarest_levels",
    "recode_unseen",
    "unseen_cells",
]


def rarest_levels(pre, Z: np.ndarray) -> list:
    """Block position of the rarest training level of each input column (-1 if numeric).

    ``pre``: the fitted preprocessor; ``Z``: the training rows in model space.
    """
    out = []
    for name in pre.feature_names_in_:
        if name not in pre.categories_:
            out.append(-1)
            continue
        a, b = pre.column_slices_[name]
        out.append(int(np.argmin(Z[:, a:b].sum(axis=0))))
    return out


def new_level_surprise(pre, X) -> np.ndarray:
    """Per input column: ``log((n + 1) / (n1 + 1))`` for a categorical one (0 for numeric).

    ``n``: the rows of the training table ``X``; ``n1``: its levels seen exactly once.
    """
    pd = import_pandas("A DataFrame detector")
    out = np.zeros(len(pre.feature_names_in_))
    for j, (name, values) in enumerate(raw_columns(pre, X)):
        if name in pre.categories_:
            seen = values[~np.asarray(pd.isna(values), dtype=bool)]
            n1 = sum(1 for c in Counter(seen.tolist()).values() if c == 1)
            out[j] = np.log((len(values) + 1.0) / (n1 + 1.0))
    return out


def _had_missing(pre, name) -> bool:
    """Whether the training column ``name`` had missing values (a level or an indicator)."""
    if name in pre.categories_:
        a, b = pre.column_slices_[name]
        return b - a > len(pre.categories_[name]) + bool(pre.infrequent_categories_[name])
    return name in pre.indicator_columns_


def raw_columns(pre, X):
    """``(name, object array)`` of every input column of ``X``, by name or by position."""
    if is_dataframe(X):
        return [(name, X[name].to_numpy(dtype=object)) for name in pre.feature_names_in_]
    A = np.asarray(X, dtype=object)
    return [(name, A[:, j]) for j, name in enumerate(pre.feature_names_in_)]


def unseen_cells(pre, X) -> np.ndarray | None:
    """Boolean (n_rows, n_columns) mask of the unseen cells of ``X``, or None if there are none.

    ``X`` has already been encoded by ``pre`` (so its columns are known to match).
    """
    pd = import_pandas("A DataFrame detector")
    columns = raw_columns(pre, X)
    mask = np.zeros((len(columns[0][1]), len(columns)), dtype=bool)
    for j, (name, values) in enumerate(columns):
        missing = np.asarray(pd.isna(values), dtype=bool)
        if not _had_missing(pre, name):
            mask[:, j] = missing
        if name in pre.categories_:
            known = set(pre.categories_[name]) | set(pre.infrequent_categories_[name])
            fresh = np.fromiter((v not in known for v in values), dtype=bool, count=len(values))
            mask[:, j] |= fresh & ~missing
    return mask if mask.any() else None


def recode_unseen(Z: np.ndarray, mask: np.ndarray, groups, rarest) -> np.ndarray:
    """``Z`` with each unseen categorical cell one-hot encoded as its column's rarest level."""
    Z = Z.copy()
    for j, ((a, b), pos) in enumerate(zip(groups, rarest)):
        rows = np.flatnonzero(mask[:, j])
        if pos < 0 or not len(rows):
            continue
        Z[rows, a:b] = 0.0
        Z[rows, a + pos] = 1.0
    return Z


def floor_errors(E: np.ndarray, mask: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Column errors ``E`` (n, p) with the unseen cells raised to at least ``floor`` (p,)."""
    return np.where(mask, np.maximum(E, floor), E)
