"""The bad-input matrix of the contract suite: inputs every estimator must refuse or handle.

A case is data. :class:`BadInput` is an input the estimator must refuse with ``error`` and
a message matching ``match`` (a regular expression, searched case-insensitively).
:class:`Handled` is an input with a documented handling: the output is finite (no NaN or
infinity in any numeric output), has one row per input row where the method is row-wise, and
passes ``check``; ``or_raises`` lets the estimator refuse it instead with a named error,
``or_warns`` return non-finite values with a warning that names the problem.

Each case runs on ``fit`` (unless ``on_fit=False``) and on every fitted method of the entry
that takes ``X`` (``methods`` narrows them); ``test_bad_inputs.py`` turns every (entry, case,
method) into one test. The tuples at the end are what the registry (``estimators.py``)
gives each kind of data; the matrix at a glance::

    kind        refused                                         handled
    tables      nan inf -inf empty 1-d 3-d wrong-width          one-row bool huge
                strings object complex (negative: ImageScaler)  nan-imputed nan-no-indicator
                                                                (TabularPreprocessor)
    images      nan inf empty 1-d one-image wrong-size          one-row bool huge
                strings complex
    frames      inf -inf empty 1-d missing/extra/renamed        one-row huge nan-imputed
                column array-for-frame text-in-numeric          unseen-level none-level
                complex-column datetime-column text-in-bool     all-nan-column
                duplicate-column                                nan-no-indicator
    series      empty dead-channel wrong-channels 3-d inf -inf  nan huge
                complex strings text-channel array-for-frame
                shorter-than-window one-step
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

# Errors a refused input may raise (a named error: the match says what it must name).
INPUT_ERRORS = (ValueError, TypeError)
# A numeric blow-up may also be refused as an arithmetic error (a diverged fit).
NUMERIC_ERRORS = (ValueError, TypeError, ArithmeticError)


@dataclasses.dataclass(frozen=True, eq=False)
class BadInput:
    """An input the estimator must refuse with ``error`` whose message matches ``match``."""

    id: str
    make: Callable[[Any], Any]  # the entry's good fitting data -> the bad input
    match: str
    error: type[Exception] | tuple[type[Exception], ...] = ValueError
    on_fit: bool = True  # also refused by fit (not only by the fitted methods)
    methods: tuple[str, ...] | None = None  # only these fitted methods (None: all)


@dataclasses.dataclass(frozen=True, eq=False)
class Handled:
    """An input with a documented handling: finite output (and ``check``), or, when
    ``or_raises`` is given, a ``NUMERIC_ERRORS`` error whose message matches it, or, when
    ``or_warns`` is given, non-finite output with a warning whose message matches it."""

    id: str
    make: Callable[[Any], Any]
    check: Callable[[Any, Any, Any], None] | None = None  # check(est, X, transform(X))
    or_raises: str | None = None
    or_warns: str | None = None
    on_fit: bool = True  # fit on it too; its outputs on it are then checked the same way
    methods: tuple[str, ...] | None = None


# ------------------------------------------------------------------------------ builders
def float_copy(X) -> np.ndarray:
    X = np.array(X)
    return X.astype(np.float64) if X.dtype.kind != "f" else X


def set_flat(value):
    """``X`` (as floats) with its second value replaced by ``value``."""

    def make(X):
        X = float_copy(X)
        X.flat[1] = value
        return X

    return make


def set_at(row: int, col: int, value):
    """``X`` (as floats) with ``X[row, col]`` replaced by ``value``."""

    def make(X):
        X = float_copy(X)
        X[row, col] = value
        return X

    return make


def _object_with_text(X) -> np.ndarray:
    X = np.array(X, dtype=object)
    X.flat[1] = "a"
    return X


def _above_median(X) -> np.ndarray:
    X = np.asarray(X)
    return X > np.median(X)


def _frame_set(column, value, rows=slice(1, 3)):
    def make(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        if isinstance(value, str):
            df[column] = df[column].astype(object)
        df.loc[df.index[rows], column] = value
        return df

    return make


def _text_in_numeric(df: pd.DataFrame) -> pd.DataFrame:
    return _frame_set("temp", "warm", rows=slice(1, 2))(df)


def _unseen_level(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["dir"] = df["dir"].cat.add_categories(["NE"])
    df.loc[1:3, "dir"] = "NE"
    return df


def _none_level(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df.loc[::5, "kind"] = None
    return df


def _other_channels(X):
    if isinstance(X, pd.DataFrame):
        return X.drop(columns=["temp"])
    X = np.asarray(X)
    return np.column_stack([X, X]) if X.ndim == 1 else X[:, :1]


def _dead_channel(X):
    if isinstance(X, pd.DataFrame):
        return X.assign(temp=np.nan)
    X = np.array(X, dtype=np.float64)
    if X.ndim == 1:
        X[:] = np.nan
    else:
        X[:, -1] = np.nan
    return X


def _series_set(value):
    """A series (array or frame with a ``load`` channel) with one value replaced."""

    def make(X):
        if isinstance(X, pd.DataFrame):
            X = X.copy()
            X.loc[1, "load"] = value
            return X
        return set_flat(value)(X)

    return make


def _series_map(fn):
    def make(X):
        if isinstance(X, pd.DataFrame):
            return X.assign(load=fn(X["load"].to_numpy()))
        return fn(np.asarray(X))

    return make


# ------------------------------------------------------------------------------ checks
def indicator_is_one(column: str):
    """The missing-indicator output column of ``column`` is 1 exactly where it is NaN."""

    def check(est, X, out):
        names = list(est.get_feature_names_out())
        values = X[column] if isinstance(X, pd.DataFrame) else np.asarray(X)[:, int(column[1:])]
        missing = pd.isna(pd.Series(np.asarray(values, dtype=object)))
        indicator = np.asarray(out)[:, names.index(f"{column}__missing")]
        np.testing.assert_array_equal(indicator, missing.to_numpy().astype(indicator.dtype))

    return check


# ------------------------------------------------------------------------------ cases
NAN = BadInput("nan", set_flat(np.nan), "NaN")
INF = BadInput("inf", set_flat(np.inf), "inf")
NEG_INF = BadInput("-inf", set_flat(-np.inf), "inf")
EMPTY_ROWS = BadInput("empty", lambda X: X[:0], r"0 sample")
ONE_D_ROW = BadInput("1-d", lambda X: np.asarray(X)[0].ravel(), r"2D array|2-D")
WRONG_WIDTH = BadInput(
    "wrong-width", lambda X: X[:, :-1], r"has \d+ features.*expecting \d+", on_fit=False
)
STRINGS = BadInput(
    "strings", lambda X: np.full(np.shape(X), "a"), r"string|numeric", error=INPUT_ERRORS
)
OBJECT_TEXT = BadInput("object", _object_with_text, r"string|numeric", error=INPUT_ERRORS)
COMPLEX = BadInput("complex", lambda X: float_copy(X) + 1j, "complex", error=INPUT_ERRORS)
ONE_ROW = Handled("one-row", lambda X: X[:1], or_raises=r"at least \d+ (rows|samples)")
BOOL = Handled("bool", _above_median)
# values near the float64 limit: refused, or scores that overflow come with a warning
HUGE_VALUES = r"inf|large|finite|overflow"
HUGE = Handled("huge", lambda X: float_copy(X) * 1e300, or_raises=HUGE_VALUES, or_warns=HUGE_VALUES)
# 3-D input is an image batch for the autoencoders, so only their fitted methods refuse it
THREE_D_ROWS = BadInput(
    "3-d", lambda X: np.asarray(X)[:, :, None], r"2-D|2D|dim|shape", on_fit=False
)
THREE_D_TABLE = dataclasses.replace(THREE_D_ROWS, on_fit=True)

ARRAY_CASES = (NAN, INF, NEG_INF, WRONG_WIDTH, EMPTY_ROWS, ONE_D_ROW, STRINGS, OBJECT_TEXT, COMPLEX)
# cases that fit the model (slower): given to one entry per architecture
ARRAY_FIT_CASES = (ONE_ROW, BOOL, HUGE)
AE_ARRAY_CASES = (*ARRAY_CASES, THREE_D_ROWS)
DETECTOR_ARRAY_CASES = (*ARRAY_CASES, THREE_D_TABLE, *ARRAY_FIT_CASES)

IMAGE_CASES = (
    NAN,
    INF,
    BadInput("wrong-size", lambda X: X[:, :7, :7], "does not match image_shape", on_fit=False),
    EMPTY_ROWS,
    ONE_D_ROW,
    # one (8, 8) image instead of a batch of them
    BadInput("one-image", lambda X: np.asarray(X)[0], r"one sample|batch", on_fit=False),
    STRINGS,
    COMPLEX,
)
IMAGE_FIT_CASES = (ONE_ROW, BOOL, HUGE)

PREPROCESSOR_ARRAY_CASES = (
    BadInput("wrong-width", lambda X: X[:, :-1], r"expecting \d+ features", on_fit=False),
    BadInput("empty", lambda X: X[:0], "0 rows"),
    BadInput("1-d", lambda X: X[:, 0], "2-D array"),
    BadInput("inf", set_flat(np.inf), "inf"),
    BadInput("-inf", set_flat(-np.inf), "inf"),
    BadInput("3-d", lambda X: X[:, :, None], "2-D array"),
    BadInput("complex", lambda X: X + 1j, "complex", error=INPUT_ERRORS),
    # x1 is numeric in training (it has NaN there, so it also has a missing indicator)
    BadInput("object", _object_with_text, r"non-numeric value 'a'", on_fit=False),
    Handled("nan-imputed", set_at(1, 1, np.nan), check=indicator_is_one("x1")),
    # x0 has no NaN in training, so no indicator: imputed with its mean
    Handled("nan-no-indicator", set_at(1, 0, np.nan), on_fit=False),
    ONE_ROW,
    BOOL,
    HUGE,
)

IMAGE_SCALER_CASES = (
    NAN,
    INF,
    BadInput("wrong-size", lambda X: X[:, :7, :7], "values per sample", on_fit=False),
    EMPTY_ROWS,
    ONE_D_ROW,
    BadInput("negative", lambda X: float_copy(X) - 300, "negative"),
    STRINGS,
    COMPLEX,
    ONE_ROW,
    BOOL,
    HUGE,
)
IMAGE_ROWS_SCALER_CASES = (
    *ARRAY_CASES,
    BadInput("negative", lambda X: float_copy(X) - 300, "negative"),
    ONE_ROW,
    BOOL,
    HUGE,
)

FRAME_CASES = (
    BadInput("inf", _frame_set("temp", np.inf), "infinite value"),
    BadInput("-inf", _frame_set("temp", -np.inf), "infinite value"),
    BadInput(
        "missing-column", lambda df: df.drop(columns=["wind"]), "missing column", on_fit=False
    ),
    BadInput(
        "extra-column", lambda df: df.assign(extra=1.0), "not present during fit", on_fit=False
    ),
    BadInput(
        "renamed-column", lambda df: df.rename(columns={"wind": "Wind"}), "wind", on_fit=False
    ),
    # a frame-fitted estimator given the same table as a bare array (columns by position)
    BadInput("array-for-frame", lambda df: df.to_numpy(), r"column|feature names", on_fit=False),
    BadInput("text-in-numeric", _text_in_numeric, "non-numeric value", on_fit=False),
    BadInput(
        "complex-column", lambda df: df.assign(temp=df["temp"] + 1j), "temp", error=INPUT_ERRORS
    ),
    BadInput(
        "datetime-column",
        lambda df: df.assign(when=pd.Timestamp("2024-01-01")),
        "when",
        error=INPUT_ERRORS,
    ),
    BadInput(
        "duplicate-column",
        lambda df: pd.concat([df, df[["temp"]]], axis=1),
        "duplicate",
    ),
    BadInput("empty", lambda df: df.iloc[:0], "0 rows"),
    BadInput("1-d", lambda df: df["temp"], r"2-D|2D"),
    Handled("one-row", lambda df: df.iloc[:1], or_raises=r"at least \d+ rows"),
    Handled(
        "huge",
        lambda df: df.assign(wind=df["wind"] * 1e300),
        or_raises=HUGE_VALUES,
        or_warns=HUGE_VALUES,
    ),
    Handled("unseen-level", _unseen_level, on_fit=False),
    # no value matches a level seen in fit: every row would be encoded as unseen
    BadInput("text-in-bool", lambda df: df.assign(rain="yes"), "rain", on_fit=False),
    Handled("none-level", _none_level),
    Handled("nan-no-indicator", _frame_set("wind", np.nan), on_fit=False),
    Handled("all-nan-column", lambda df: df.assign(temp=np.nan), or_raises="temp"),
)
# the preprocessor's own output: the missing indicator of a NaN is 1
PREPROCESSOR_FRAME_CASES = (
    *FRAME_CASES,
    Handled("nan-imputed", _frame_set("temp", np.nan), check=indicator_is_one("temp")),
)

SERIES_CASES = (
    BadInput("wrong-channels", _other_channels, "channels", on_fit=False),
    BadInput("empty", lambda X: X[:0], "empty"),
    BadInput("dead-channel", _dead_channel, "no observed value"),
    BadInput("inf", _series_set(np.inf), "inf"),
    BadInput("-inf", _series_set(-np.inf), "inf"),
    BadInput("complex", _series_map(lambda x: x + 1j), "complex", error=INPUT_ERRORS),
    BadInput("shorter-than-window", lambda X: X[:8], "window"),
    BadInput("one-step", lambda X: X[:1], r"window|at least 2"),
    Handled("nan", _series_set(np.nan)),
    Handled("huge", _series_map(lambda x: x * 1e300), or_raises=HUGE_VALUES, or_warns=HUGE_VALUES),
)
SERIES_ARRAY_CASES = (
    *SERIES_CASES,
    BadInput("3-d", lambda X: np.asarray(X).reshape(len(X), 1, -1, 1), "must be shaped"),
    BadInput("strings", lambda X: np.full(np.shape(X), "a"), "non-numeric"),
)
SERIES_FRAME_CASES = (
    *SERIES_CASES,
    BadInput("text-channel", lambda df: df.assign(temp=df["temp"].astype(str)), "not numeric"),
    BadInput("array-for-frame", lambda df: df[["load", "temp"]].to_numpy(), "times", on_fit=False),
)
