"""The tables an ``AutoencoderOutlierDetector`` reads.

Input rows to the model space the members learn (and back), and the model columns of each input
column.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.frames import is_dataframe
from ..preprocessing import TabularPreprocessor
from .unseen import (
    new_level_surprise,
    rarest_levels,
    raw_columns,
    recode_unseen,
    unseen_cells,
)


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

    # ------------------------------------------------------------------ unseen values
    def _fit_unseen(self, X, Z, train_out, hold_out) -> None:
        """What the unseen-value rule needs (DataFrame input only; see ``outliers.unseen``).

        The rarest training level of each categorical column (training rows ``Z``) and, per
        member, the error floor of each column (the members' outputs on the training and
        held-out rows).
        """
        self._unseen_levels, self._error_floor = None, None
        if self.preprocessor_ is None:
            return
        self._unseen_levels = rarest_levels(self.preprocessor_, Z)
        surprise = new_level_surprise(self.preprocessor_, X)
        self._error_floor = [
            np.maximum(np.maximum(Et.max(axis=0), Eh.max(axis=0)), surprise)
            for (Et, _), (Eh, _) in zip(train_out, hold_out)
        ]

    def _encode_scored(self, X):
        """Model-space rows of ``X`` to score and the mask of their unseen cells (or None).

        Unseen categorical cells are re-encoded as their column's rarest training level.
        """
        Z = self._encode(X, reset=False)
        unseen = None if self.preprocessor_ is None else unseen_cells(self.preprocessor_, X)
        if unseen is None:
            return Z, None
        if getattr(self, "_error_floor", None) is None:
            raise ValueError(
                f"{type(self).__name__}: X holds values never seen in fit (a new level, or a "
                "missing value where the column had none), and this model was saved without "
                "the statistics that score them (an older sk_autoencoder); refit it."
            )
        return recode_unseen(Z, unseen, self._groups, self._unseen_levels), unseen

    def _observed(self, X, Z, unseen):
        """The rows in the input's units for :meth:`explain`: decoded, unseen cells as given."""
        observed = self._decode(Z)
        if unseen is None:
            return observed
        observed = observed.astype(object)
        for j, (_, values) in enumerate(raw_columns(self.preprocessor_, X)):
            rows = np.flatnonzero(unseen[:, j])
            observed.iloc[rows, j] = values[rows]
        return observed
