"""The tables an ``AutoencoderOutlierDetector`` reads.

Input rows to the model space the members learn (and back), and the model columns of each input
column.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.frames import is_dataframe
from ..preprocessing import TabularPreprocessor


class _TableEncoding:
    """Model-space encoding of the detector's input.

    A fitted ``TabularPreprocessor`` (``preprocessor_``) for DataFrames, else per-column
    standardisation (``mean_``, ``scale_``).
    """

    def _encode(self, X, reset: bool) -> np.ndarray:
        """Model-space matrix: TabularPreprocessor output for DataFrames, else standardised."""
        if reset:
            self.preprocessor_ = None
            if is_dataframe(X):
                self.preprocessor_ = TabularPreprocessor().fit(X)
                self.feature_names_in_ = np.asarray(self.preprocessor_.feature_names_in_, object)
                self.n_features_in_ = int(self.preprocessor_.n_features_in_)
                Z = self.preprocessor_.transform(X)
            else:
                Z = validate_data(self, X, dtype=[np.float32, np.float64], reset=True)
                self.mean_ = Z.mean(axis=0)
                sd = Z.std(axis=0)
                self.scale_ = np.where(sd > 1e-12 * (1 + np.abs(self.mean_)), sd, 1.0)
            return np.asarray(self._standardise(Z), dtype=np.float32)
        check_is_fitted(self, "estimators_")
        if self.preprocessor_ is not None:
            return np.asarray(self.preprocessor_.transform(X), dtype=np.float32)
        Z = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return np.asarray(self._standardise(Z), dtype=np.float32)

    def _standardise(self, Z):
        if self.preprocessor_ is not None:
            return Z
        return (Z - self.mean_) / self.scale_

    def _column_groups(self, n_out: int) -> list:
        """Output-column (start, stop) of each input column."""
        if self.preprocessor_ is None:
            return [(j, j + 1) for j in range(n_out)]
        sl = self.preprocessor_.column_slices_
        return [tuple(sl[c]) for c in self.preprocessor_.feature_names_in_]

    def _group(self, E: np.ndarray) -> np.ndarray:
        """Sum the one-hot columns of each categorical input column."""
        if self.preprocessor_ is not None:
            E = np.stack([E[:, a:b].sum(axis=1) for a, b in self._groups], axis=1)
        return E

    def _column_names(self) -> list:
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def _decode(self, Zs: np.ndarray):
        if self.preprocessor_ is not None:
            return self.preprocessor_.inverse_transform(Zs)
        return Zs * self.scale_ + self.mean_
