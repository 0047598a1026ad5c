"""Per-column codecs of :class:`TabularPreprocessor`: what one input column becomes.

A numeric column becomes a standardised value column and, if it had missing values, a 0/1
indicator column; a categorical column becomes a one-hot block. Each codec (``_NumericSpec``,
``_CategoricalSpec``) knows how to build itself from training statistics, encode a column into
its output columns, decode them, restore the training dtype, name its output columns and
describe its loss blocks. None of this needs pandas unless a pandas column is involved.
"""

from __future__ import annotations

import numbers
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from .._core.frames import pandas_if_loaded
from .._core.quantiles import quantile_level
from .values import _as_object, _int_bounds, _known, _missing_mask, _sort_levels, _value_kind

#: Suffix of the one-hot column that stands for the grouped rare levels.
INFREQUENT = "__infrequent__"
#: Suffix of the one-hot column that stands for a missing value.
MISSING = "__missing__"
#: Training quantiles kept per numeric column by ``numeric_transform="quantile"``, at most.
N_QUANTILES = 1000
# Normal scores are clipped to the quantiles of these probabilities (about +-5.2), as in
# scikit-learn's QuantileTransformer.
P_BOUND = 1e-7


def _to_normal(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Values -> normal scores through the training quantiles (ties: the middle of the run)."""
    return ndtri(np.clip(quantile_level(values, quantiles), P_BOUND, 1 - P_BOUND))


def _from_normal(scores: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Normal scores -> values: the training quantile function (so values stay in range)."""
    refs = np.linspace(0.0, 1.0, len(quantiles))
    return np.interp(ndtr(scores), refs, quantiles)


# --------------------------------------------------------------------------- numeric


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
    # Sorted training quantiles (numeric_transform="quantile"): values are encoded as normal
    # scores through them instead of standardised; None for "standard".
    quantiles: np.ndarray | None = None

    kind = "numeric"

    @classmethod
    def from_stats(cls, name, dtype, mean, std, has_nan, start, *, scale, missing_indicator):
        """The encoding of a numeric column from its mean and (population) std."""
        center, divisor = 0.0, 1.0
        if scale:
            center = mean
            # Constant columns (std ~ 0 up to rounding) are only centred, as in StandardScaler.
            if np.isfinite(std) and std > 10 * np.finfo(np.float64).eps * max(1.0, abs(mean)):
                divisor = std
        return cls(
            name=name,
            dtype=dtype,
            fill=mean,
            center=center,
            scale=divisor,
            indicator=bool(missing_indicator) and has_nan,
            start=start,
        )

    @classmethod
    def fit(cls, name, dtype, values: np.ndarray, start: int, *, quantile=False, **params):
        """The encoding of a column from its float64 ``values`` (NaN for missing)."""
        observed = values[~np.isnan(values)]
        has_nan = observed.size < values.size
        # An all-missing column has no mean: impute 0 so the output is still finite.
        fill = float(observed.mean()) if observed.size else 0.0
        with np.errstate(over="ignore"):  # std overflow to inf: fit names the value
            std = float(observed.std()) if observed.size else 0.0
        spec = cls.from_stats(name, dtype, fill, std, has_nan, start, **params)
        if quantile and observed.size:
            n = int(min(N_QUANTILES, observed.size))
            spec.quantiles = np.quantile(observed, np.linspace(0.0, 1.0, n))
        return spec

    @property
    def width(self) -> int:
        return 2 if self.indicator else 1

    def encode(self, values: np.ndarray, out: np.ndarray) -> None:
        """Write float64 ``values`` (NaN for missing) into this column's slots of ``out``."""
        nan = np.isnan(values)
        if self.quantiles is not None:
            # Missing values sit at the median's score, 0 (the indicator flags them).
            out[:, self.start] = np.where(nan, 0.0, _to_normal(values, self.quantiles))
        else:
            filled = np.where(nan, self.fill, values)
            with np.errstate(over="ignore"):  # overflow to inf: transform names the value
                out[:, self.start] = (filled - self.center) / self.scale
        if self.indicator:
            out[:, self.start + 1] = nan

    def decode(self, Xt: np.ndarray) -> np.ndarray:
        """Float64 values from the encoded matrix.

        NaN where the indicator is > 0.5, and where this column's value or indicator is not
        finite (NaN or +-inf, e.g. from a diverged model) or un-standardises to +-inf.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            if self.quantiles is not None:
                scores = Xt[:, self.start]
                values = _from_normal(np.where(np.isfinite(scores), scores, 0.0), self.quantiles)
                values[~np.isfinite(scores)] = np.nan
            else:
                values = Xt[:, self.start] * self.scale + self.center
        values[~np.isfinite(values)] = np.nan
        if self.indicator:
            flag = Xt[:, self.start + 1]
            values[(flag > 0.5) | ~np.isfinite(flag)] = np.nan
        return values

    def restore(self, pd, values: np.ndarray):
        """Float64 values -> the column's training dtype (integers by rounding)."""
        dtype = self.dtype
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
            rounded = np.clip(np.rint(values), *_int_bounds(numpy_dtype))
            if isinstance(dtype, np.dtype):
                # numpy ints cannot hold NaN: keep (rounded) floats rather than invent a value.
                return rounded if np.isnan(rounded).any() else rounded.astype(dtype)
            return pd.array(rounded, dtype=dtype)  # nullable Int64 etc.: NaN -> <NA>
        if api.is_float_dtype(dtype):
            if isinstance(dtype, np.dtype):
                return values.astype(dtype)
            return pd.array(values, dtype)
        # Numeric data that arrived as object/strings: floats are the honest result.
        return values

    def names(self, name: str) -> list:
        """Output column names, given the input column's name as text."""
        return [name, f"{name}__missing"] if self.indicator else [name]

    def parts(self) -> list:
        """``(kind, start, stop)`` of each output column, before merging runs."""
        parts = [("numeric", self.start, self.start + 1)]
        if self.indicator:
            parts.append(("binary", self.start + 1, self.start + 2))
        return parts


# --------------------------------------------------------------------------- categorical


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
        self.value_kinds = {_value_kind(level) for level in self.lut}

    @classmethod
    def from_counts(
        cls,
        name,
        dtype,
        counts,
        n_missing,
        missing_value,
        n_rows,
        start,
        *,
        min_frequency,
        max_categories,
    ):
        """The encoding of a categorical column from its level counts."""
        # Candidate order: the category order for pandas categoricals (it is meaningful),
        # sorted levels otherwise.
        pd = pandas_if_loaded()
        if pd is not None and isinstance(dtype, pd.CategoricalDtype):
            order = [c for c in dtype.categories if c in counts]
        else:
            order = _sort_levels(list(counts))
        rank = {level: i for i, level in enumerate(order)}

        mf = min_frequency or 0
        threshold = mf if isinstance(mf, numbers.Integral) else mf * n_rows
        frequent = [level for level in order if counts[level] >= threshold]
        rare = [level for level in order if counts[level] < threshold]
        if max_categories is not None:
            # The infrequent column counts towards max_categories (as in OneHotEncoder).
            if len(frequent) + bool(rare) > max_categories:
                keep = max(max_categories - 1, 0)
                by_count = sorted(frequent, key=lambda lv: (-counts[lv], rank[lv]))
                kept = set(by_count[:keep])
                rare = rare + [lv for lv in frequent if lv not in kept]
                frequent = [lv for lv in frequent if lv in kept]
        rare = sorted(rare, key=lambda lv: (-counts[lv], rank[lv]))
        return cls(
            name=name,
            dtype=dtype,
            levels=frequent,
            infrequent=rare,
            has_missing=n_missing > 0,
            missing_value=missing_value,
            start=start,
        )

    @classmethod
    def fit(cls, name, col, n_rows: int, start: int, **params):
        """The encoding of a raw column (Series or array) of a table of ``n_rows`` rows."""
        values = _as_object(col)
        missing = _missing_mask(col)
        try:
            counts = Counter(values[~missing].tolist())
        except TypeError as exc:
            raise TypeError(
                f"column {name!r} contains unhashable values and cannot be one-hot encoded: {exc}"
            ) from None
        missing_value = values[missing][0] if missing.any() else None
        n_missing = int(missing.sum())
        return cls.from_counts(
            name, col.dtype, counts, n_missing, missing_value, n_rows, start, **params
        )

    @property
    def infrequent_pos(self) -> int:
        return len(self.levels) if self.infrequent else -1

    @property
    def missing_pos(self) -> int:
        return len(self.levels) + bool(self.infrequent) if self.has_missing else -1

    @property
    def width(self) -> int:
        return len(self.levels) + bool(self.infrequent) + bool(self.has_missing)

    @property
    def unseen_pos(self) -> int:
        """Position of a level never seen: "some rare level", else "unknown", else -1 (none)."""
        return self.infrequent_pos if self.infrequent else self.missing_pos

    @property
    def missing_code(self) -> int:
        """Position of a missing value: the missing column, else the infrequent one, else -1."""
        return self.missing_pos if self.has_missing else self.infrequent_pos

    def codes(self, values: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """Block position of every value; -1 means an all-zero row."""
        unseen = self.unseen_pos
        codes = np.fromiter((self.lut.get(v, unseen) for v in values), np.intp, len(values))
        codes[missing] = self.missing_code
        return codes

    def encode(self, col, out: np.ndarray) -> None:
        """Write the one-hot block of a raw column (Series or array) into ``out``."""
        values, missing = _as_object(col), _missing_mask(col)
        self.check_kinds(values, missing)
        codes = self.codes(values, missing)
        rows = np.flatnonzero(codes >= 0)
        out[rows, self.start + codes[rows]] = 1.0

    def check_kinds(self, values: np.ndarray, missing: np.ndarray) -> None:
        """Raise if no value is a training level or of a training level's kind.

        E.g. ints for a column fitted on text: every row would silently be an unseen level.
        Cheap when the first observed value is known or of a known kind (the usual case).
        """
        observed = values[~missing]
        kinds = getattr(self, "value_kinds", None)  # None: unpickled from an older version
        if kinds is None:
            kinds = self.value_kinds = {_value_kind(level) for level in self.lut}
        if not observed.size or not kinds:
            return
        first = observed[0]
        if _known(first, self.lut, kinds) or any(_known(v, self.lut, kinds) for v in observed):
            return
        kinds = sorted({type(v).__name__ for v in observed})
        shown = ", ".join(repr(v) for v in _sort_levels(list(self.lut))[:3])
        raise ValueError(
            f"column {self.name!r} holds values of type {', '.join(kinds)} (e.g. {first!r}, "
            f"row {int(np.flatnonzero(~missing)[0])}), but was fitted on levels of type "
            f"{', '.join(sorted({type(v).__name__ for v in self.lut}))} ({shown}"
            f"{', ...' if len(self.lut) > 3 else ''}): no value matches a level, so every row "
            "would be encoded as unseen. Convert the column to the type it had in fit (e.g. "
            "X[col].astype(str))."
        )

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

    def decode(self, Xt: np.ndarray) -> np.ndarray:
        """The level of largest score in each row of the block (an object array).

        A row whose block holds a non-finite value (NaN or +-inf, e.g. from a diverged model)
        decodes to a missing value: the training sentinel if the column had missing values,
        else None (restored as NaN / ``pd.NA`` where the dtype has one).
        """
        block = Xt[:, self.start : self.start + self.width]
        broken = ~np.isfinite(block).all(axis=1)
        codes = np.where(broken, 0, block.argmax(axis=1))
        decoded = self.decode_table()[codes]
        decoded[broken] = self.missing_value
        return decoded

    def restore(self, pd, values: np.ndarray):
        """Decoded levels (object array) -> the column's training dtype."""
        dtype = self.dtype
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

    def names(self, name: str) -> list:
        """Output column names, given the input column's name as text."""
        out = [f"{name}={level}" for level in self.levels]
        if self.infrequent:
            out.append(f"{name}={INFREQUENT}")
        if self.has_missing:
            out.append(f"{name}={MISSING}")
        return out

    def parts(self) -> list:
        """``(kind, start, stop)`` of the block: one, since each block needs its own softmax."""
        return [("categorical", self.start, self.start + self.width)]


def _feature_blocks(specs) -> list:
    """The output layout of ``specs``: runs of numeric (or binary) columns merged."""
    blocks = []
    for spec in specs:
        for kind, a, b in spec.parts():
            # Merge runs of numeric (or binary) columns: fewer, larger blocks for the loss.
            # One-hot blocks are never merged: each needs its own softmax.
            if blocks and kind != "categorical" and blocks[-1][0] == kind:
                if blocks[-1][2] == a:
                    blocks[-1] = (kind, blocks[-1][1], b)
                    continue
            blocks.append((kind, a, b))
    return blocks
