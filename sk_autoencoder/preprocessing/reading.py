"""Reading the input table of :class:`TabularPreprocessor`: columns, kinds and numbers.

``_read_table`` splits a DataFrame or 2-D array into named 1-D columns (matched by name
against the training columns once fitted), ``_resolve_kinds`` decides which columns are
numeric and which categorical, and ``_to_float`` turns a numeric column into float64 with NaN
for missing values, naming the column, value and row of anything that is not a number.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._core.frames import is_dataframe, is_series, pandas_if_loaded
from .checks import _check_text_numbers
from .values import _as_object, _is_missing_scalar


def _name_list(value) -> list:
    """A ``categorical_columns`` / ``numeric_columns`` value (checked already) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        # A single name is unambiguous; accept it instead of iterating over its characters.
        return [value]
    return list(value)


def _short(names: list, limit: int = 20) -> str:
    names = list(names)
    if len(names) <= limit:
        return repr(names)
    return repr(names[:limit])[:-1] + f", ... ({len(names) - limit} more)]"


def _read_table(X, *, fitted, method: str):
    """Split ``X`` into ``[(name, 1-D column)]`` in training order; validate its shape.

    ``fitted`` is the fitted preprocessor whose columns ``X`` must match, or None in the first
    fit call (which takes the names from ``X``).
    """
    if is_series(X):
        raise ValueError(
            f"TabularPreprocessor.{method} expects a 2-D table, got a pandas Series; use "
            "X.to_frame() for a single column."
        )
    if is_dataframe(X):
        columns, n_rows = _frame_columns(X, fitted), X.shape[0]
    elif fitted is not None and fitted._fitted_on_frame:
        # By position the columns could be in any order, and the dtypes are lost: refuse.
        raise ValueError(
            f"TabularPreprocessor.{method}: X is not a DataFrame ({type(X).__name__}), but the "
            "preprocessor was fitted on one, whose columns it matches by name: pass a DataFrame "
            f"with the columns {_short(list(fitted.feature_names_in_))}."
        )
    else:
        arr = _checked_array(X, method)
        columns, n_rows = _array_columns(arr, fitted), arr.shape[0]
    if n_rows == 0:
        raise ValueError(f"X has 0 rows; TabularPreprocessor.{method} needs at least one sample.")
    if not columns:
        raise ValueError(
            f"X has 0 columns; TabularPreprocessor.{method} found 0 feature(s) (shape="
            f"({n_rows}, 0)) while a minimum of 1 is required."
        )
    return columns, n_rows


def _frame_columns(X, fitted) -> list:
    """The columns of a DataFrame, matched against the training columns once fitted.

    By position at the first fit or after a fit on an array, else by name.
    """
    fitting = fitted is None
    if fitting and X.columns.nlevels > 1:
        raise ValueError(
            f"X has MultiIndex columns ({X.columns.nlevels} levels, e.g. {X.columns[0]!r}); "
            "TabularPreprocessor needs one name per column: flatten them first, e.g. "
            "X.columns = ['_'.join(map(str, c)) for c in X.columns]."
        )
    names = list(X.columns)
    if len(set(names)) != len(names):
        dups = sorted({str(c) for c in names if names.count(c) > 1})
        raise ValueError(f"X has duplicated column names {dups}; rename them.")
    if fitting or not fitted._fitted_on_frame:
        if not fitting and X.shape[1] != fitted.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but TabularPreprocessor is expecting "
                f"{fitted.n_features_in_} features as input (it was fitted on a numpy "
                "array; columns are used by position)."
            )
        return [
            (names[j] if fitting else fitted.feature_names_in_[j], X.iloc[:, j])
            for j in range(X.shape[1])
        ]
    present = set(names)
    expected = list(fitted.feature_names_in_)
    missing = [c for c in expected if c not in present]
    if missing:
        raise ValueError(
            f"X is missing column(s) {_short(missing)} that were present during "
            "fit; pass a table with all the training columns."
        )
    known = set(expected)
    extra = [c for c in names if c not in known]
    if extra:
        raise ValueError(
            f"X has column(s) {_short(extra)} that were not present during fit; "
            "drop them (e.g. X.drop(columns=[...])) or refit on the new columns."
        )
    return [(c, X[c]) for c in expected]


def _checked_array(X, method: str) -> np.ndarray:
    """``X`` (not a DataFrame) as a 2-D numpy array of a supported dtype."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            "TabularPreprocessor does not accept sparse input; pass a dense array "
            "(X.toarray()) or a DataFrame."
        )
    arr = np.asarray(X)
    if arr.ndim != 2:
        hint = (
            " Reshape your data with X.reshape(-1, 1) for one column or "
            "X.reshape(1, -1) for one sample."
            if arr.ndim == 1
            else ""
        )
        raise ValueError(
            f"TabularPreprocessor.{method} expects a 2-D array or DataFrame, got an "
            f"array with {arr.ndim} dimension(s).{hint}"
        )
    if arr.dtype.kind == "c":
        raise ValueError(
            "Complex data not supported by TabularPreprocessor; pass the real and "
            "imaginary parts as separate columns."
        )
    if arr.dtype.kind not in "biufOUSmM":
        raise TypeError(f"Unsupported array dtype {arr.dtype} for TabularPreprocessor.")
    return arr


def _array_columns(arr: np.ndarray, fitted) -> list:
    """The columns of a 2-D array, named ``x0, x1, ...`` or, once fitted, as in training."""
    if fitted is None:
        names = [f"x{j}" for j in range(arr.shape[1])]
    else:
        if arr.shape[1] != fitted.n_features_in_:
            raise ValueError(
                f"X has {arr.shape[1]} features, but TabularPreprocessor is expecting "
                f"{fitted.n_features_in_} features as input (columns "
                f"{_short(list(fitted.feature_names_in_))})."
            )
        names = list(fitted.feature_names_in_)  # x0, x1, ...: fitted on an array too
    return [(names[j], arr[:, j]) for j in range(arr.shape[1])]


def _auto_kind(col):
    """'numeric', 'categorical' or None (unsupported) from a column's dtype."""
    if is_series(col):
        pd = pandas_if_loaded()
        dtype = col.dtype
        if (
            isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
        ):
            return "categorical"
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
            return "numeric"
        return None
    kind = col.dtype.kind
    if kind in "iuf":
        return "numeric"
    if kind in "bUS":
        return "categorical"
    if kind == "O":
        # An object array mixes types per column: a column holding only (missing or) real
        # numbers is numeric, anything else is categorical.
        for v in col:
            if _is_missing_scalar(v):
                continue
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                return "categorical"
        return "numeric"
    return None


def _resolve_kinds(columns, categorical_columns, numeric_columns) -> list:
    """'numeric' or 'categorical' for each of ``columns``: as listed, else from the dtype."""
    names = [name for name, _ in columns]
    present = set(names)
    cat = _name_list(categorical_columns)
    num = _name_list(numeric_columns)
    for param, listed in (("categorical_columns", cat), ("numeric_columns", num)):
        unknown = [c for c in listed if c not in present]
        if unknown:
            raise ValueError(
                f"{param} names column(s) {_short(unknown)} that are not in X; X has "
                f"columns {_short(names)}."
            )
    both = [c for c in cat if c in set(num)]
    if both:
        raise ValueError(
            f"column(s) {_short(both)} are listed in both categorical_columns and "
            "numeric_columns; list each column in at most one."
        )
    cat, num = set(cat), set(num)
    kinds = []
    for name, col in columns:
        if name in cat:
            kinds.append("categorical")
        elif name in num:
            kinds.append("numeric")
        else:
            kind = _auto_kind(col)
            if kind is None:
                raise TypeError(
                    f"column {name!r} has dtype {col.dtype}, which TabularPreprocessor "
                    "cannot encode automatically; convert it (e.g. to a number) or list "
                    "it in categorical_columns or numeric_columns."
                )
            if kind == "categorical" and _may_hold_numbers(col):
                _check_text_numbers(name, col)
            kinds.append(kind)
    return kinds


def _may_hold_numbers(col) -> bool:
    """An object or string column (not category or bool): it may hold numbers as text."""
    if is_series(col):
        pd = pandas_if_loaded()
        dtype = col.dtype
        return not isinstance(dtype, pd.CategoricalDtype) and (
            pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        )
    return col.dtype.kind in "OUS"


def _to_float(name, col, *, fitting: bool) -> np.ndarray:
    """Column as float64 with NaN for missing; clear error for text or infinities."""
    values = None
    if is_series(col):
        pd = pandas_if_loaded()
        dtype = col.dtype
        if not isinstance(dtype, pd.CategoricalDtype) and (
            pd.api.types.is_bool_dtype(dtype)
            or (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype))
        ):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    elif col.dtype.kind in "biuf":
        values = col.astype(np.float64)
    if values is None:
        # Object / string / category data in a numeric column: convert value by value so
        # the first bad entry can be reported with its row.
        obj = _as_object(col)
        values = np.empty(len(obj), dtype=np.float64)
        for i, v in enumerate(obj):
            if _is_missing_scalar(v):
                values[i] = np.nan
                continue
            try:
                values[i] = float(v)
            except (TypeError, ValueError):
                role = "was declared numeric" if fitting else "is numeric in training"
                raise ValueError(
                    f"column {name!r} {role} but contains non-numeric value {v!r} "
                    f"(row {i}); convert it to a number or NaN"
                    + (", or list the column in categorical_columns." if fitting else ".")
                ) from None
    inf = np.isinf(values)
    if inf.any():
        i = int(np.argmax(inf))
        raise ValueError(
            f"column {name!r} contains an infinite value {float(values[i])!r} (row {i}); replace "
            "it with NaN (treated as missing) or a finite number."
        )
    return values
