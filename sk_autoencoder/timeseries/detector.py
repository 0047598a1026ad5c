"""``SeriesOutlierDetector``: the estimator.

How a timestamp is scored: see the package documentation of :mod:`sk_autoencoder.timeseries`.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._core.params import check_params, is_int
from .._scoring import OutlierScoresMixin, calibrate_offset, feature_shares, threshold_rule
from ..autoencoder import AutoencoderTransformer
from .ensemble import fit_mlp_members
from .intervals import _anomalous_intervals
from .members import _activity_stats, _fit_stats, _impute, _members_outputs, _window_scores
from .params import PARAM_RULES, check_series_length
from .period import choose_window
from .scores import _cover_mean
from .state import load_detector_state, save_detector_state
from .windows import SlidingWindows, _windows

__all__ = ["SeriesOutlierDetector"]

# The shortest automatic window (unless ``max_window`` is shorter still).
_MIN_WINDOW = 32


class SeriesOutlierDetector(OutlierScoresMixin, OutlierMixin, BaseEstimator):
    """Per-timestamp anomaly detection in a series with windowed autoencoders.

    ``score_samples(series)`` gives one value per row of the series (higher = more normal),
    ``predict`` +1 / -1 per row at a threshold calibrated without labels,
    :meth:`anomalous_intervals` the flagged stretches and :meth:`explain` each channel's share.
    How scores are made is described in the module documentation.

    Parameters
    ----------
    window : int or None, default=None
        Steps per window. ``None``: :func:`choose_window` on the training series - whole
        cycles of its dominant period (at least 32 steps), or its memory when it has no
        cycle, at most ``min(max_window, n_steps // 20)``.
    max_window : int, default=512
        Upper bound of the automatic window.
    architecture : {"mlp", "conv"}, default="mlp"
        Autoencoder of the windows: the MLP of :class:`AutoencoderTransformer`, or its 1-D
        convolutional network over ``(n_channels, window)``.
    n_components : int, default=8
        Code size: room for the level, a trend and a few harmonics of the cycle.
    hidden_layer_sizes : tuple of int or None, default=None
        Widths of each MLP member (conv: channels of the stages). None: a quarter of those of
        :class:`AutoencoderTransformer`'s MLP, e.g. ``(64, 32)`` (see ``n_estimators``).
    n_estimators : int, default=3
        Autoencoders whose window scores are averaged. The MLP members are trained side by
        side in one network (one forward pass and optimizer step for all, different initial
        weights), so three quarter-width members fit faster than one full-width network;
        conv members are trained one after the other.
    max_epochs : int or "auto", default="auto"
        Passed to :class:`AutoencoderTransformer` ("auto": about 3,000 optimizer steps).
    latent_weight : float, default=1.0
        Weight of the code-space (Mahalanobis) term of a window's score.
    activity_weight : float, default=1.0
        Weight of the activity term (flat-lining, bursts of noise); 0 turns it off.
    error_context : int or None, default=20
        Reconstruction errors are divided by their running median over this many windows'
        lengths around each window (in the series being scored); None keeps raw errors.
    threshold : {"mad", "fpr", "contamination"}, default="mad"
        How ``offset_`` is set from the per-timestamp anomaly scores. ``"mad"``: median +
        ``mad_k`` x MAD of the training series' scores (robust to the anomalies the series
        contains, no labels needed). ``"fpr"``: the last ``holdout_fraction`` of the series
        is kept out of training and the ``1 - fpr`` quantile of its scores is the threshold.
        ``"contamination"``: the ``contamination`` share of the training timestamps is
        flagged. Setting ``contamination`` selects it too.
    mad_k : float, default=5.0
    fpr : float, default=0.01
    holdout_fraction : float, default=0.2
        Used by ``threshold="fpr"`` only.
    contamination : float or None, default=None
    random_state : int, RandomState or None, default=None
    device : str, default="auto"
        ``"auto"``: the GPU when PyTorch sees one (``"cuda"``), else ``"cpu"``.
    verbose : int, default=0

    Attributes
    ----------
    window_ : int
    period_ : int or None
        Dominant period found in the training series (``window=None`` only).
    windows_ : SlidingWindows
        The fitted windowing (grid step, per-channel scaling).
    estimators_ : list of AutoencoderTransformer
    offset_ : float
        Threshold on ``score_samples``; ``decision_function = score_samples - offset_``.
    threshold_ : str
    train_scores_ : ndarray
        Per-timestamp anomaly scores of the training rows.
    n_channels_ : int
    channel_names_ : list of str
    n_filled_ : int
        Values of the training series filled by interpolation (gaps and NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import SeriesOutlierDetector
    >>> t = np.arange(1200)
    >>> x = np.sin(2 * np.pi * t / 40) + 0.05 * np.random.RandomState(0).normal(size=1200)
    >>> x[700:705] += 3
    >>> det = SeriesOutlierDetector(max_epochs=5, random_state=0).fit(x)
    >>> det.window_, det.period_
    (41, 41)
    >>> int(np.argmin(det.score_samples(x))) in range(660, 745)
    True
    """

    def __init__(
        self,
        window=None,
        *,
        max_window=512,
        architecture="mlp",
        n_components=8,
        hidden_layer_sizes=None,
        n_estimators=3,
        max_epochs="auto",
        latent_weight=1.0,
        activity_weight=1.0,
        error_context=20,
        threshold="mad",
        mad_k=5.0,
        fpr=0.01,
        holdout_fraction=0.2,
        contamination=None,
        random_state=None,
        device="auto",
        verbose=0,
    ):
        self.window = window
        self.max_window = max_window
        self.architecture = architecture
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_estimators = n_estimators
        self.max_epochs = max_epochs
        self.latent_weight = latent_weight
        self.activity_weight = activity_weight
        self.error_context = error_context
        self.threshold = threshold
        self.mad_k = mad_k
        self.fpr = fpr
        self.holdout_fraction = holdout_fraction
        self.contamination = contamination
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_params(self, PARAM_RULES)

    # ------------------------------------------------------------------ fitting
    def _member(self, seed: int) -> AutoencoderTransformer:
        conv = self.architecture == "conv"
        return AutoencoderTransformer(
            n_components=int(self.n_components),
            hidden_layer_sizes=self.hidden_layer_sizes,
            architecture=self.architecture,
            image_shape=(self.n_channels_, self.window_) if conv else None,
            max_epochs=self.max_epochs,
            random_state=seed,
            device=self.device,
            verbose=self.verbose,
        )

    def fit(self, X, y=None):
        """Fit on the series ``X``.

        ``X``: a (T,) or (T, C) array, Series or DataFrame with times; ``y`` is ignored.
        """
        self._check_params()
        grid = self._fit_windowing(X)
        rule = threshold_rule(self)
        n_train_steps = self._n_train_steps(rule, len(grid.values))
        values = self.windows_._scaled(grid).astype(np.float32)
        self._fit_members(values[:n_train_steps])
        values = _impute(self.estimators_, values, grid.observed, self.window_)
        self._fit_stats(values, grid.observed, n_train_steps)
        step_scores = self._step_scores(values, grid.observed)[0]
        self.train_scores_ = step_scores[grid.rows]
        holdout = step_scores[grid.rows[grid.rows >= n_train_steps]] if rule == "fpr" else None
        self._set_offset(rule, holdout)
        return self

    def _fit_windowing(self, X):
        """Grid step, scaling and window (``windows_``, ``window_``, ``period_``).

        Fitted on the training series; returns its grid.
        """
        sw = SlidingWindows(window=2)  # the window is set once the series is known
        sw._check_params()
        grid = sw._grid(X, fit=True)
        sw._fit_scaling(grid.values)
        n_steps = len(grid.values)
        self.period_ = None
        if self.window is None:
            if n_steps < 8:
                raise ValueError(
                    f"The series has {n_steps} time steps, too few to choose a window; pass "
                    "a longer series or window=<int>."
                )
            self.window_, self.period_ = choose_window(
                sw._scaled(grid),
                min_window=min(_MIN_WINDOW, self.max_window),
                max_window=self.max_window,
            )
        else:
            self.window_ = int(self.window)
        check_series_length(self, n_steps, self.window_)
        self.windows_ = sw.set_params(window=self.window_)
        self.n_channels_ = sw.n_channels_
        self.channel_names_ = sw.channel_names_
        self.n_filled_ = sw.n_filled_ = int((~grid.observed).sum())
        return grid

    def _n_train_steps(self, rule: str, n_steps: int) -> int:
        """Steps the members learn from.

        All, or for ``threshold="fpr"`` all but the last ``holdout_fraction`` (on which the
        threshold is calibrated).
        """
        if rule != "fpr":
            return n_steps
        n_train_steps = n_steps - int(round(n_steps * self.holdout_fraction))
        if n_train_steps < 2 * self.window_ or n_steps - n_train_steps < self.window_:
            raise ValueError(
                f'threshold="fpr" keeps the last {self.holdout_fraction:.0%} of the series '
                f"out of training; with window={self.window_} the series ({n_steps} steps) "
                "is too short for that. Use threshold='mad' or a longer series."
            )
        return n_train_steps

    def _fit_members(self, values) -> None:
        """``n_estimators`` autoencoders, one seed each, on every window of ``values``.

        ``values``: the training steps, scaled, filled values interpolated.
        """
        train = _windows(values, self.window_, np.arange(len(values) - self.window_ + 1))
        rng = check_random_state(self.random_state)
        seeds = rng.randint(0, 2**31 - 1, size=int(self.n_estimators))
        if self.architecture == "mlp":  # side by side in one network, one training loop
            self.estimators_ = fit_mlp_members(self, train, int(seeds[0]))
            return
        self.estimators_ = []
        for seed in seeds:
            member = self._member(int(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                member.fit(train)
            self.estimators_.append(member)

    def _fit_stats(self, values, observed, n_train_steps: int) -> None:
        """Each member's normalising statistics on the training windows.

        Filled values are imputed.
        """
        starts = np.arange(n_train_steps - self.window_ + 1)
        train = _windows(values, self.window_, starts)
        train_observed = _windows(observed, self.window_, starts)
        act_stats = _activity_stats(values[:n_train_steps], self.window_)
        self._stats = [
            _fit_stats(
                outputs,
                train_observed,
                n_channels=self.n_channels_,
                window=self.window_,
                error_context=self.error_context,
                act_stats=act_stats,
            )
            for outputs in _members_outputs(self.estimators_, train)
        ]

    def _set_offset(self, rule: str, holdout) -> None:
        self.threshold_ = rule
        # "fpr" calibrates on the held-out end of the series, the others on all of it
        scores = holdout if rule == "fpr" else self.train_scores_
        self.offset_ = calibrate_offset(
            rule, scores, fpr=self.fpr, mad_k=self.mad_k, contamination=self.contamination
        )

    # ------------------------------------------------------------------ scoring
    def _window_scores(self, values, observed):
        """Anomaly scores and per-channel error z-scores of all stride-1 windows.

        Shapes (n_windows,) and (n_windows, C); member means.
        """
        return _window_scores(self, values, observed)

    def _step_scores(self, values, observed):
        """Per grid step: anomaly score (n_steps,) and channel error z-scores (n_steps, C)."""
        s, c = self._window_scores(values, observed)
        return _cover_mean(s, self.window_), _cover_mean(c, self.window_)

    def _grid_scores(self, X):
        check_is_fitted(self, "estimators_")
        grid = self.windows_._grid(X, fit=False)
        values = self.windows_._scaled(grid).astype(np.float32)
        values = _impute(self.estimators_, values, grid.observed, self.window_)
        steps, channels = self._step_scores(values, grid.observed)
        return grid, steps, channels

    @property
    def context_(self) -> int:
        """Steps of history a new step needs to be scored as inside the whole series.

        A step's score is the mean over the ``window_`` windows covering it, and each
        window's error is divided by the running median over ``error_context * window_``
        windows around it. So ``score_samples(history[-context_:] + new)[context_:]`` equals
        the scores of ``new`` inside ``history + new``: ``window_ - 1 + error_context *
        window_`` steps (``window_ - 1`` with ``error_context=None``). Scored alone, the first
        steps of ``new`` have fewer covering windows and a local scale from ``new`` only.
        """
        check_is_fitted(self, "estimators_")
        extra = 0 if self.error_context is None else int(self.error_context) * self.window_
        return self.window_ - 1 + extra

    def reconstruction_error(self, X) -> np.ndarray:
        """Anomaly score of each row of the series (higher = more anomalous), (n_rows,)."""
        grid, steps, _ = self._grid_scores(X)
        return steps[grid.rows]

    # ------------------------------------------------------------------ intervals and shares
    def anomalous_intervals(self, X, *, merge_gap: int | None = None):
        """Stretches of flagged timestamps.

        Flagged grid steps closer than ``merge_gap`` steps (default: the window, since
        timestamps that close share windows) are one interval. Returns a DataFrame (a dict
        of lists without pandas) with one row per interval: ``start`` and ``end`` (times,
        or row positions for a series without times), ``n_flagged`` (flagged rows),
        ``peak`` (time or position of the highest anomaly score) and ``peak_score``.
        """
        if merge_gap is not None and not (is_int(merge_gap) and merge_gap >= 0):
            raise ValueError(
                f"{type(self).__name__}.anomalous_intervals: merge_gap must be None (the window) "
                f"or an int >= 0 (grid steps), got {merge_gap!r}."
            )
        grid, steps, _ = self._grid_scores(X)
        gap = self.window_ if merge_gap is None else int(merge_gap)
        return _anomalous_intervals(grid, steps, -self.offset_, gap)

    def explain(self, X):
        """Each channel's share of each timestamp's reconstruction error.

        A channel's contribution at a step is the mean, over the windows covering it, of the
        robust z-score of that channel's reconstruction error, clipped at 0; shares are the
        contributions over their sum (uniform when all are 0). Returns a DataFrame indexed
        like ``X`` (a dict without pandas) with ``anomaly_score``, ``share:<channel>`` for
        every channel and ``top_channel``.
        """
        return self._explain_table(*self._grid_scores(X))

    def _explain_table(self, grid, steps, channels):
        """:meth:`explain` from the scores of :meth:`_grid_scores`."""
        shares = feature_shares(np.clip(channels[grid.rows], 0, None))
        names = self.channel_names_
        out = {"anomaly_score": steps[grid.rows]}
        for j, name in enumerate(names):
            out[f"share:{name}"] = shares[:, j]
        out["top_channel"] = np.asarray(names, dtype=object)[np.argmax(shares, axis=1)]
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return out
        return pd.DataFrame(out, index=grid.index)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------------ safe format
    def _save_state(self, writer) -> dict:
        """Fitted state for ``sk_autoencoder.save``.

        The windowing and the members as child nodes, the statistics and training scores through
        ``writer.array``.
        """
        return save_detector_state(self, writer)

    def _load_state(self, state: dict, reader) -> None:
        """The inverse of :meth:`_save_state` (called by ``sk_autoencoder.load``)."""
        load_detector_state(self, state, reader)
