"""Training: ``fit``, ``partial_fit`` and the schedule they resolve, under a fixed seed."""

from __future__ import annotations

import contextlib
import numbers
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch import NeuralNet

from .data import as_tensor
from .params import check_params
from .rules import check_data_dependent_params
from .schedule import auto_batch_size, auto_max_epochs, continued_schedule


class TrainingMixin:
    """``fit`` / ``partial_fit`` of :class:`~sk_autoencoder._core.base.BaseAutoencoder`."""

    def fit(self, X, y=None, feature_blocks=None, **fit_params):
        """Fit the autoencoder on ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, or images / windows shaped (n, H, W), (n, C, H, W) or (n, H, W, C).
        y : ignored
        feature_blocks : list of (kind, start, stop), optional
            Column types for a mixed table (``TabularPreprocessor.feature_blocks_``; passed
            automatically by :func:`make_tabular_pipeline`): ``numeric`` columns are learned
            with squared error, ``binary`` with cross-entropy, each ``categorical`` one-hot
            block with a softmax cross-entropy.
        **fit_params
            Accepted for scikit-learn's fit-parameter routing and not used.

        Returns
        -------
        self
        """
        check_params(self, self._param_rules)  # before X is read with them (image_shape)
        integer_input = getattr(getattr(X, "dtype", None), "kind", "f") in "ui"
        X = self._validate_X(X, reset=True)
        self._prepare_fit(X, feature_blocks)
        self._warn_unscaled_pixels(X, integer_input)
        if not self.warm_start or not self.initialized_:
            with self._seeded():
                self.initialize()
        return self._train(X, fit_params, routing="fit")

    def partial_fit(
        self,
        X,
        y=None,
        feature_blocks=None,
        classes=None,
        *,
        epochs=None,
        n_samples_total=None,
        **fit_params,
    ):
        """Continue training on ``X`` without re-initialising, for data that arrives in chunks.

        The first call initialises the model like :meth:`fit`; later calls continue with the
        same weights, optimizer state, learning-rate schedule and history.
        :func:`sk_autoencoder.streaming.fit_parquet` drives it over a Parquet file.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk of rows (or images / windows, as for :meth:`fit`).
        y : ignored
        feature_blocks : list of (kind, start, stop), optional
            As for :meth:`fit`; read on the first call.
        classes : ignored
        epochs : int, optional
            Passes over ``X`` in this call. Default: ``max_epochs`` if it is an int, else one
            pass (as ``MLPRegressor.partial_fit``): with ``max_epochs="auto"`` the size of the
            whole data is unknown.
        n_samples_total : int, optional
            Read on the first call: the rows that all calls together will train on, every pass
            counted (e.g. the rows of a file times the epochs). ``batch_size="auto"``,
            ``lr="auto"`` and the one-cycle schedule are then set for one pass over that many
            rows, so the learning rate warms up and decays over the whole stream. Without it
            they are set from the first chunk as :meth:`fit` would (the one-cycle schedule then
            spans about 3,000 steps and stays at its floor, 1% of ``lr``, afterwards).
        **fit_params
            Accepted for scikit-learn's fit-parameter routing and not used.

        Returns
        -------
        self
        """
        for name, value in (("epochs", epochs), ("n_samples_total", n_samples_total)):
            if value is not None and not (
                isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1
            ):
                raise ValueError(
                    f"{type(self).__name__}.partial_fit: {name} must be None or a positive "
                    f"int, got {value!r}."
                )
        first = not self.initialized_ or not hasattr(self, "n_features_in_")
        if first:
            check_params(self, self._param_rules)
        X = self._validate_X(X, reset=first)
        if first:
            self._prepare_fit(X, feature_blocks)
            if n_samples_total is not None:
                self._resolve_schedule(int(n_samples_total), single_pass=True)
            with self._seeded():
                self.initialize()
        elif not self._schedule_resolved:
            # A model from ``load`` has weights but no training schedule yet: derive it from
            # this data (or the announced stream) as ``fit`` would, keeping the weights.
            if n_samples_total is None:
                self._resolve_schedule(X.shape[0])
            else:
                self._resolve_schedule(int(n_samples_total), single_pass=True)
            self._initialize_callbacks()
            self._initialize_optimizer()
        if epochs is None:
            epochs = 1 if self.max_epochs == "auto" else int(self.max_epochs)
        return self._train(X, fit_params, routing="partial_fit", epochs=int(epochs))

    def _prepare_fit(self, X: np.ndarray, feature_blocks) -> None:
        lo, hi = self._fit_data_range = (float(X.min()), float(X.max()))
        self._fit_loss = self.loss
        if self.loss == "auto":
            self._fit_loss = self._architecture.default_loss(lo, hi)
        check_data_dependent_params(self, X.shape[1])  # the rule table was checked on entry
        self._prepare_fitted_state(X.shape[1], feature_blocks)
        self._resolve_schedule(X.shape[0])

    def _warn_unscaled_pixels(self, X: np.ndarray, integer_input: bool) -> None:
        """Warn when a conv model gets raw pixel values (0..255 or 0..65535).

        With ``loss="auto"`` they get squared error on unscaled values, not cross-entropy.
        """
        lo, hi = self._fit_data_range
        if not (self._architecture.needs_layout and self.loss == "auto" and lo >= 0 and hi > 1):
            return
        if integer_input or (hi <= 65535 and np.array_equal(X[:1000], np.round(X[:1000]))):
            warnings.warn(
                f"{type(self).__name__}: X holds values in [{lo:g}, {hi:g}], which look like "
                "raw pixel values; a conv model then trains with squared error on unscaled "
                "values. Scale them to [0, 1] first (sk_autoencoder.ImageScaler, or X / 255) "
                "to get cross-entropy and a well-scaled loss.",
                UserWarning,
                stacklevel=3,
            )

    def _resolve_schedule(self, n_samples: int, single_pass: bool = False) -> None:
        """Validation split, batch size and epochs for ``n_samples`` rows.

        ``"auto"``: batches of ``n_train / 64`` rows (a power of two in [32, 1024]; [32, 64] for
        conv) and enough epochs for about 3,000 optimizer steps (20 to 500). ``single_pass``: a
        stream of ``n_samples`` rows in all (``partial_fit(n_samples_total=...)``), so the
        schedule spans one epoch. The results are the fitted ``batch_size_`` and ``max_epochs_``.
        """
        self._uses_validation = bool(self._resolve_train_split(n_samples))
        n_train = n_samples
        if self._uses_validation and self.train_split == "auto":
            n_train = n_samples - int(round(n_samples * self.validation_fraction))
        self._n_train = max(1, n_train)
        if self.batch_size == "auto":
            self._batch_size = auto_batch_size(n_train, self._architecture.max_auto_batch)
        else:
            self._batch_size = int(self.batch_size)
        if self.max_epochs == "auto":
            self._max_epochs = auto_max_epochs(self._n_train, self._batch_size)
        else:
            self._max_epochs = int(self.max_epochs)
        if single_pass:
            self._max_epochs = 1
        self.batch_size_, self.max_epochs_ = self._batch_size, self._max_epochs
        self._schedule_resolved = True

    def _train(self, X: np.ndarray, fit_params: dict, routing: str, epochs: int | None = None):
        self._blocks.to(self._device)
        offset = len(self.history) if self.history is not None else 0
        with (
            continued_schedule(self, continuing=routing == "partial_fit"),
            self._seeded(offset=offset),
            self._concrete_device(),
        ):
            NeuralNet.partial_fit(
                self,
                as_tensor(X),
                None,
                epochs=self._max_epochs if epochs is None else epochs,
                _routing_method=routing,
            )
        return self

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    @contextlib.contextmanager
    def _seeded(self, offset: int = 0):
        """Run a block under a fixed torch seed without touching the global RNG afterwards."""
        seed = self._seed()
        if seed is None:
            yield
            return
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + offset)
            yield
