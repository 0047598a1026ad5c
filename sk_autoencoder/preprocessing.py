"""Reversible encoding of mixed-type tables for autoencoders.

:class:`TabularPreprocessor` turns a table with numeric, categorical, string and boolean
columns into a dense float32 matrix, and - unlike scikit-learn's ``ColumnTransformer`` - can
map that matrix (or an autoencoder's reconstruction of it) back to a table with the original
columns and dtypes. It also describes its output layout in ``feature_blocks_`` so that a
downstream autoencoder can use a suitable loss per block (squared error for numeric columns,
cross-entropy for missing indicators and one-hot blocks).

:class:`TabularPipeline` / :func:`make_tabular_pipeline` wire the two together: the blocks are
handed to the final estimator's ``fit`` automatically, and ``sample`` decodes generated rows all
the way back to a DataFrame.

pandas is optional: it is imported only when a DataFrame is involved, so plain numpy input
works without it.
"""

from __future__ import annotations

import inspect
import numbers
import sys
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = ["ImageScaler", "TabularPipeline", "TabularPreprocessor", "make_tabular_pipeline"]

#: Suffix of the one-hot column that stands for the grouped rare levels.
INFREQUENT = "__infrequent__"
#: Suffix of the one-hot column that stands for a missing value.
MISSING = "__missing__"
_PANDAS_HINT = "install it with `pip install sk_autoencoder[tables]`"


# --------------------------------------------------------------------------- helpers


def _import_pandas():
    """Import pandas, or fail with an install hint (pandas is an optional dependency)."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is installed in the test env
        raise ImportError(
            f"This feature of TabularPreprocessor needs pandas; {_PANDAS_HINT}."
        ) from exc
    return pd


def _pandas_if_loaded():
    # A DataFrame can only exist if pandas was imported by someone, so checking sys.modules
    # detects DataFrames without importing pandas for numpy-only users.
    pd = sys.modules.get("pandas")
    return pd if pd is not None and hasattr(pd, "DataFrame") else None


def _is_dataframe(X) -> bool:
    pd = _pandas_if_loaded()
    return pd is not None and isinstance(X, pd.DataFrame)


def _is_series(X) -> bool:
    pd = _pandas_if_loaded()
    return pd is not None and isinstance(X, pd.Series)


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
    if _is_series(col):
        return col.isna().to_numpy(dtype=bool)
    if col.dtype.kind == "f":
        return np.isnan(col)
    if col.dtype.kind in "mM":
        return np.isnat(col)
    if col.dtype.kind == "O":
        return np.fromiter((_is_missing_scalar(v) for v in col), dtype=bool, count=len(col))
    return np.zeros(len(col), dtype=bool)


def _as_object(col) -> np.ndarray:
    if _is_series(col):
        return col.to_numpy(dtype=object)
    return col.astype(object)


def _sort_levels(levels: list) -> list:
    """Sort levels for a stable column order; mixed types fall back to (type name, text)."""
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=lambda v: (type(v).__name__, str(v)))


def _name_list(value, param: str) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        # A single name is unambiguous; accept it instead of iterating over its characters.
        return [value]
    try:
        return list(value)
    except TypeError:
        raise TypeError(f"{param} must be None or a list of column names, got {value!r}.") from None


def _short(names: list, limit: int = 20) -> str:
    names = list(names)
    if len(names) <= limit:
        return repr(names)
    return repr(names[:limit])[:-1] + f", ... ({len(names) - limit} more)]"


@dataclass
class _NumericSpec:
    """How one numeric input column is encoded (value column, then optional indicator)."""

    name: object
    dtype: object  # dtype seen in fit (numpy or pandas), used to restore it
    fill: float  # training mean: imputation value for NaN
    center: float
    scale: float
    indicator: bool  # a 0/1 missing-indicator column follows the value column
    start: int

    kind = "numeric"

    @property
    def width(self) -> int:
        return 2 if self.indicator else 1


@dataclass
class _CategoricalSpec:
    """How one categorical input column is one-hot encoded.

    Block layout: ``levels`` (frequent levels), then the infrequent column if ``infrequent`` is
    non-empty, then the missing column if ``has_missing``.
    """

    name: object
    dtype: object
    levels: list
    infrequent: list  # grouped rare levels, most frequent first
    has_missing: bool
    missing_value: object  # the missing sentinel seen in training (None, NaN, pd.NA, ...)
    start: int
    lut: dict = field(default_factory=dict)

    kind = "categorical"

    def __post_init__(self):
        self.lut = {level: i for i, level in enumerate(self.levels)}
        for level in self.infrequent:
            self.lut[level] = self.infrequent_pos

    @property
    def infrequent_pos(self) -> int:
        return len(self.levels) if self.infrequent else -1

    @property
    def missing_pos(self) -> int:
        return len(self.levels) + bool(self.infrequent) if self.has_missing else -1

    @property
    def width(self) -> int:
        return len(self.levels) + bool(self.infrequent) + bool(self.has_missing)

    def encode(self, values: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """Block position of every value; -1 means an all-zero row."""
        # Unseen levels: the infrequent column is the natural home ("some rare level"); the
        # missing column is the next best ("unknown"); otherwise leave the block empty.
        unseen = self.infrequent_pos if self.infrequent else self.missing_pos
        codes = np.fromiter(
            (self.lut.get(v, unseen) for v in values), dtype=np.intp, count=len(values)
        )
        codes[missing] = self.missing_pos if self.has_missing else self.infrequent_pos
        return codes

    def decode_table(self) -> np.ndarray:
        """Value of each block position, as an object array of length ``width``."""
        table = np.empty(self.width, dtype=object)
        for i, level in enumerate(self.levels):
            table[i] = level
        if self.infrequent:
            table[self.infrequent_pos] = self.infrequent[0]
        if self.has_missing:
            table[self.missing_pos] = self.missing_value
        return table


#: Distinct levels per categorical column whose counts ``partial_fit`` keeps exactly.
_MAX_TRACKED_LEVELS = 10_000


def _merged_dtype(old, new):
    """The dtype that holds values of both chunks' dtypes (a later chunk may differ, e.g. an
    integer column that holds a missing value arrives as float64)."""
    if old == new:
        return old
    if isinstance(old, np.dtype) and isinstance(new, np.dtype):
        return np.result_type(old, new)
    return np.dtype(np.float64)


@dataclass
class _RunningNumeric:
    """Running count, mean and sum of squared deviations of one numeric column."""

    name: object
    dtype: object
    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    n_missing: int = 0

    def update(self, values: np.ndarray, dtype) -> None:
        observed = values[~np.isnan(values)]
        self.n_missing += values.size - observed.size
        self.dtype = _merged_dtype(self.dtype, dtype)
        n_b = observed.size
        if not n_b:
            return
        mean_b = float(observed.mean())
        m2_b = float(((observed - mean_b) ** 2).sum())
        n = self.count + n_b
        delta = mean_b - self.mean
        # Chan, Golub & LeVeque (1979): the pairwise update of mean and squared deviations.
        self.m2 += m2_b + delta**2 * self.count * n_b / n
        self.mean += delta * n_b / n
        self.count = n

    def mean_std(self) -> tuple[float, float]:
        if not self.count:
            return 0.0, 0.0  # all missing so far: impute 0, as fit does
        return self.mean, float(np.sqrt(max(self.m2, 0.0) / self.count))


@dataclass
class _RunningCategorical:
    """Running level counts (capped) and missing count of one categorical column."""

    name: object
    dtype: object
    counts: Counter = field(default_factory=Counter)
    n_missing: int = 0
    missing_value: object = None

    def update(self, col) -> None:
        values = _as_object(col)
        missing = _missing_mask(col)
        try:
            self.counts.update(values[~missing].tolist())
        except TypeError as exc:
            raise TypeError(
                f"column {self.name!r} contains unhashable values and cannot be one-hot "
                f"encoded: {exc}"
            ) from None
        if missing.any() and not self.n_missing:
            self.missing_value = values[missing][0]
        self.n_missing += int(missing.sum())
        if col.dtype != self.dtype:
            # e.g. pandas categoricals whose categories differ between chunks: plain objects
            self.dtype = np.dtype(object)
        if len(self.counts) > _MAX_TRACKED_LEVELS:
            # Keep the most frequent half; the cap bounds memory for ID-like columns.
            self.counts = Counter(dict(self.counts.most_common(_MAX_TRACKED_LEVELS // 2)))


@dataclass
class _RunningStats:
    """What :meth:`TabularPreprocessor.partial_fit` accumulates between calls."""

    n_rows: int
    columns: list
    specs: list = None


# --------------------------------------------------------------------------- preprocessor


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Encode a mixed-type table as a float32 matrix, reversibly.

    Numeric columns are standardised, with missing values imputed by the training mean and
    flagged in a 0/1 indicator column. Categorical, string and boolean columns are one-hot
    encoded, with rare levels grouped into one "infrequent" column and missing values as their
    own level. :meth:`inverse_transform` maps the encoded matrix - or an autoencoder's
    reconstruction of it (probabilities, logits or 0/1 are all fine for the one-hot blocks) -
    back to a table with the original columns, order and dtypes.

    Parameters
    ----------
    categorical_columns : list of column names, default=None
        Columns to one-hot encode. Columns named in neither this list nor
        ``numeric_columns`` are detected from their dtype: object, string, category and bool
        columns are categorical, numeric dtypes are numeric (other dtypes, e.g. datetimes, must
        be listed explicitly or converted). For numpy input the names are ``x0, x1, ...``.
    numeric_columns : list of column names, default=None
        Columns to treat as numbers. Values must be numeric or convertible with ``float``;
        text such as ``"abc"`` raises an error naming the column, value and row.
    min_frequency : int or float, default=0.01
        Levels seen in fewer than ``min_frequency`` rows (int) or in a smaller share of rows
        than ``min_frequency`` (float in [0, 1]) are grouped into one infrequent level. ``0``
        or ``None`` keeps every level. The missing level is never grouped.
    max_categories : int, default=50
        Most one-hot columns per categorical column, counting the infrequent column but not
        the missing one; the least frequent levels beyond it are grouped as infrequent.
        ``None`` means no limit.
    missing_indicator : bool, default=True
        Add a 0/1 indicator column after each numeric column that had missing values in
        training.
    scale : bool, default=True
        Standardise numeric columns (subtract the mean, divide by the standard deviation; a
        constant column is divided by 1). If False, numeric values pass through unscaled
        (missing values are still imputed with the training mean).

    Attributes
    ----------
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Input column names (``x0, x1, ...`` for numpy input).
    n_features_in_ : int
        Number of input columns.
    n_features_out_ : int
        Number of output columns.
    numeric_columns_ : list
        Input columns encoded as numbers, in input order.
    categorical_columns_ : list
        Input columns one-hot encoded, in input order.
    mean_ : dict
        Training mean of each numeric column (the imputation value).
    scale_ : dict
        Divisor of each numeric column (standard deviation, or 1).
    indicator_columns_ : list
        Numeric columns that got a missing-indicator column.
    categories_ : dict
        Frequent levels of each categorical column, in output-column order.
    infrequent_categories_ : dict
        Levels of each categorical column grouped as infrequent, most frequent first (empty
        list if none). :meth:`inverse_transform` decodes the infrequent column to the first.
    feature_blocks_ : list of (kind, start, stop)
        Output layout: every output column is in exactly one block, in order. ``kind`` is
        ``"numeric"`` (standardised values; consecutive ones merged into one block),
        ``"binary"`` (missing indicators; consecutive ones merged) or ``"categorical"`` (one
        block per one-hot encoded column). This is the ``feature_blocks`` argument the
        autoencoders' ``fit`` expects.
    column_slices_ : dict
        Input column name -> ``(start, stop)`` of all output columns derived from it (a numeric
        value and its indicator are adjacent, so this is always one contiguous range).

    Notes
    -----
    - Columns are matched by name at transform time (their order may differ). Missing columns
      and columns not seen in fit raise a ``ValueError`` naming them; extra columns are
      rejected rather than ignored so that a misspelt column is not silently dropped.
    - A numeric column that had no missing values in training gets no indicator; missing
      values in it at transform time are imputed, and decode to the training mean.
    - Unseen levels at transform time never raise: they go to the infrequent column if there
      is one, else to the missing column if there is one, else the block is all zero.
    - Every input row gives exactly one output row; rows are never dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_autoencoder.preprocessing import TabularPreprocessor
    >>> df = pd.DataFrame({"temp": [20.5, None, 18.0], "dir": ["N", "S", "N"]})
    >>> pre = TabularPreprocessor().fit(df)
    >>> pre.get_feature_names_out().tolist()
    ['temp', 'temp__missing', 'dir=N', 'dir=S']
    >>> pre.feature_blocks_
    [('numeric', 0, 1), ('binary', 1, 2), ('categorical', 2, 4)]
    >>> pre.inverse_transform(pre.transform(df)).equals(df)
    True
    """

    def __init__(
        self,
        categorical_columns=None,
        numeric_columns=None,
        min_frequency=0.01,
        max_categories=50,
        missing_indicator=True,
        scale=True,
    ):
        self.categorical_columns = categorical_columns
        self.numeric_columns = numeric_columns
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.missing_indicator = missing_indicator
        self.scale = scale

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # ------------------------------------------------------------------ validation

    def _check_params(self) -> None:
        mf = self.min_frequency
        if mf is not None:
            if isinstance(mf, (bool, np.bool_)) or not isinstance(mf, numbers.Real):
                raise TypeError(
                    f"min_frequency must be an int (a count), a float in [0, 1] (a share) or "
                    f"None, got {mf!r}."
                )
            if isinstance(mf, numbers.Integral):
                if mf < 0:
                    raise ValueError(f"min_frequency must be >= 0, got {mf!r}.")
            elif not 0.0 <= mf <= 1.0:
                raise ValueError(
                    f"min_frequency as a float is a share of rows and must be in [0, 1], got "
                    f"{mf!r}; pass an int for a count."
                )
        mc = self.max_categories
        if mc is not None and (
            isinstance(mc, (bool, np.bool_)) or not isinstance(mc, numbers.Integral) or mc < 1
        ):
            raise ValueError(f"max_categories must be an int >= 1 or None, got {mc!r}.")

    def _read_input(self, X, *, fitting: bool, method: str):
        """Split ``X`` into ``[(name, 1-D column)]`` in training order; validate its shape."""
        if _is_series(X):
            raise ValueError(
                f"TabularPreprocessor.{method} expects a 2-D table, got a pandas Series; use "
                "X.to_frame() for a single column."
            )
        if _is_dataframe(X):
            names = list(X.columns)
            if len(set(names)) != len(names):
                dups = sorted({str(c) for c in names if names.count(c) > 1})
                raise ValueError(f"X has duplicated column names {dups}; rename them.")
            if fitting or not self._fitted_on_frame:
                if not fitting and X.shape[1] != self.n_features_in_:
                    raise ValueError(
                        f"X has {X.shape[1]} features, but TabularPreprocessor is expecting "
                        f"{self.n_features_in_} features as input (it was fitted on a numpy "
                        "array; columns are used by position)."
                    )
                columns = [
                    (names[j] if fitting else self.feature_names_in_[j], X.iloc[:, j])
                    for j in range(X.shape[1])
                ]
            else:
                present = set(names)
                expected = list(self.feature_names_in_)
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
                columns = [(c, X[c]) for c in expected]
            n_rows = X.shape[0]
        else:
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
            if fitting:
                names = [f"x{j}" for j in range(arr.shape[1])]
            else:
                if arr.shape[1] != self.n_features_in_:
                    raise ValueError(
                        f"X has {arr.shape[1]} features, but TabularPreprocessor is expecting "
                        f"{self.n_features_in_} features as input (columns "
                        f"{_short(list(self.feature_names_in_))})."
                    )
                # A DataFrame-fitted preprocessor accepts an array of the same width; its
                # columns are taken to be in training order.
                names = list(self.feature_names_in_)
            columns = [(names[j], arr[:, j]) for j in range(arr.shape[1])]
            n_rows = arr.shape[0]
        if n_rows == 0:
            raise ValueError(
                f"X has 0 rows; TabularPreprocessor.{method} needs at least one sample."
            )
        if not columns:
            raise ValueError(
                f"X has 0 columns; TabularPreprocessor.{method} found 0 feature(s) (shape="
                f"({n_rows}, 0)) while a minimum of 1 is required."
            )
        return columns, n_rows

    @staticmethod
    def _auto_kind(col):
        """'numeric', 'categorical' or None (unsupported) from a column's dtype."""
        if _is_series(col):
            pd = sys.modules["pandas"]
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

    @staticmethod
    def _to_float(name, col, *, fitting: bool) -> np.ndarray:
        """Column as float64 with NaN for missing; clear error for text or infinities."""
        values = None
        if _is_series(col):
            pd = sys.modules["pandas"]
            dtype = col.dtype
            if not isinstance(dtype, pd.CategoricalDtype) and (
                pd.api.types.is_bool_dtype(dtype)
                or (
                    pd.api.types.is_numeric_dtype(dtype)
                    and not pd.api.types.is_complex_dtype(dtype)
                )
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
                f"column {name!r} contains an infinite value {values[i]!r} (row {i}); replace "
                "it with NaN (treated as missing) or a finite number."
            )
        return values

    def _resolve_kinds(self, columns) -> list:
        names = [name for name, _ in columns]
        present = set(names)
        cat = _name_list(self.categorical_columns, "categorical_columns")
        num = _name_list(self.numeric_columns, "numeric_columns")
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
                kind = self._auto_kind(col)
                if kind is None:
                    raise TypeError(
                        f"column {name!r} has dtype {col.dtype}, which TabularPreprocessor "
                        "cannot encode automatically; convert it (e.g. to a number) or list "
                        "it in categorical_columns or numeric_columns."
                    )
                kinds.append(kind)
        return kinds

    # ------------------------------------------------------------------ fit / transform

    def _fit_numeric(self, name, col, start: int) -> _NumericSpec:
        values = self._to_float(name, col, fitting=True)
        observed = values[~np.isnan(values)]
        has_nan = observed.size < values.size
        # An all-missing column has no mean: impute 0 so the output is still finite.
        fill = float(observed.mean()) if observed.size else 0.0
        std = float(observed.std()) if observed.size else 0.0
        return self._numeric_spec(name, col.dtype, fill, std, has_nan, start)

    def _numeric_spec(self, name, dtype, mean: float, std: float, has_nan: bool, start: int):
        """The encoding of a numeric column from its mean and (population) std."""
        center, scale = 0.0, 1.0
        if self.scale:
            center = mean
            # Constant columns (std ~ 0 up to rounding) are only centred, as in StandardScaler.
            if np.isfinite(std) and std > 10 * np.finfo(np.float64).eps * max(1.0, abs(mean)):
                scale = std
        return _NumericSpec(
            name=name,
            dtype=dtype,
            fill=mean,
            center=center,
            scale=scale,
            indicator=bool(self.missing_indicator) and has_nan,
            start=start,
        )

    def _fit_categorical(self, name, col, n_rows: int, start: int) -> _CategoricalSpec:
        values = _as_object(col)
        missing = _missing_mask(col)
        try:
            counts = Counter(values[~missing].tolist())
        except TypeError as exc:
            raise TypeError(
                f"column {name!r} contains unhashable values and cannot be one-hot encoded: {exc}"
            ) from None
        missing_value = values[missing][0] if missing.any() else None
        return self._categorical_spec(
            name, col.dtype, counts, int(missing.sum()), missing_value, n_rows, start
        )

    def _categorical_spec(self, name, dtype, counts, n_missing, missing_value, n_rows, start):
        """The encoding of a categorical column from its level counts."""
        # Candidate order: the category order for pandas categoricals (it is meaningful),
        # sorted levels otherwise.
        pd = _pandas_if_loaded()
        if pd is not None and isinstance(dtype, pd.CategoricalDtype):
            order = [c for c in dtype.categories if c in counts]
        else:
            order = _sort_levels(list(counts))
        rank = {level: i for i, level in enumerate(order)}

        mf = self.min_frequency or 0
        threshold = mf if isinstance(mf, numbers.Integral) else mf * n_rows
        frequent = [level for level in order if counts[level] >= threshold]
        rare = [level for level in order if counts[level] < threshold]
        if self.max_categories is not None:
            # The infrequent column counts towards max_categories (as in OneHotEncoder).
            if len(frequent) + bool(rare) > self.max_categories:
                keep = max(self.max_categories - 1, 0)
                by_count = sorted(frequent, key=lambda lv: (-counts[lv], rank[lv]))
                kept = set(by_count[:keep])
                rare = rare + [lv for lv in frequent if lv not in kept]
                frequent = [lv for lv in frequent if lv in kept]
        rare = sorted(rare, key=lambda lv: (-counts[lv], rank[lv]))
        return _CategoricalSpec(
            name=name,
            dtype=dtype,
            levels=frequent,
            infrequent=rare,
            has_missing=n_missing > 0,
            missing_value=missing_value,
            start=start,
        )

    def fit(self, X, y=None):
        """Learn column types, statistics, levels and the output layout.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training table. Numpy arrays get column names ``x0, x1, ...``.
        y : None
            Ignored.

        Returns
        -------
        self : TabularPreprocessor
            Fitted preprocessor.
        """
        self._check_params()
        columns, n_rows = self._read_input(X, fitting=True, method="fit")
        kinds = self._resolve_kinds(columns)
        specs, start = [], 0
        for (name, col), kind in zip(columns, kinds):
            if kind == "numeric":
                spec = self._fit_numeric(name, col, start)
            else:
                spec = self._fit_categorical(name, col, n_rows, start)
            specs.append(spec)
            start += spec.width
        self._remember_input(X, columns)
        self._store_specs(specs)
        return self

    # ------------------------------------------------------------------ out-of-core fitting

    def partial_fit(self, X, y=None):
        """Update the statistics with one chunk of rows, for data that does not fit in memory.

        Like :meth:`sklearn.preprocessing.StandardScaler.partial_fit`: running means and
        variances (Chan et al.'s pairwise update) for numeric columns, level counts for
        categorical ones, and missing-value counts for both. After every call the preprocessor
        is usable and equals ``fit`` on all rows seen so far, up to floating-point rounding:
        ``min_frequency`` as a share is applied to the total row count, and the output layout
        (``feature_blocks_``, ``n_features_out_``) reflects every level and missing value seen.
        The layout can therefore grow while chunks arrive: fit a downstream model after the
        last call (as :func:`sk_autoencoder.streaming.fit_parquet` does).

        Column names, types and the input form (DataFrame or array) are fixed by the first
        call. Memory does not grow with the data: per categorical column, counts are exact
        while it has at most 10,000 distinct levels; beyond that only the most frequent levels
        keep a count (rare ones are dropped and, if seen again, count afresh), which can only
        affect levels far below ``max_categories``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            One chunk of the training table.
        y : None
            Ignored.

        Returns
        -------
        self : TabularPreprocessor
        """
        running = getattr(self, "_running", None)
        if hasattr(self, "_specs") and (running is None or running.specs is not self._specs):
            raise ValueError(
                "TabularPreprocessor was fitted with fit(), which keeps no running counts, so "
                "partial_fit cannot continue it; start a new partial_fit sequence on an "
                "unfitted copy (sklearn.base.clone(preprocessor))."
            )
        self._check_params()
        first = running is None
        columns, n_rows = self._read_input(X, fitting=first, method="partial_fit")
        if first:
            kinds = self._resolve_kinds(columns)
            running = _RunningStats(
                n_rows=0,
                columns=[
                    _RunningNumeric(name, col.dtype)
                    if kind == "numeric"
                    else _RunningCategorical(name, col.dtype)
                    for (name, col), kind in zip(columns, kinds)
                ],
            )
        running.n_rows += n_rows
        for stats, (name, col) in zip(running.columns, columns):
            if isinstance(stats, _RunningNumeric):
                stats.update(self._to_float(name, col, fitting=first), col.dtype)
            else:
                stats.update(col)
        specs, start = [], 0
        for stats in running.columns:
            if isinstance(stats, _RunningNumeric):
                mean, std = stats.mean_std()
                spec = self._numeric_spec(
                    stats.name, stats.dtype, mean, std, stats.n_missing > 0, start
                )
            else:
                spec = self._categorical_spec(
                    stats.name,
                    stats.dtype,
                    stats.counts,
                    stats.n_missing,
                    stats.missing_value,
                    running.n_rows,
                    start,
                )
            specs.append(spec)
            start += spec.width
        if first:
            self._remember_input(X, columns)
        self._store_specs(specs)
        running.specs = self._specs
        self._running = running
        self.n_samples_seen_ = running.n_rows
        return self

    def _remember_input(self, X, columns) -> None:
        """Input form and column names seen by the first fit call."""
        self._fitted_on_frame = _is_dataframe(X)
        if self._fitted_on_frame:
            self._columns_index = X.columns
            self._array_dtype = None
        else:
            self._columns_index = None
            self._array_dtype = np.asarray(X).dtype
        self.feature_names_in_ = np.asarray([name for name, _ in columns], dtype=object)
        self.n_features_in_ = len(columns)

    def _store_specs(self, specs) -> None:
        """Set the public fitted attributes from the column encodings."""
        self._specs = specs
        self.n_features_out_ = sum(spec.width for spec in specs)
        num = [s for s in specs if s.kind == "numeric"]
        cat = [s for s in specs if s.kind == "categorical"]
        self.numeric_columns_ = [s.name for s in num]
        self.categorical_columns_ = [s.name for s in cat]
        self.mean_ = {s.name: s.fill for s in num}
        self.scale_ = {s.name: s.scale for s in num}
        self.indicator_columns_ = [s.name for s in num if s.indicator]
        self.categories_ = {s.name: list(s.levels) for s in cat}
        self.infrequent_categories_ = {s.name: list(s.infrequent) for s in cat}
        self.column_slices_ = {s.name: (s.start, s.start + s.width) for s in specs}
        self.feature_blocks_ = self._blocks(specs)

    @staticmethod
    def _blocks(specs) -> list:
        blocks = []
        for spec in specs:
            if spec.kind == "numeric":
                parts = [("numeric", spec.start, spec.start + 1)]
                if spec.indicator:
                    parts.append(("binary", spec.start + 1, spec.start + 2))
            else:
                parts = [("categorical", spec.start, spec.start + spec.width)]
            for kind, a, b in parts:
                # Merge runs of numeric (or binary) columns: fewer, larger blocks for the loss.
                # One-hot blocks are never merged: each needs its own softmax.
                if blocks and kind != "categorical" and blocks[-1][0] == kind:
                    if blocks[-1][2] == a:
                        blocks[-1] = (kind, blocks[-1][1], b)
                        continue
                blocks.append((kind, a, b))
        return blocks

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features_in_)
            Table with the training columns (matched by name for DataFrames, in any order).

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_features_out_), dtype float32
            Standardised numeric values, missing indicators and one-hot blocks, laid out as
            described by ``feature_blocks_``. Contains no NaN.
        """
        check_is_fitted(self)
        columns, n_rows = self._read_input(X, fitting=False, method="transform")
        out = np.zeros((n_rows, self.n_features_out_), dtype=np.float32)
        for spec, (name, col) in zip(self._specs, columns):
            if spec.kind == "numeric":
                values = self._to_float(name, col, fitting=False)
                nan = np.isnan(values)
                filled = np.where(nan, spec.fill, values)
                out[:, spec.start] = (filled - spec.center) / spec.scale
                if spec.indicator:
                    out[:, spec.start + 1] = nan
            else:
                codes = spec.encode(_as_object(col), _missing_mask(col))
                rows = np.flatnonzero(codes >= 0)
                out[rows, spec.start + codes[rows]] = 1.0
        return out

    def inverse_transform(self, X):
        """Decode an encoded matrix (or a reconstruction of it) back to a table.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out_)
            Encoded data, e.g. the output of :meth:`transform` or an autoencoder's
            ``inverse_transform``/``sample``.

        Returns
        -------
        X_original : DataFrame or ndarray of shape (n_samples, n_features_in_)
            A DataFrame with the training columns in training order and their dtypes if the
            preprocessor was fitted on a DataFrame, else a numpy array of the training dtype.

        Notes
        -----
        - Numeric values are un-standardised. A value whose missing indicator is > 0.5 (a
          probability) becomes NaN. Integer columns are rounded back to integers; if the
          result holds NaN, a numpy integer column is returned as float64 instead (pandas
          nullable integer columns keep their dtype with ``<NA>``).
        - Each one-hot block decodes to the level with the largest value (argmax), so 0/1,
          probabilities and logits all work. The infrequent column decodes to the most
          frequent of the grouped rare levels (``infrequent_categories_[col][0]``), the missing
          column to a missing value.
        """
        check_is_fitted(self)
        index = X.index if _is_dataframe(X) else None
        Xt = np.asarray(X, dtype=np.float64)
        if Xt.ndim != 2 or Xt.shape[1] != self.n_features_out_:
            raise ValueError(
                f"inverse_transform expects an array of shape (n_samples, "
                f"{self.n_features_out_}) - the width of transform's output - but got shape "
                f"{Xt.shape}."
            )
        decoded = []
        for spec in self._specs:
            if spec.kind == "numeric":
                values = Xt[:, spec.start] * spec.scale + spec.center
                if spec.indicator:
                    values[Xt[:, spec.start + 1] > 0.5] = np.nan
                decoded.append(values)
            else:
                block = Xt[:, spec.start : spec.start + spec.width]
                # NaN would poison argmax; treat it as the lowest score.
                block = np.where(np.isnan(block), -np.inf, block)
                codes = block.argmax(axis=1)
                decoded.append(spec.decode_table()[codes])
        if self._fitted_on_frame:
            return self._to_frame(decoded, index)
        return self._to_array(decoded, Xt.shape[0])

    def _to_frame(self, decoded, index):
        pd = _import_pandas()
        if index is None:
            index = pd.RangeIndex(len(decoded[0]))
        data = {}
        for j, (spec, values) in enumerate(zip(self._specs, decoded)):
            if spec.kind == "numeric":
                values = _restore_numeric(pd, spec.dtype, values)
            else:
                values = _restore_categorical(pd, spec, values)
            # Wrap in a Series with an explicit dtype: building a DataFrame straight from an
            # object array lets pandas re-infer it (e.g. object -> str in pandas 3).
            dtype = values.dtype if hasattr(values, "dtype") else None
            data[j] = pd.Series(values, index=index, dtype=dtype, copy=False)
        frame = pd.DataFrame(data, index=index, copy=False)
        frame.columns = self._columns_index
        return frame

    def _to_array(self, decoded, n_rows: int) -> np.ndarray:
        dtype = self._array_dtype
        if dtype.kind in "iuf":
            # Categorical columns of a numeric array hold numeric levels (or a missing value).
            numbers_ = np.column_stack([np.asarray(v, dtype=np.float64) for v in decoded])
            if dtype.kind == "f":
                return numbers_.astype(dtype)
            if np.isnan(numbers_).any():
                return numbers_
            info = np.iinfo(dtype)
            return np.clip(np.rint(numbers_), info.min, info.max).astype(dtype)
        out = np.empty((n_rows, len(decoded)), dtype=object)
        for j, values in enumerate(decoded):
            out[:, j] = values
        if dtype.kind != "O" and not any(
            _missing_mask(out[:, j]).any() for j in range(out.shape[1])
        ):
            try:
                return out.astype(dtype)
            except (TypeError, ValueError):
                pass
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Numeric columns keep their name, missing indicators are ``<col>__missing``, one-hot
        columns ``<col>=<level>``, ``<col>=__infrequent__`` and ``<col>=__missing__``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; must match ``feature_names_in_`` if the preprocessor was fitted
            on a DataFrame. By default ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of shape (n_features_out_,), dtype object
        """
        check_is_fitted(self)
        names = list(self.feature_names_in_)
        if input_features is not None:
            given = list(input_features)
            if len(given) != self.n_features_in_ or (
                self._fitted_on_frame and [str(g) for g in given] != [str(n) for n in names]
            ):
                raise ValueError(
                    f"input_features {_short(given)} do not match the columns seen in fit "
                    f"{_short(names)}."
                )
            names = given
        out = []
        for spec, name in zip(self._specs, names):
            name = str(name)
            if spec.kind == "numeric":
                out.append(name)
                if spec.indicator:
                    out.append(f"{name}__missing")
            else:
                out.extend(f"{name}={level}" for level in spec.levels)
                if spec.infrequent:
                    out.append(f"{name}={INFREQUENT}")
                if spec.has_missing:
                    out.append(f"{name}={MISSING}")
        return np.asarray(out, dtype=object)


def _restore_numeric(pd, dtype, values: np.ndarray):
    """Float64 values -> the column's training dtype (integers by rounding)."""
    api = pd.api.types
    if isinstance(dtype, pd.CategoricalDtype):  # pragma: no cover - numeric kinds only
        return values
    if api.is_bool_dtype(dtype):
        # A bool column declared numeric: 0/1 back to bool at 0.5, unless there is NaN.
        if np.isnan(values).any():
            return values
        flags = values > 0.5
        return flags if isinstance(dtype, np.dtype) else pd.array(flags, dtype=dtype)
    if api.is_integer_dtype(dtype):
        numpy_dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype.numpy_dtype)
        info = np.iinfo(numpy_dtype)
        rounded = np.clip(np.rint(values), info.min, info.max)
        if isinstance(dtype, np.dtype):
            # numpy ints cannot hold NaN: keep floats rather than invent a value.
            return values if np.isnan(rounded).any() else rounded.astype(dtype)
        return pd.array(rounded, dtype=dtype)  # nullable Int64 etc.: NaN -> <NA>
    if api.is_float_dtype(dtype):
        return values.astype(dtype) if isinstance(dtype, np.dtype) else pd.array(values, dtype)
    # Numeric data that arrived as object/strings: floats are the honest result.
    return values


def _restore_categorical(pd, spec: _CategoricalSpec, values: np.ndarray):
    """Decoded levels (object array) -> the column's training dtype."""
    dtype = spec.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "O":
            return values
        if dtype.kind in "biuU" and _missing_mask(values).any():
            # These numpy dtypes cannot represent a missing value without inventing one.
            return values
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            return values
    try:
        # category (same categories and order), string, nullable boolean, ...
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        return values


# --------------------------------------------------------------------------- pipeline


def _final_estimator_has(attr):
    def check(self):
        # Raises AttributeError (-> method unavailable) if the final step lacks ``attr``.
        getattr(self.steps[-1][1], attr)
        return True

    return check


def _accepts_param(method, name: str) -> bool:
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class _FeatureBlocksInjector:
    """Stands in for the final step while :meth:`TabularPipeline.fit` runs.

    ``Pipeline.fit`` does the validation, metadata routing, caching and callbacks; this proxy
    only adds ``feature_blocks=...`` to the final estimator's ``fit`` call. Every other
    attribute access, assignment and deletion goes to the wrapped estimator, so the proxy is
    invisible to ``Pipeline``.
    """

    def __init__(self, estimator, pipeline):
        object.__setattr__(self, "_tp_estimator", estimator)
        object.__setattr__(self, "_tp_pipeline", pipeline)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_tp_estimator"), name)

    def __setattr__(self, name, value):
        setattr(self._tp_estimator, name, value)

    def __delattr__(self, name):
        delattr(self._tp_estimator, name)

    def __repr__(self):
        return repr(self._tp_estimator)

    def _params(self, params: dict) -> dict:
        blocks = self._tp_pipeline._feature_blocks()
        if (
            blocks is not None
            and "feature_blocks" not in params
            and _accepts_param(self._tp_estimator.fit, "feature_blocks")
        ):
            # A copy, so the estimator cannot alter the preprocessor's attribute.
            params = {**params, "feature_blocks": [tuple(b) for b in blocks]}
        return params

    def fit(self, X, y=None, **params):
        self._tp_estimator.fit(X, y, **self._params(params))
        return self

    def fit_transform(self, X, y=None, **params):
        est = self._tp_estimator
        if hasattr(est, "fit_transform"):
            return est.fit_transform(X, y, **self._params(params))
        return est.fit(X, y, **self._params(params)).transform(X)


class TabularPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that tells its final estimator the column layout.

    Identical to ``Pipeline`` (same constructor, ``transform``, ``inverse_transform``,
    ``score_samples``, ``get_params``/``set_params``, ...), except that:

    - :meth:`fit` and :meth:`fit_transform` pass ``feature_blocks=`` - the ``feature_blocks_``
      of the first preceding step that has one, normally a :class:`TabularPreprocessor` - to
      the final estimator's ``fit``. Estimators whose ``fit`` takes no ``feature_blocks``
      argument are fitted as usual, and a ``feature_blocks`` given explicitly as
      ``<final step>__feature_blocks`` wins. Steps between the preprocessor and the final
      estimator must not change the columns, or the blocks would not match.
    - :meth:`sample` draws rows from a generative final estimator and decodes them through the
      preceding steps' ``inverse_transform`` (so a VAE yields DataFrame rows).

    Usually built with :func:`make_tabular_pipeline`.
    """

    def _feature_blocks(self):
        for _, step in self.steps[:-1]:
            blocks = getattr(step, "feature_blocks_", None)
            if blocks is not None:
                return blocks
        return None

    def _with_injector(self, method: str, X, y, params):
        # Copy the steps list so the caller's list is never modified, then put the proxy in
        # the final slot for the duration of Pipeline's own fit and restore it afterwards
        # (also on error). Pipeline never clones its final step, so the wrapped estimator is
        # the one that ends up fitted.
        self.steps = list(self.steps)
        name, estimator = self.steps[-1]
        if estimator is None or isinstance(estimator, str):
            return getattr(super(), method)(X, y, **params)
        self.steps[-1] = (name, _FeatureBlocksInjector(estimator, self))
        try:
            return getattr(super(), method)(X, y, **params)
        finally:
            self.steps = list(self.steps)
            self.steps[-1] = (name, estimator)

    def fit(self, X, y=None, **params):
        """Fit all steps; the final one gets ``feature_blocks`` from the preprocessor.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training table.
        y : None
            Ignored by the preprocessor; passed on like ``Pipeline.fit`` does.
        **params : dict
            ``<step>__<param>`` fit parameters, as for ``Pipeline.fit``.

        Returns
        -------
        self : TabularPipeline
        """
        self._with_injector("fit", X, y, params)
        return self

    @available_if(Pipeline._can_fit_transform)
    def fit_transform(self, X, y=None, **params):
        """Fit like :meth:`fit`, then return the final estimator's transform of ``X``.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_components)
            Output of the final estimator (e.g. the autoencoder's codes).
        """
        return self._with_injector("fit_transform", X, y, params)

    @available_if(_final_estimator_has("sample"))
    def sample(self, n_samples=1, random_state=None):
        """Generate rows with the final estimator and decode them to the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Passed to the final estimator's ``sample``.

        Returns
        -------
        X_new : DataFrame or ndarray of shape (n_samples, n_features)
            Generated rows, in the same form as the training input (a DataFrame with the
            original columns and dtypes if the pipeline was fitted on one).
        """
        check_is_fitted(self)
        Xs = self.steps[-1][1].sample(n_samples=n_samples, random_state=random_state)
        for _, step in reversed(self.steps[:-1]):
            if step is None or step == "passthrough":
                continue
            Xs = step.inverse_transform(Xs)
        return Xs


def make_tabular_pipeline(estimator, preprocessor=None):
    """Build a :class:`TabularPipeline` ``preprocess -> autoencoder``.

    Parameters
    ----------
    estimator : estimator
        Final step, e.g. an ``AutoencoderTransformer`` or ``VAEGenerator``; its ``fit``
        receives ``feature_blocks`` from the preprocessor. Reached as ``autoencoder__<param>``
        in ``set_params`` / ``GridSearchCV``.
    preprocessor : transformer, default=None
        First step; a default :class:`TabularPreprocessor` if None.

    Returns
    -------
    pipeline : TabularPipeline
        Steps ``[("preprocess", preprocessor), ("autoencoder", estimator)]``.
    """
    if preprocessor is None:
        preprocessor = TabularPreprocessor()
    return TabularPipeline([("preprocess", preprocessor), ("autoencoder", estimator)])


# ------------------------------------------------------------------------------ images

#: Pixel ranges tried, in order, by ``ImageScaler(max_value="auto")`` for data whose dtype
#: does not say its range: [0, 1] images, 8-bit and 16-bit pixel values.
_PIXEL_RANGES = (1.0, 255.0, 65535.0)


class ImageScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale images (or any data in ``[0, max_value]``) to float32 in [0, 1], and back.

    ``transform`` divides by ``max_value_``; ``inverse_transform`` multiplies by it, clips to
    ``[0, max_value_]`` and returns the dtype seen in ``fit`` (rounded to the nearest
    integer for integer dtypes), so uint8 images round-trip exactly and a model's
    reconstructions come back as valid pixels. The scaling is element-wise: any layout is
    kept - 2-D rows ``(n_samples, n_pixels)``, ``(n, H, W)``, ``(n, C, H, W)`` or
    ``(n, H, W, C)`` - and the number of values per sample must match the one seen in ``fit``
    (the layout may change, e.g. ``fit`` on ``(n, 28, 28)`` and ``inverse_transform`` of a
    model's ``(n, 784)`` output).

    Parameters
    ----------
    max_value : "auto" or float, default="auto"
        The pixel value that maps to 1. ``"auto"``: for 8-bit and 16-bit integer dtypes the
        dtype's largest value (255 for uint8, 65535 for uint16, 127 / 32767 for int8 /
        int16), 1 for bool; for any other dtype (floats, wider integers such as the int64 of
        a Python list) the smallest of 1, 255 and 65535 that is at least the data's maximum,
        or the data's maximum above 65535. Pass a number for other ranges, e.g. 4095 for
        12-bit images stored as uint16.

    Attributes
    ----------
    max_value_ : float
        The value mapped to 1.
    dtype_ : numpy.dtype
        The dtype of the data seen in ``fit``, returned by ``inverse_transform``.
    n_features_in_ : int
        Values per sample (``H * W * C`` for images).
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import ImageScaler
    >>> X = np.array([[[0, 128], [255, 64]]], dtype=np.uint8)  # one 2x2 image
    >>> scaler = ImageScaler().fit(X)
    >>> scaler.transform(X).dtype, float(scaler.transform(X).max())
    (dtype('float32'), 1.0)
    >>> bool((scaler.inverse_transform(scaler.transform(X)) == X).all())
    True
    """

    def __init__(self, max_value="auto"):
        self.max_value = max_value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _read(self, X, *, reset: bool, method: str) -> np.ndarray:
        """Validate ``X`` keeping its dtype: 2-D input to ``fit`` / ``transform`` through
        scikit-learn (feature names), images of any rank and ``inverse_transform``'s input (in
        the output space, as for scikit-learn's scalers) by the number of values per sample."""
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        if ndim == 2 and method != "inverse_transform":
            return validate_data(self, X, reset=reset, dtype="numeric")
        X = check_array(X, dtype="numeric", allow_nd=True)
        n_values = int(np.prod(X.shape[1:]))
        if reset:
            self.n_features_in_ = n_values
            vars(self).pop("feature_names_in_", None)
        elif n_values != self.n_features_in_:
            raise ValueError(
                f"ImageScaler.{method}: X has {n_values} values per sample (shape "
                f"{X.shape[1:]}), but the scaler was fitted on samples of "
                f"{self.n_features_in_} values: pass images of the size seen in fit."
            )
        return X

    def _auto_max(self, X: np.ndarray) -> float:
        if X.dtype == bool:
            return 1.0
        if X.dtype.kind in "iu" and X.dtype.itemsize <= 2:
            return float(np.iinfo(X.dtype).max)
        data_max = float(X.max())
        return next((r for r in _PIXEL_RANGES if data_max <= r), data_max)

    def fit(self, X, y=None):
        """Learn the dtype and the maximum value from ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or an image array (n_samples, ...)
            Non-negative values.
        y : ignored

        Returns
        -------
        self
        """
        X = self._read(X, reset=True, method="fit")
        if X.min() < 0:
            raise ValueError(
                f"Negative values in data passed to ImageScaler (minimum {X.min()}): it "
                "scales non-negative pixel values; shift the data first or use "
                "sklearn.preprocessing.MinMaxScaler."
            )
        if self.max_value == "auto":
            self.max_value_ = self._auto_max(X)
        elif (
            isinstance(self.max_value, numbers.Real)
            and not isinstance(self.max_value, bool)
            and 0 < self.max_value < np.inf
        ):
            self.max_value_ = float(self.max_value)
        else:
            raise ValueError(
                f"ImageScaler: max_value must be 'auto' or a positive number (the pixel value "
                f"that maps to 1), got {self.max_value!r}."
            )
        self.dtype_ = X.dtype
        return self

    def transform(self, X) -> np.ndarray:
        """Scale to float32 in [0, 1] (values above ``max_value_`` map above 1).

        Returns
        -------
        ndarray of float32, the shape of ``X``
        """
        check_is_fitted(self)
        X = self._read(X, reset=False, method="transform")
        if X.size and X.min() < 0:
            raise ValueError(
                f"Negative values in data passed to ImageScaler.transform (minimum "
                f"{X.min()}): it scales non-negative pixel values."
            )
        return X.astype(np.float32) / np.float32(self.max_value_)

    def inverse_transform(self, X) -> np.ndarray:
        """Map values in [0, 1] back to the pixel range and dtype seen in ``fit``.

        Values are multiplied by ``max_value_``, clipped to ``[0, max_value_]`` (and to the
        range of the dtype) and, for integer and bool dtypes, rounded to the nearest integer.

        Returns
        -------
        ndarray of ``dtype_``, the shape of ``X``
        """
        check_is_fitted(self)
        X = self._read(X, reset=False, method="inverse_transform")
        values = np.clip(X.astype(np.float64) * self.max_value_, 0.0, self.max_value_)
        if self.dtype_.kind in "iub":
            values = np.rint(values)
            if self.dtype_.kind in "iu":
                values = np.minimum(values, np.iinfo(self.dtype_).max)
        return values.astype(self.dtype_)
