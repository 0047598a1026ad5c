"""Marginal calibration of sampled rows: each numeric column mapped onto its training marginal.

A generator's numeric columns come out with roughly the right shape but not exactly: too
smooth in the tails, a little off in the middle. At the end of ``fit`` the pipeline draws a
reference sample from the model and keeps, per numeric column of the preprocessor's output,
the model's quantiles and the training quantiles (observed values only: rows flagged missing
by the column's indicator are left out of both). At sampling time each value is mapped through
``F_train^-1(F_model(v))``: a fixed monotone map per column, so the model's dependence between
columns (which rows are high, which low) is kept while every column's marginal matches the
training data - the copula view that the model supplies the dependence and the data the
marginals.
"""

from __future__ import annotations

import numpy as np

from .._core.quantiles import quantile_level

# Quantile levels kept per column (the maps are piecewise linear between them).
N_LEVELS = 1001
# Rows of the reference sample drawn at the end of fit.
N_REFERENCE = 20_000


def _observed(X: np.ndarray, spec) -> np.ndarray:
    values = X[:, spec.start]
    if spec.indicator:
        values = values[X[:, spec.start + 1] < 0.5]
    return values[np.isfinite(values)]


class MarginalCalibration:
    """Per numeric column: model quantiles -> training quantiles, in the encoded space."""

    def __init__(self, columns: dict):
        # start column -> (model quantiles, training quantiles), both sorted, length N_LEVELS
        self.columns = columns

    @classmethod
    def fit(cls, specs, X_train: np.ndarray, X_model: np.ndarray) -> MarginalCalibration:
        """Quantiles of the training and model rows (encoded) of each numeric column."""
        levels = np.linspace(0.0, 1.0, N_LEVELS)
        columns = {}
        for spec in specs:
            if spec.kind != "numeric":
                continue
            train, model = _observed(X_train, spec), _observed(X_model, spec)
            if train.size < 2 or model.size < 2:
                continue
            columns[int(spec.start)] = (np.quantile(model, levels), np.quantile(train, levels))
        return cls(columns)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """A copy of ``X`` with each calibrated column mapped onto the training marginal."""
        X = np.array(X, dtype=np.float64, copy=True)
        for j, (model_q, train_q) in self.columns.items():
            X[:, j] = _monotone_map(X[:, j], model_q, train_q)
        return X

    def state(self, writer) -> dict:
        """The tables as tensors of the model file (two (columns, levels) arrays)."""
        starts = sorted(self.columns)
        return {
            "starts": [int(j) for j in starts],
            "model": writer.array(np.stack([self.columns[j][0] for j in starts]))
            if starts
            else None,
            "train": writer.array(np.stack([self.columns[j][1] for j in starts]))
            if starts
            else None,
        }

    @classmethod
    def from_state(cls, node, reader, n_features: int) -> MarginalCalibration:
        """Checked tables from a model file (encoded width ``n_features``)."""
        if not (isinstance(node, dict) and set(node) == {"starts", "model", "train"}):
            raise ValueError("the saved marginal calibration must have starts, model and train")
        starts = node["starts"]
        if not (
            isinstance(starts, list)
            and all(type(j) is int and 0 <= j < n_features for j in starts)
            and len(set(starts)) == len(starts)
        ):
            raise ValueError("the saved marginal calibration names columns the model lacks")
        if not starts:
            return cls({})
        model = reader.tensor(node["model"]).double().numpy()
        train = reader.tensor(node["train"]).double().numpy()
        shape = (len(starts), N_LEVELS)
        if not (
            model.shape == shape
            and train.shape == shape
            and np.isfinite(model).all()
            and np.isfinite(train).all()
            and (np.diff(model, axis=1) >= 0).all()
            and (np.diff(train, axis=1) >= 0).all()
        ):
            raise ValueError("the saved marginal calibration tables are malformed")
        return cls({j: (model[i], train[i]) for i, j in enumerate(starts)})


def _monotone_map(values: np.ndarray, model_q: np.ndarray, train_q: np.ndarray) -> np.ndarray:
    """``F_train^-1(F_model(v))`` by interpolation; runs of equal model quantiles averaged."""
    levels = np.linspace(0.0, 1.0, len(model_q))
    out = np.interp(quantile_level(values, model_q), levels, train_q)
    return np.where(np.isfinite(values), out, values)
