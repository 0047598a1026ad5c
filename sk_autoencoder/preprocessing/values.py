"""Single values and raw columns of a table, for :class:`TabularPreprocessor`'s codecs.

Missing values (None, NaN, pd.NA, NaT) without needing pandas, columns as object arrays,
a stable order of levels, the kind of a level (to spot a column of the wrong type) and the
float range that casts safely to an integer dtype.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._core.frames import is_series


def _is_missing_scalar(v) -> bool:
    """True for None, NaN, pd.NA and NaT, without needing pandas."""
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    # pd.NA / pd.NaT / np.datetime64("NaT"): compare by type name so pandas is not needed.
    if type(v).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return False


def _missing_mask(col) -> np.ndarray:
    """Boolean mask of missing entries of a 1-D column (pandas Series or numpy array)."""
    if is_series(col):
        return col.isna().to_numpy(dtype=bool)
    if col.dtype.kind == "f":
        return np.isnan(col)
    if col.dtype.kind in "mM":
        return np.isnat(col)
    if col.dtype.kind == "O":
        return np.fromiter((_is_missing_scalar(v) for v in col), dtype=bool, count=len(col))
    return np.zeros(len(col), dtype=bool)


def _as_object(col) -> np.ndarray:
    if is_series(col):
        return col.to_numpy(dtype=object)
    return col.astype(object)


def _sort_levels(levels: list) -> list:
    """Sort levels for a stable column order; mixed types fall back to (type name, text)."""
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=lambda v: (type(v).__name__, str(v)))


def _value_kind(v) -> str:
    """What kind of level ``v`` is, for spotting a column of the wrong type at transform."""
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, numbers.Number):
        return "number"
    return "text" if isinstance(v, str) else type(v).__name__


def _known(v, lut: dict, kinds: set) -> bool:
    """``v`` is a level of ``lut`` or of one of the ``kinds`` of its levels."""
    try:
        if v in lut:
            return True
    except TypeError:  # unhashable: certainly not a level
        return False
    return _value_kind(v) in kinds


def _int_bounds(dtype: np.dtype) -> tuple[float, float]:
    """The float range that casts to integer ``dtype`` without overflow.

    ``float(iinfo(int64).max)`` rounds up to 2**63, which overflows the cast; use the
    largest float below it then.
    """
    info = np.iinfo(dtype)
    high = float(info.max)
    if int(high) > info.max:
        high = float(np.nextafter(high, 0.0))
    return float(info.min), high
