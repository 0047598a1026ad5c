"""The fitted attributes of :class:`TabularPreprocessor`, set from its column encodings."""

from __future__ import annotations

import numpy as np

from .._core.frames import is_dataframe
from .columns import _feature_blocks


def _remember_input(self, X, columns) -> None:
    """Input form and column names seen by the first fit call."""
    self._fitted_on_frame = is_dataframe(X)
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
    self.feature_blocks_ = _feature_blocks(specs)
