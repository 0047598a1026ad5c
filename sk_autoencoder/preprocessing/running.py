"""Running statistics that :meth:`TabularPreprocessor.partial_fit` keeps between chunks.

Per numeric column a count, mean and sum of squared deviations (Chan et al.'s pairwise
update) and a missing count; per categorical column the level counts (capped at
``_MAX_TRACKED_LEVELS`` distinct levels), a missing count and the missing sentinel seen.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .columns import _CategoricalSpec, _NumericSpec
from .reading import _to_float
from .values import _as_object, _missing_mask

#: Distinct levels per categorical column whose counts ``partial_fit`` keeps exactly.
_MAX_TRACKED_LEVELS = 10_000


def _merged_dtype(old, new):
    """The dtype that holds values of both chunks' dtypes.

    A later chunk may differ, e.g. an integer column that holds a missing value arrives as float64.
    """
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
    columns: list  # a _RunningNumeric or _RunningCategorical per input column
    specs: list = None  # the encodings built last (fit() replaces them: no continuing)

    @classmethod
    def begin(cls, columns, kinds) -> _RunningStats:
        """Empty statistics for ``[(name, column)]`` of the given kinds."""
        return cls(
            n_rows=0,
            columns=[
                _RunningNumeric(name, col.dtype)
                if kind == "numeric"
                else _RunningCategorical(name, col.dtype)
                for (name, col), kind in zip(columns, kinds)
            ],
        )

    def copy(self) -> _RunningStats:
        """An independent copy (the level counts copied too), to update tentatively."""
        columns = [
            dataclasses.replace(s, counts=Counter(s.counts))
            if isinstance(s, _RunningCategorical)
            else dataclasses.replace(s)
            for s in self.columns
        ]
        return _RunningStats(n_rows=self.n_rows, columns=columns, specs=self.specs)

    def add(self, columns, n_rows: int, *, fitting: bool) -> list:
        """Count one chunk of ``[(name, column)]`` (``fitting``: the first chunk).

        Returns the chunk's float64 values of each numeric column (None for categorical ones).
        """
        self.n_rows += n_rows
        chunk = []
        for stats, (name, col) in zip(self.columns, columns):
            if isinstance(stats, _RunningNumeric):
                values = _to_float(name, col, fitting=fitting)
                stats.update(values, col.dtype)
                chunk.append(values)
            else:
                stats.update(col)
                chunk.append(None)
        return chunk

    def build_specs(self, numeric_params: dict, categorical_params: dict) -> list:
        """The column encodings of everything counted so far, laid out side by side."""
        specs, start = [], 0
        for stats in self.columns:
            if isinstance(stats, _RunningNumeric):
                mean, std = stats.mean_std()
                spec = _NumericSpec.from_stats(
                    stats.name,
                    stats.dtype,
                    mean,
                    std,
                    stats.n_missing > 0,
                    start,
                    **numeric_params,
                )
            else:
                spec = _CategoricalSpec.from_counts(
                    stats.name,
                    stats.dtype,
                    stats.counts,
                    stats.n_missing,
                    stats.missing_value,
                    self.n_rows,
                    start,
                    **categorical_params,
                )
            specs.append(spec)
            start += spec.width
        return specs
