"""Conditional sampling by rejection: ``TabularPipeline.sample(n, conditions={...})``.

Rows are drawn from the unconditional model in batches and kept when they match every
condition; the kept rows are then exactly the model's rows given the conditions (rejection
sampling draws from the conditional distribution), so the other columns are consistent with
the fixed ones as far as the model learned their dependence. Matching happens in the
preprocessor's encoded space, after marginal calibration:

- a categorical column matches when the drawn level is the condition's (a level grouped as
  infrequent matches the infrequent slot and is then written in);
- a numeric column matches when the drawn value's rank among the training values is within
  ``RANK_WINDOW`` of the condition's rank; the value is then set exactly to the condition;
- ``None`` / NaN as a value asks for a missing value (columns that had missing values only).

Rare conditions cost many draws: at most ``MAX_DRAWS`` rows (or 1,000 per requested row) are
drawn before a ``ValueError`` names the condition and the share of training rows that meet it.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._core.quantiles import quantile_level

# A numeric condition accepts drawn values within this distance of its rank (in [0, 1]).
RANK_WINDOW = 0.01
# Rows drawn at most while looking for matches (or 1,000 per requested row if more).
MAX_DRAWS = 2_000_000
# Rows drawn per batch, at most.
MAX_BATCH = 200_000


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is there whenever a frame was fitted
        pass
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(np.isnan(value))


class _Condition:
    """One condition: how to recognise it in the encoded matrix, and the value to write."""

    def __init__(self, spec, value, calibration, position: int):
        self.spec, self.value, self.position = spec, value, position
        self.missing = _is_missing(value)
        name = spec.name
        if spec.kind == "categorical":
            if self.missing:
                if not spec.has_missing:
                    raise ValueError(
                        f"conditions: column {name!r} had no missing values in training, so a "
                        "missing value cannot be asked for."
                    )
                self.slot = spec.missing_pos
            else:
                try:
                    slot = spec.lut.get(value, None)
                except TypeError:
                    slot = None
                if slot is None:
                    shown = ", ".join(repr(v) for v in [*spec.levels, *spec.infrequent][:10])
                    raise ValueError(
                        f"conditions: {value!r} is not a level of column {name!r} seen in "
                        f"training (levels: {shown}{', ...' if len(spec.lut) > 10 else ''})."
                    )
                self.slot = slot
            self.write = not self.missing and self.slot == spec.infrequent_pos
            return
        # numeric
        if self.missing:
            if not spec.indicator:
                raise ValueError(
                    f"conditions: column {name!r} had no missing values in training (no "
                    "missing indicator), so a missing value cannot be asked for."
                )
            self.write = False
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(
                f"conditions: the value for numeric column {name!r} must be a finite number "
                f"(or None for a missing value), got {value!r}."
            )
        tables = calibration.columns.get(int(spec.start)) if calibration is not None else None
        if tables is None:
            raise ValueError(
                f"conditions: numeric column {name!r} has no training quantiles in this "
                "pipeline, so a numeric condition cannot be matched; fit the pipeline again."
            )
        self.train_q = tables[1]
        low, high = self.train_q[0], self.train_q[-1]
        encoded = np.zeros((1, spec.start + spec.width))
        spec.encode(np.array([float(value)]), encoded)
        self.rank = self._rank(encoded[:, spec.start])[0]
        if not (low <= encoded[0, spec.start] <= high):
            raise ValueError(
                f"conditions: {value!r} is outside the training range of column {name!r}; "
                "the model cannot generate rows there."
            )
        self.write = True

    def _rank(self, encoded: np.ndarray) -> np.ndarray:
        return quantile_level(encoded, self.train_q)

    def matches(self, X: np.ndarray) -> np.ndarray:
        spec = self.spec
        if spec.kind == "categorical":
            block = X[:, spec.start : spec.start + spec.width]
            return block.argmax(axis=1) == self.slot
        if spec.indicator:
            flagged = X[:, spec.start + 1] > 0.5
            if self.missing:
                return flagged
        else:
            flagged = np.zeros(len(X), dtype=bool)
        return ~flagged & (np.abs(self._rank(X[:, spec.start]) - self.rank) <= RANK_WINDOW)


class Conditions:
    """Checked conditions of one ``sample`` call, against a fitted preprocessor."""

    def __init__(self, preprocessor, conditions, calibration):
        if not isinstance(conditions, dict) or not conditions:
            raise TypeError(
                "conditions must be a non-empty dict {column: value}, got "
                f"{type(conditions).__name__}."
            )
        names = [str(n) for n in preprocessor.feature_names_in_]
        by_name = {str(s.name): (i, s) for i, s in enumerate(preprocessor._specs)}
        unknown = [c for c in conditions if str(c) not in by_name]
        if unknown:
            raise ValueError(
                f"conditions name columns {unknown} that the pipeline was not fitted on; its "
                f"columns are {names[:30]}{' ...' if len(names) > 30 else ''}."
            )
        self.items = [
            _Condition(by_name[str(c)][1], v, calibration, by_name[str(c)][0])
            for c, v in conditions.items()
        ]
        self.conditions = conditions

    def matches(self, X: np.ndarray) -> np.ndarray:
        """Rows of the encoded ``X`` that meet every condition (a boolean mask)."""
        keep = np.ones(len(X), dtype=bool)
        for item in self.items:
            keep &= item.matches(X)
        return keep

    def write(self, rows, fitted_on_frame: bool):
        """Set the values that matching leaves approximate (numeric, grouped levels)."""
        for item in self.items:
            if not item.write:
                continue
            if fitted_on_frame:
                col = rows.columns[item.position]
                dtype = rows[col].dtype
                rows[col] = [item.value] * len(rows)
                try:
                    rows[col] = rows[col].astype(dtype)
                except (TypeError, ValueError):
                    pass
            else:
                rows[:, item.position] = item.value
        return rows

    def budget(self, n: int) -> int:
        """Rows drawn at most while looking for ``n`` matching ones."""
        return max(MAX_DRAWS, 1000 * n)

    def failure(self, n: int, found: int, drawn: int) -> ValueError:
        """The error when the budget ran out before ``n`` rows matched."""
        return ValueError(
            f"sample: after drawing {drawn:,} rows, only {found} of the {n} requested matched "
            f"the conditions {self.conditions!r} (the model generates them in "
            f"{100 * found / max(drawn, 1):.3g}% of its rows). Ask for fewer rows, relax the "
            "conditions, or fit the model on more rows that meet them."
        )
