"""Declarative parameter checks for the preprocessing estimators.

Each estimator lists its rules - parameter, test, expected text, error type - in one table and
calls :func:`sk_autoencoder._core.params.check_params` at the start of ``fit``. A failed rule raises
``"<Class>: <param> must be <expected>, got <value!r>."``. Rules for one parameter run in
order, so a type rule can come before the range rules that assume the type.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._core.params import Rule as _Rule
from .._core.params import is_bool as _is_bool
from .._core.params import is_int as _is_int
from .._core.params import one_of as _one_of

# --------------------------------------------------------------------------- tests


def _is_real(v) -> bool:
    """A real number that is not a bool."""
    return isinstance(v, numbers.Real) and not _is_bool(v)


def _is_names(v) -> bool:
    """None, one column name (a string) or an iterable of names."""
    if v is None or isinstance(v, str):
        return True
    try:
        iter(v)
    except TypeError:
        return False
    return True


def _or_none(test):
    return lambda v: v is None or test(v)


# --------------------------------------------------------------------------- tables

#: TabularPreprocessor's parameters.
_TABULAR_RULES = (
    _Rule("categorical_columns", _is_names, "None or a list of column names", TypeError),
    _Rule("numeric_columns", _is_names, "None or a list of column names", TypeError),
    _Rule(
        "min_frequency",
        _or_none(_is_real),
        "an int (a count), a float in [0, 1] (a share) or None",
        TypeError,
    ),
    _Rule("min_frequency", lambda v: not _is_int(v) or v >= 0, "an int >= 0 as a count"),
    _Rule(
        "min_frequency",
        lambda v: v is None or _is_int(v) or 0.0 <= v <= 1.0,
        "in [0, 1] as a float (a share of rows; pass an int for a count)",
    ),
    _Rule("max_categories", _or_none(lambda v: _is_int(v) and v >= 1), "an int >= 1 or None"),
    _Rule("missing_indicator", _is_bool, "True or False", TypeError),
    _Rule("scale", _is_bool, "True or False", TypeError),
    _Rule("numeric_transform", _one_of("standard", "quantile"), "'standard' or 'quantile'"),
)

#: ImageScaler's parameters.
_IMAGE_RULES = (
    _Rule(
        "max_value",
        lambda v: (isinstance(v, str) and v == "auto") or (_is_real(v) and 0 < v < np.inf),
        "'auto' or a positive number (the pixel value that maps to 1)",
    ),
)


def _check_streamable(pre) -> None:
    """``partial_fit`` keeps running means and variances: no quantiles."""
    if pre.numeric_transform != "standard":
        raise ValueError(
            f"TabularPreprocessor.partial_fit: numeric_transform={pre.numeric_transform!r} "
            "needs all rows at once (use fit); partial_fit keeps running means and variances "
            "only, so use numeric_transform='standard' for chunked data."
        )
