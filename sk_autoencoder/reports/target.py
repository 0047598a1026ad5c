"""What a report reads from the estimator: its kind, its input, its columns, its history.

A report is built for a fitted :class:`AutoencoderTransformer`, :class:`VAEGenerator`,
:class:`AutoencoderOutlierDetector`, :class:`SeriesOutlierDetector`, or a pipeline (a
scikit-learn ``Pipeline`` or a ``TabularPipeline``) whose last step is one of them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._core.frames import is_dataframe, is_series
from ..autoencoder import AutoencoderTransformer
from ..outliers import AutoencoderOutlierDetector
from ..preprocessing import TabularPreprocessor
from ..timeseries import SeriesOutlierDetector
from ..vae import VAEGenerator

DETECTORS = (AutoencoderOutlierDetector, SeriesOutlierDetector)
SUPPORTED = (AutoencoderTransformer, VAEGenerator, *DETECTORS)


@dataclasses.dataclass
class Column:
    """An input column of the final estimator and the model columns it became."""

    name: str
    start: int
    stop: int
    kind: str  # "numeric", "categorical" or "value"


@dataclasses.dataclass
class Target:
    """The estimator a report describes."""

    estimator: object  # what the user passed
    final: object  # the autoencoder or detector (the pipeline's last step)
    kind: str  # "autoencoder", "vae", "detector" or "series"
    steps: list  # the fitted steps before ``final`` (empty without a pipeline)

    @property
    def name(self) -> str:
        """``VAEGenerator``, or ``TabularPipeline(TabularPreprocessor -> VAEGenerator)``."""
        final = type(self.final).__name__
        if not self.steps:
            return final
        inner = " -> ".join([*(type(s).__name__ for s in self.steps), final])
        return f"{type(self.estimator).__name__}({inner})"

    @property
    def is_table(self) -> bool:
        """Whether an autoencoder's rows are a mixed table read by a ``TabularPreprocessor``."""
        return bool(self.steps) and isinstance(self.steps[0], TabularPreprocessor)

    def final_input(self, X):
        """``X`` as the final estimator receives it (through the pipeline's steps)."""
        for step in self.steps:
            X = step.transform(X)
        return X


def _check_fitted(final, name: str) -> None:
    attributes = "estimators_" if isinstance(final, DETECTORS) else None
    try:
        check_is_fitted(final, attributes)
    except NotFittedError as exc:
        raise NotFittedError(
            f"report needs a fitted estimator: {name} is not fitted yet; call fit(X) first."
        ) from exc


def resolve(estimator) -> Target:
    """The :class:`Target` of ``estimator``; TypeError or NotFittedError naming the fix."""
    steps = []
    final = estimator
    if isinstance(estimator, Pipeline):
        steps = [s for _, s in estimator.steps[:-1] if s is not None and s != "passthrough"]
        final = estimator.steps[-1][1]
    if not isinstance(final, SUPPORTED):
        names = ", ".join(c.__name__ for c in SUPPORTED)
        got = type(final).__name__
        where = f"a pipeline ending in {got}" if final is not estimator else got
        raise TypeError(
            f"report describes a fitted {names}, or a Pipeline / TabularPipeline whose last "
            f"step is one of them; got {where}."
        )
    _check_fitted(final, type(final).__name__)
    if isinstance(final, SeriesOutlierDetector):
        kind = "series"
    elif isinstance(final, AutoencoderOutlierDetector):
        kind = "detector"
    elif isinstance(final, VAEGenerator):
        kind = "vae"
    else:
        kind = "autoencoder"
    return Target(estimator, final, kind, steps)


def check_rows(X, y, kind: str):
    """``(n_rows, y as an array or None)``; ValueError when ``y`` does not match ``X``."""
    if kind == "series":
        n = len(X)
    elif is_dataframe(X) or is_series(X):
        n = len(X)
    else:
        X = np.asarray(X)
        if X.ndim < 2:
            raise ValueError(
                f"report needs X as rows of features (2-D, or images / windows), got shape "
                f"{X.shape}."
            )
        n = len(X)
    if n == 0:
        raise ValueError("report needs at least one row in X, got none.")
    if y is None:
        return n, None
    if hasattr(y, "to_numpy"):
        y = y.to_numpy(dtype=object, na_value=None)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must be 1-D with one value per row of X ({n}), got shape {y.shape}.")
    return n, y


def take(X, rows: np.ndarray):
    """Rows ``rows`` of ``X`` (a DataFrame, Series or array)."""
    if is_dataframe(X) or is_series(X):
        return X.iloc[rows]
    return np.asarray(X)[rows]


def model_columns(target: Target, n_model: int) -> list:
    """The final estimator's input columns and their model columns (autoencoders)."""
    if target.is_table:
        pre = target.steps[0]
        names = list(pre.feature_names_in_)
        categorical = set(pre.categorical_columns_)
        return [
            Column(str(c), *pre.column_slices_[c], "categorical" if c in categorical else "numeric")
            for c in names
        ]
    names = None
    if target.steps:
        try:
            names = list(
                Pipeline([(str(i), s) for i, s in enumerate(target.steps)]).get_feature_names_out()
            )
        except (AttributeError, ValueError, TypeError):
            names = None
    if names is None and hasattr(target.final, "feature_names_in_"):
        names = list(target.final.feature_names_in_)
    if names is None or len(names) != n_model:
        names = [f"x{j}" for j in range(n_model)]
    return [Column(str(n), j, j + 1, "value") for j, n in enumerate(names)]


def history_rows(target: Target) -> tuple[list, str, int | None]:
    """The skorch history rows of the (first) network, whose they are, and a restored epoch.

    The restored epoch is the one whose weights early stopping restored (None: no early
    stopping, the last epoch's weights are kept).
    """
    final = target.final
    net, whose = final, type(final).__name__
    if target.kind in ("detector", "series"):
        first = final.estimators_[0]
        net = getattr(first, "ensemble", first)  # a series member is a view of a shared net
        shared = net is not first or (
            target.kind == "detector" and not isinstance(first, VAEGenerator)
        )
        if shared:
            whose = f"the network of {type(final).__name__}'s members (trained side by side)"
        else:
            whose = f"member 1 of {len(final.estimators_)} of {type(final).__name__}"
    history = getattr(net, "history_", None)
    if history is None:
        history = getattr(net, "history", None)
    stopping = dict(getattr(net, "callbacks_", None) or []).get("early_stopping")
    restored = None
    if stopping is not None and stopping.load_best:
        restored = getattr(stopping, "best_epoch_", None)
    return (list(history) if history is not None else []), whose, restored
