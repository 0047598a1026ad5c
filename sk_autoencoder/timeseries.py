"""Time series: sliding windows and a per-timestamp anomaly detector.

:class:`SlidingWindows` turns a series into the rows an autoencoder learns from;
:class:`SeriesOutlierDetector` fits autoencoders on those windows and gives one score per
timestamp of the series.

The series
----------
A series is an array shaped ``(T,)`` or ``(T, C)`` (rows are timestamps, columns are
channels), a pandas ``Series``, or a ``DataFrame`` whose time is either its
``DatetimeIndex`` or its one datetime column (the other columns are the channels). Rows are
never dropped:

- **Time grid.** With times, the series is placed on a regular grid whose step is the median
  spacing of the training series (``step_``). Rows are taken in time order; rows falling on the
  same grid step (duplicated timestamps) are averaged there and each of them gets that step's
  score. Grid steps without a row (gaps) are filled by linear interpolation between the
  neighbouring observed values. Without times the rows are taken as consecutive, equally
  spaced samples.
- **Missing values** (NaN) are filled in the same way, per channel (a value before the first
  or after the last observed one takes the nearest observed value). A channel with no observed
  value is an error.
- Filled values feed the windows (a window needs every step) but never count as evidence: the
  detector replaces them by its autoencoders' reconstruction (three rounds of the mean over
  members and covering windows, starting from the interpolation), so a straight line across
  a gap does not look unusual, and its reconstruction errors are averaged over observed
  values only.

How a timestamp is scored
-------------------------
1. Windows of ``window`` steps, one starting at every step, scaled per channel with the
   median and inter-quartile range of the training series (robust to the anomalies it may
   contain).
2. An :class:`AutoencoderTransformer` (MLP, or 1-D convolutional with ``architecture="conv"``)
   is trained on the windows. A window's anomaly score is the sum of three robust z-scores
   (medians and MADs from the training windows):

   - **reconstruction error** (off the learned structure: spikes, pattern breaks, changes of
     frequency), divided by its local typical size: the running median of the errors of the
     windows within ``error_context`` windows' lengths around it (in the scored series
     itself), or the training windows' median error where that is larger. A series whose
     ordinary swings grow and shrink (summer and winter, busy and quiet weeks) has errors
     that grow and shrink with them; the local scale keeps the busy stretches from
     outscoring genuine departures, and never amplifies quiet ones. ``error_context=None``
     uses the raw error;
   - ``latent_weight`` x the **Mahalanobis distance of the window's code** from the training
     codes (on the structure but far out, e.g. an unusual level, which an autoencoder
     reconstructs well);
   - ``activity_weight`` x the **activity** term: the absolute robust z-score of the
     logarithm of the window's mean absolute step-to-step change (per channel, averaged over
     channels). It catches what an autoencoder smooths over: a flat-lining sensor (activity
     far below usual) and a burst of noise (far above).

   The scores of ``n_estimators`` members (default 3) trained with different seeds are
   averaged: one network's scores depend visibly on its seed, and the mean of three is
   steadier (on the planted-anomaly check of ``benchmarks/timeseries.py``, mean AP 0.377
   against 0.341 for one member, at three times the fitting time).
3. A timestamp's anomaly score is the **mean of the scores of all windows that cover it**
   (``window`` windows inside the series, fewer in the first and last ``window - 1`` steps).
   ``score_samples`` is its negative (higher = more normal).
4. ``offset_`` is calibrated on the training series without labels (``threshold``).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .autoencoder import AutoencoderTransformer
from .outliers import _robust_center_scale, _ScoresFromErrors
from .preprocessing import _is_dataframe, _is_series

__all__ = [
    "SeriesOutlierDetector",
    "SlidingWindows",
    "choose_window",
    "dominant_period",
    "series_memory",
]

_THRESHOLDS = ("mad", "fpr", "contamination")
# Robust (centre, scale) pairs kept per member: window error, per-channel error, code distance.
_STAT_PAIRS = ("rec", "channel", "latent", "activity", "rec_floor")
_ARCHITECTURES = ("mlp", "conv")
# Rounds of imputing filled values with the autoencoders' reconstruction.
_IMPUTE_ROUNDS = 3
# Windows scored per block at prediction time (bounds the memory of the window matrix).
_SCORE_BLOCK = 8192
# A time grid longer than this many times the number of rows means the timestamps are not
# a regularly sampled series (or one huge gap); refuse instead of allocating it.
_MAX_GRID_GROWTH = 50


# ---------------------------------------------------------------------- the series itself
class _Grid:
    """A series on its regular grid.

    values   (n_steps, C) float64, gaps and NaN filled
    observed (n_steps, C) bool, True where a value was observed
    rows     (n_rows,) grid step of each input row (input order)
    times    grid times (DatetimeIndex) or None
    index    the input's index (pandas) or None
    """

    def __init__(self, values, observed, rows, times, index):
        self.values, self.observed, self.rows = values, observed, rows
        self.times, self.index = times, index


def _split_time(X):
    """``(values (T, C) float array, times or None, channel names or None, index)``."""
    if _is_series(X):
        import pandas as pd

        times = X.index if isinstance(X.index, pd.DatetimeIndex) else None
        name = None if X.name is None else [str(X.name)]
        return _numeric(X.to_frame()), times, name, X.index
    if _is_dataframe(X):
        import pandas as pd

        time_cols = [c for c in X.columns if pd.api.types.is_datetime64_any_dtype(X[c])]
        if len(time_cols) > 1:
            raise ValueError(
                f"The series has several datetime columns {time_cols}; keep one time column "
                "(or set it as the index) and pass the others as numbers."
            )
        if time_cols:
            times = pd.DatetimeIndex(X[time_cols[0]])
            data = X.drop(columns=time_cols)
        else:
            times = X.index if isinstance(X.index, pd.DatetimeIndex) else None
            data = X
        if data.shape[1] == 0:
            raise ValueError("The DataFrame has a time column but no value column.")
        return _numeric(data), times, [str(c) for c in data.columns], X.index
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(
            f"A series must be shaped (n_timestamps,) or (n_timestamps, n_channels), got an "
            f"array of shape {X.shape}."
        )
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"The series holds non-numeric values (dtype {X.dtype}); pass numbers, or a "
                "DataFrame with a datetime time column."
            ) from exc
    return X.astype(np.float64), None, None, None


def _numeric(df) -> np.ndarray:
    import pandas as pd

    for c in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
            raise ValueError(
                f"Column {c!r} is not numeric (dtype {df[c].dtype}). If it holds times, parse "
                f"it first, e.g. pd.read_csv(..., parse_dates=[{str(c)!r}]) or "
                f"df[{str(c)!r}] = pd.to_datetime(df[{str(c)!r}]); otherwise drop it."
            )
    return df.to_numpy(dtype=np.float64, na_value=np.nan)


def _median_step(times):
    """Median positive spacing of sorted unique times (a pandas Timedelta)."""
    t = times.sort_values().unique()
    if len(t) < 2:
        raise ValueError("A time-indexed series needs at least 2 distinct timestamps.")
    return (t[1:] - t[:-1]).median()


def _to_grid(values: np.ndarray, times, step, index) -> _Grid:
    n, C = values.shape
    if times is None:
        rows = np.arange(n)
        grid = values.copy()
    else:
        if times.hasnans:
            raise ValueError(
                "The time column/index has missing times (NaT); drop or fill those rows."
            )
        t0 = times.min()
        rows = np.round((times - t0) / step).to_numpy().astype(np.int64)
        n_steps = int(rows.max()) + 1
        if n_steps > _MAX_GRID_GROWTH * n + 1000:
            raise ValueError(
                f"The timestamps span {n_steps} steps of {step} for only {n} rows; the series "
                "is not regularly sampled at that step. Resample it first (e.g. "
                "df.resample(...).mean()) or pass the values without times."
            )
        sums = np.zeros((n_steps, C))
        counts = np.zeros((n_steps, C))
        ok = ~np.isnan(values)
        np.add.at(sums, rows, np.where(ok, values, 0.0))
        np.add.at(counts, rows, ok)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        times = t0 + step * np.arange(n_steps)
    observed = ~np.isnan(grid)
    for c in range(C):
        ok = observed[:, c]
        if not ok.any():
            raise ValueError(f"Channel {c} of the series has no observed value (all NaN).")
        if not ok.all():
            steps = np.arange(len(grid))
            grid[~ok, c] = np.interp(steps[~ok], steps[ok], grid[ok, c])
    return _Grid(grid, observed, rows, times, index)


def _window_starts(n_steps: int, window: int, stride: int) -> np.ndarray:
    """Starts of the windows: every ``stride`` steps, plus one ending at the last step so
    that every step is covered."""
    starts = np.arange(0, n_steps - window + 1, stride)
    if starts[-1] != n_steps - window:
        starts = np.r_[starts, n_steps - window]
    return starts


def _windows(values: np.ndarray, window: int, starts) -> np.ndarray:
    """(n_windows, C * window), channel-major: row.reshape(C, window) is one window."""
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (n, C, window)
    return view[starts].reshape(len(starts), -1)


def _acf(x: np.ndarray) -> np.ndarray:
    """Autocorrelation of each column of ``x`` (T, C), averaged over columns, lags 0..T-1."""
    x = x - x.mean(axis=0)
    n = len(x)
    spec = np.fft.rfft(x, 2 * n, axis=0)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=0)[:n]
    var = ac[0]
    ac = np.where(var > 0, ac / np.where(var > 0, var, 1.0), 0.0)
    ac = ac * n / (n - np.arange(n))[:, None]  # unbiased: each lag has fewer pairs
    return ac.mean(axis=1)


def _local_peaks(ac: np.ndarray, min_prominence: float = 0.05) -> np.ndarray:
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(ac, prominence=min_prominence)
    return peaks


def dominant_period(values: np.ndarray, *, min_period: int = 4, min_acf: float = 0.1):
    """The dominant period of a series in steps, or None.

    The autocorrelation of the first differences (which removes level and trend, so that
    slow drifts do not hide the cycles) is computed for lags up to a tenth of the series;
    the period is the shortest lag whose local peak reaches 90% of the highest one (a cycle
    also peaks at its multiples), among peaks of at least ``min_acf`` at lags of at least
    ``min_period`` steps.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if len(values) < 4 * min_period:
        return None
    ac = _acf(np.diff(values, axis=0))[: len(values) // 10 + 1]
    peaks = _local_peaks(ac)
    peaks = peaks[(peaks >= min_period) & (ac[peaks] >= min_acf)]
    if not len(peaks):
        return None
    return int(peaks[ac[peaks] >= 0.9 * ac[peaks].max()].min())


def series_memory(values: np.ndarray) -> int:
    """First lag at which the autocorrelation of the series drops below 1/2: how long a
    departure from the usual level persists, in steps."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    below = np.flatnonzero(_acf(values) < 0.5)
    return int(below[0]) if len(below) else len(values)


def choose_window(
    values: np.ndarray, *, min_window: int = 32, max_window: int = 512
) -> tuple[int, int | None]:
    """The window rule of ``SeriesOutlierDetector(window=None)``; returns ``(window, period)``.

    - A series with a cycle (:func:`dominant_period`) gets windows of whole cycles: the
      period, or its smallest multiple of at least ``min_window`` steps, so that every window
      sees every phase of the cycle and a window is judged against the same stretch of the
      cycle elsewhere.
    - A series without one gets its memory (:func:`series_memory`): a window spans about one
      excursion from the usual level.

    The window is kept in ``[min_window, min(max_window, n_steps // 20)]`` (at least 20
    windows' worth of distinct data to learn from; a period longer than that is cut to the
    bound).
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    n = len(values)
    cap = max(min(max_window, n // 20), min(min_window, n))
    period = dominant_period(values)
    if period is None:
        window = min(max(min_window, series_memory(values)), cap)
    else:
        window = period * math.ceil(min_window / period)
        if window > cap:
            window = max(period, cap // period * period) if period <= cap else cap
    return int(max(2, min(window, n))), period


# ---------------------------------------------------------------------- SlidingWindows
class SlidingWindows(TransformerMixin, BaseEstimator):
    """Series to overlapping windows, as rows for an autoencoder.

    Parameters
    ----------
    window : int
        Steps per window.
    stride : int, default=1
        Steps between window starts. When ``(n_steps - window)`` is not a multiple of
        ``stride`` one more window, ending at the last step, is added so that every step is
        in a window.
    scaling : {"robust", "standard", None}, default="robust"
        Per-channel scaling fitted on the training series: ``"robust"`` subtracts the
        median and divides by the inter-quartile range / 1.349 (robust to anomalies in the
        training series), ``"standard"`` uses mean and standard deviation, ``None`` leaves
        values as they are.

    The series is a ``(T,)`` / ``(T, C)`` array, a pandas Series, or a DataFrame with a
    ``DatetimeIndex`` or one datetime column; timestamps are placed on a regular grid with
    gaps and NaN filled by linear interpolation (see the module documentation).

    Attributes
    ----------
    n_channels_ : int
    channel_names_ : list of str
    center_, scale_ : ndarray of shape (n_channels,)
    step_ : pandas.Timedelta or None
        Grid step (median spacing of the training timestamps); None without times.
    n_filled_ : int
        Values filled (gaps and NaN) in the training series.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder.timeseries import SlidingWindows
    >>> x = np.sin(np.arange(100) / 5)
    >>> sw = SlidingWindows(window=20, stride=10).fit(x)
    >>> W = sw.transform(x)
    >>> W.shape
    (9, 20)
    >>> np.allclose(sw.inverse_transform(W)[:, 0], x)
    True
    """

    def __init__(self, window, stride=1, scaling="robust"):
        self.window = window
        self.stride = stride
        self.scaling = scaling

    def _check_params(self):
        for name in ("window", "stride"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"SlidingWindows: {name} must be a positive int, got {v!r}.")
        if self.window < 2:
            raise ValueError(f"SlidingWindows: window must be at least 2, got {self.window}.")
        if self.scaling not in ("robust", "standard", None):
            raise ValueError(
                f"SlidingWindows: scaling must be 'robust', 'standard' or None, got "
                f"{self.scaling!r}."
            )

    def _grid(self, X, fit: bool) -> _Grid:
        values, times, names, index = _split_time(X)
        if len(values) == 0:
            raise ValueError("The series is empty.")
        if fit:
            self.n_channels_ = values.shape[1]
            self.channel_names_ = names or [f"x{c}" for c in range(values.shape[1])]
            self.step_ = None if times is None else _median_step(times)
        else:
            check_is_fitted(self, "center_")
            if values.shape[1] != self.n_channels_:
                raise ValueError(
                    f"The series has {values.shape[1]} channels, but this was fitted on "
                    f"{self.n_channels_} ({self.channel_names_})."
                )
            if (
                names is not None
                and names != self.channel_names_
                and self.channel_names_ != [f"x{c}" for c in range(self.n_channels_)]
            ):
                raise ValueError(
                    f"The series has channels {names}, but this was fitted on "
                    f"{self.channel_names_}; pass the same columns in the same order."
                )
            if (times is None) != (self.step_ is None):
                raise ValueError(
                    "Fitted on a series "
                    + ("with" if self.step_ is not None else "without")
                    + " times, but this one comes "
                    + ("without" if times is None else "with")
                    + " times; pass it the same way."
                )
        grid = _to_grid(values, times, self.step_, index)
        if len(grid.values) < self.window:
            raise ValueError(
                f"The series has {len(grid.values)} time steps, fewer than window="
                f"{self.window}; pass a longer series or a smaller window."
            )
        return grid

    def _fit_scaling(self, values: np.ndarray) -> None:
        C = values.shape[1]
        if self.scaling is None:
            self.center_, self.scale_ = np.zeros(C), np.ones(C)
            return
        if self.scaling == "standard":
            center, scale = values.mean(axis=0), values.std(axis=0)
        else:
            center = np.median(values, axis=0)
            q75, q25 = np.percentile(values, [75, 25], axis=0)
            scale = (q75 - q25) / 1.349
            sd = values.std(axis=0)
            scale = np.where(scale > 0, scale, sd)  # a mostly constant channel
        tiny = 1e-12 * (1 + np.abs(center))
        self.center_, self.scale_ = center, np.where(scale > tiny, scale, 1.0)

    def _scaled(self, grid: _Grid) -> np.ndarray:
        return (grid.values - self.center_) / self.scale_

    def fit(self, X, y=None):
        """Fit the grid step and the per-channel scaling on the series ``X``."""
        self._check_params()
        grid = self._grid(X, fit=True)
        self._fit_scaling(grid.values)
        self.n_filled_ = int((~grid.observed).sum())
        return self

    def transform(self, X) -> np.ndarray:
        """Windows of ``X``: (n_windows, n_channels * window), channel-major (a row reshaped
        to (n_channels, window) is one window), values scaled."""
        grid = self._grid(X, fit=False)
        starts = _window_starts(len(grid.values), self.window, self.stride)
        return _windows(self._scaled(grid), self.window, starts).astype(np.float64)

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X).transform(X)

    def window_starts(self, n_steps: int) -> np.ndarray:
        """Grid step at which each window of a series of ``n_steps`` steps starts."""
        check_is_fitted(self, "center_")
        return _window_starts(int(n_steps), self.window, self.stride)

    def inverse_transform(self, X, n_steps: int | None = None) -> np.ndarray:
        """Windows back to a series (n_steps, n_channels) in the original units.

        Each step is the mean of the windows that contain it. ``n_steps`` is the length of
        the series the windows came from; by default ``(n_windows - 1) * stride + window``,
        which is right unless :meth:`transform` added a final window (then pass it).
        """
        check_is_fitted(self, "center_")
        W = np.asarray(X, dtype=np.float64)
        C, w = self.n_channels_, self.window
        if W.ndim != 2 or W.shape[1] != C * w:
            raise ValueError(
                f"Expected windows shaped (n_windows, {C * w}) (n_channels * window), got "
                f"{W.shape}."
            )
        n_steps = (len(W) - 1) * self.stride + w if n_steps is None else int(n_steps)
        starts = _window_starts(n_steps, w, self.stride)
        if len(starts) != len(W):
            raise ValueError(
                f"{len(W)} windows do not match a series of {n_steps} steps ({len(starts)} "
                "windows); pass the n_steps of the series they came from."
            )
        sums = np.zeros((n_steps, C))
        counts = np.zeros(n_steps)
        for k, s in enumerate(starts):
            sums[s : s + w] += W[k].reshape(C, w).T
            counts[s : s + w] += 1
        return sums / counts[:, None] * self.scale_ + self.center_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


# ---------------------------------------------------------------------- the detector
def _local_scale(err: np.ndarray, window: int, context, floor: float) -> np.ndarray:
    """Running median of window errors over ``context`` windows' lengths, centred (the
    errors mirrored past the ends, at most the whole series), never below ``floor`` (the
    median error of the training windows): a busy stretch is damped, a quiet one is not
    amplified. Ones when ``context`` is None."""
    if context is None:
        return np.ones_like(err)
    from scipy.ndimage import median_filter

    size = max(1, min(int(context * window), len(err)))
    return np.maximum(median_filter(err, size=size, mode="reflect"), floor + 1e-12)


def _activity(values: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute step-to-step change inside each stride-1 window: (n_windows, C)."""
    d = np.abs(np.diff(values.astype(np.float64), axis=0))
    cs = np.concatenate([np.zeros((1, d.shape[1])), np.cumsum(d, axis=0)])
    k = np.arange(len(values) - window + 1)
    return (cs[k + window - 1] - cs[k]) / max(window - 1, 1)


def _cover_mean(window_scores: np.ndarray, window: int) -> np.ndarray:
    """Mean over the stride-1 windows covering each step: (n_windows, ...) -> (n_steps, ...).

    Window ``k`` covers steps ``k .. k + window - 1``.
    """
    n_win = len(window_scores)
    n_steps = n_win + window - 1
    cs = np.concatenate([np.zeros((1, *window_scores.shape[1:])), np.cumsum(window_scores, 0)])
    t = np.arange(n_steps)
    lo = np.maximum(t - window + 1, 0)
    hi = np.minimum(t, n_win - 1) + 1
    count = (hi - lo).reshape(-1, *([1] * (window_scores.ndim - 1)))
    return (cs[hi] - cs[lo]) / count


def _cover_any(flags: np.ndarray, window: int) -> np.ndarray:
    """For each window start ``k``: does any of steps ``k .. k + window - 1`` hold a flag."""
    cs = np.r_[0, np.cumsum(flags)]
    k = np.arange(max(len(flags) - window + 1, 0))
    return (cs[k + window] - cs[k]) > 0


class SeriesOutlierDetector(_ScoresFromErrors, OutlierMixin, BaseEstimator):
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
        Passed to :class:`AutoencoderTransformer` (conv: channels of the stages).
    n_estimators : int, default=3
        Autoencoders with different seeds whose window scores are averaged (fitting time
        grows in proportion; 1 for the fastest fit).
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
    (40, 40)
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
        name = type(self).__name__
        w = self.window
        if w is not None and (not isinstance(w, numbers.Integral) or isinstance(w, bool) or w < 2):
            raise ValueError(f"{name}: window must be None (automatic) or an int >= 2, got {w!r}.")
        if self.architecture not in _ARCHITECTURES:
            raise ValueError(
                f"{name}: architecture must be one of {_ARCHITECTURES}, got {self.architecture!r}."
            )
        if self.threshold not in _THRESHOLDS:
            raise ValueError(
                f"{name}: threshold must be one of {_THRESHOLDS}, got {self.threshold!r}."
            )
        if self.contamination is not None and not (
            isinstance(self.contamination, numbers.Real) and 0 < self.contamination <= 0.5
        ):
            raise ValueError(
                f"{name}: contamination must be None or a float in (0, 0.5], got "
                f"{self.contamination!r}."
            )
        if self.threshold == "contamination" and self.contamination is None:
            raise ValueError(f'{name}: threshold="contamination" needs contamination=<float>.')
        if not 0 < self.fpr < 1:
            raise ValueError(f"{name}: fpr must be in (0, 1), got {self.fpr!r}.")
        if not 0 < self.holdout_fraction < 1:
            raise ValueError(
                f"{name}: holdout_fraction must be in (0, 1), got {self.holdout_fraction!r}."
            )
        if int(self.n_estimators) < 1:
            raise ValueError(f"{name}: n_estimators must be >= 1, got {self.n_estimators!r}.")
        if self.latent_weight < 0:
            raise ValueError(f"{name}: latent_weight must be >= 0, got {self.latent_weight!r}.")
        if self.activity_weight < 0:
            raise ValueError(f"{name}: activity_weight must be >= 0, got {self.activity_weight!r}.")
        ctx = self.error_context
        if ctx is not None and (
            not isinstance(ctx, numbers.Real) or isinstance(ctx, bool) or not ctx >= 1
        ):
            raise ValueError(
                f"{name}: error_context must be None or a number >= 1 (windows' lengths), "
                f"got {ctx!r}."
            )

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
        """Fit on the series ``X`` ((T,) or (T, C) array, Series or DataFrame with times);
        ``y`` is ignored."""
        self._check_params()
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
            self.window_, self.period_ = choose_window(sw._scaled(grid), max_window=self.max_window)
        else:
            self.window_ = int(self.window)
            if n_steps < self.window_:
                raise ValueError(
                    f"The series has {n_steps} time steps, fewer than window={self.window_}; "
                    "pass a longer series or a smaller window."
                )
        self.windows_ = sw.set_params(window=self.window_)
        self.n_channels_ = sw.n_channels_
        self.channel_names_ = sw.channel_names_
        self.n_filled_ = int((~grid.observed).sum())
        n_train_steps = n_steps
        rule = "contamination" if self.contamination is not None else self.threshold
        if rule == "fpr":
            n_train_steps = n_steps - int(round(n_steps * self.holdout_fraction))
            if n_train_steps < 2 * self.window_ or n_steps - n_train_steps < self.window_:
                raise ValueError(
                    f'threshold="fpr" keeps the last {self.holdout_fraction:.0%} of the series '
                    f"out of training; with window={self.window_} the series ({n_steps} steps) "
                    "is too short for that. Use threshold='mad' or a longer series."
                )
        values = self.windows_._scaled(grid).astype(np.float32)
        train = _windows(
            values[:n_train_steps], self.window_, np.arange(n_train_steps - self.window_ + 1)
        )
        rng = check_random_state(self.random_state)
        seeds = rng.randint(0, 2**31 - 1, size=int(self.n_estimators))
        self.estimators_, self._stats = [], []
        for seed in seeds:
            member = self._member(int(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                member.fit(train)
            self.estimators_.append(member)
        values = self._impute(values, grid.observed)
        starts = np.arange(n_train_steps - self.window_ + 1)
        train = _windows(values, self.window_, starts)
        observed = _windows(grid.observed, self.window_, starts)
        act = _activity(values[:n_train_steps], self.window_)
        eps = 1e-3 * np.median(act, axis=0) + 1e-12
        act_stats = (*_robust_center_scale(np.log(act + eps), axis=0), eps)
        for member in self.estimators_:
            rec, codes = self._rec_and_codes(member, train, observed)
            mu = codes.mean(axis=0)
            cov = np.atleast_2d(np.cov(codes, rowvar=False))
            cov += (1e-6 * np.trace(cov) / len(cov) + 1e-9) * np.eye(len(cov))
            stats = {"mean": mu, "precision": np.linalg.pinv(cov), "activity": act_stats}
            err = rec.mean(axis=1)
            stats["rec_floor"] = (float(np.median(err)),)
            err = err / _local_scale(err, self.window_, self.error_context, np.median(err))
            stats["rec"] = _robust_center_scale(err)
            stats["channel"] = _robust_center_scale(rec, axis=0)
            stats["latent"] = _robust_center_scale(self._mahalanobis(codes, stats))
            self._stats.append(stats)
        step_scores = self._step_scores(values, grid.observed)[0]
        self.train_scores_ = step_scores[grid.rows]
        rule_scores = step_scores[grid.rows[grid.rows >= n_train_steps]] if rule == "fpr" else None
        self._set_offset(rule, rule_scores)
        return self

    def _set_offset(self, rule: str, holdout) -> None:
        self.threshold_ = rule
        if rule == "contamination":
            self.offset_ = -float(np.percentile(self.train_scores_, 100 * (1 - self.contamination)))
        elif rule == "fpr":
            self.offset_ = -float(np.quantile(holdout, 1.0 - self.fpr))
        else:
            med, scale = _robust_center_scale(self.train_scores_)
            self.offset_ = -float(med + self.mad_k * scale)

    # ------------------------------------------------------------------ scoring
    def _rec_and_codes(self, member, W, observed):
        """Per-channel reconstruction error over observed values (n, C) and codes (n, k)."""
        E = member.reconstruction_error(W, per_feature=True).reshape(len(W), self.n_channels_, -1)
        M = observed.reshape(E.shape)
        rec = (E * M).sum(axis=2) / np.maximum(M.sum(axis=2), 1)
        return rec, member.transform(W).astype(np.float64)

    @staticmethod
    def _mahalanobis(codes, stats) -> np.ndarray:
        D = codes - stats["mean"]
        return np.einsum("ij,jk,ik->i", D, stats["precision"], D)

    def _window_scores(self, values, observed):
        """Anomaly scores (n_windows,) and per-channel error z-scores (n_windows, C) of all
        stride-1 windows of the series, member means."""
        w = self.window_
        n_win = len(values) - w + 1
        scores, channel = 0.0, 0.0
        for member, st in zip(self.estimators_, self._stats):
            recs, dists = [], []
            for a in range(0, n_win, _SCORE_BLOCK):
                starts = np.arange(a, min(a + _SCORE_BLOCK, n_win))
                W, M = _windows(values, w, starts), _windows(observed, w, starts)
                rec, codes = self._rec_and_codes(member, W, M)
                recs.append(rec)
                dists.append(self._mahalanobis(codes, st))
            rec = np.concatenate(recs)
            err = rec.mean(axis=1)
            err = err / _local_scale(err, w, self.error_context, float(st["rec_floor"][0]))
            s = (err - st["rec"][0]) / st["rec"][1]
            if self.latent_weight > 0:
                lat = (np.concatenate(dists) - st["latent"][0]) / st["latent"][1]
                s = s + float(self.latent_weight) * lat
            if self.activity_weight > 0:
                center, scale, eps = st["activity"]
                act = np.abs((np.log(_activity(values, w) + eps) - center) / scale)
                s = s + float(self.activity_weight) * act.mean(axis=1)
            scores = scores + s
            channel = channel + (rec - st["channel"][0]) / st["channel"][1]
        m = len(self.estimators_)
        return scores / m, channel / m

    def _impute(self, values: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Filled values (gaps, NaN) replaced by the members' reconstruction of them: each
        filled step takes the mean over members and covering windows of its reconstructed
        value, for ``_IMPUTE_ROUNDS`` rounds. A straight line across a gap would otherwise
        make the windows over it look unusual."""
        if observed.all():
            return values
        values = values.copy()
        w, C = self.window_, self.n_channels_
        n_win = len(values) - w + 1
        # only windows that hold a filled value need reconstructing
        touched = _cover_any(~observed.all(axis=1), w)
        for _ in range(_IMPUTE_ROUNDS):
            sums, counts = np.zeros(values.shape), np.zeros(len(values))
            todo = np.flatnonzero(touched[:n_win])
            for a in range(0, len(todo), _SCORE_BLOCK):
                starts = todo[a : a + _SCORE_BLOCK]
                W = _windows(values, w, starts)
                R = np.mean(
                    [m.inverse_transform(m.transform(W)) for m in self.estimators_], axis=0
                ).reshape(len(starts), C, w)
                for k, s in enumerate(starts):
                    sums[s : s + w] += R[k].T
                    counts[s : s + w] += 1
            fill = ~observed & (counts[:, None] > 0)
            values[fill] = (sums / np.maximum(counts, 1)[:, None])[fill]
        return values

    def _step_scores(self, values, observed):
        """Per grid step: anomaly score (n_steps,) and channel error z-scores (n_steps, C)."""
        s, c = self._window_scores(values, observed)
        return _cover_mean(s, self.window_), _cover_mean(c, self.window_)

    def _grid_scores(self, X):
        check_is_fitted(self, "estimators_")
        grid = self.windows_._grid(X, fit=False)
        values = self._impute(self.windows_._scaled(grid).astype(np.float32), grid.observed)
        steps, channels = self._step_scores(values, grid.observed)
        return grid, steps, channels

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
        grid, steps, _ = self._grid_scores(X)
        flagged_steps = np.zeros(len(steps), dtype=bool)
        flagged_steps[grid.rows] = steps[grid.rows] > -self.offset_
        gap = self.window_ if merge_gap is None else int(merge_gap)
        on = np.flatnonzero(flagged_steps)
        intervals = []
        if len(on):
            breaks = np.flatnonzero(np.diff(on) > max(gap, 1))
            first = np.r_[0, breaks + 1]
            last = np.r_[breaks, len(on) - 1]
            intervals = [(on[a], on[b]) for a, b in zip(first, last)]
        position = grid.times if grid.times is not None else None
        row_of_step = np.full(len(steps), -1)
        row_of_step[grid.rows[::-1]] = np.arange(len(grid.rows))[::-1]
        out = {"start": [], "end": [], "n_flagged": [], "peak": [], "peak_score": []}
        for a, b in intervals:
            peak = a + int(np.argmax(steps[a : b + 1]))
            in_rows = (grid.rows >= a) & (grid.rows <= b)
            out["start"].append(position[a] if position is not None else int(row_of_step[a]))
            out["end"].append(position[b] if position is not None else int(row_of_step[b]))
            out["n_flagged"].append(int(flagged_steps[grid.rows[in_rows]].sum()))
            out["peak"].append(position[peak] if position is not None else int(row_of_step[peak]))
            out["peak_score"].append(float(steps[peak]))
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return out
        return pd.DataFrame(out)

    def explain(self, X):
        """Each channel's share of each timestamp's reconstruction error.

        A channel's contribution at a step is the mean, over the windows covering it, of the
        robust z-score of that channel's reconstruction error, clipped at 0; shares are the
        contributions over their sum (uniform when all are 0). Returns a DataFrame indexed
        like ``X`` (a dict without pandas) with ``anomaly_score``, ``share:<channel>`` for
        every channel and ``top_channel``.
        """
        grid, steps, channels = self._grid_scores(X)
        contrib = np.clip(channels[grid.rows], 0, None)
        total = contrib.sum(axis=1, keepdims=True)
        C = contrib.shape[1]
        shares = np.where(total > 0, contrib / np.where(total > 0, total, 1), 1.0 / C)
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
    def _save_model(self, path: str, *, overwrite: bool = False) -> None:
        """``sk_autoencoder.save``: a directory with ``config.json`` (parameters, windowing,
        calibration, plain numbers) and one saved autoencoder per member (``member_<i>/``,
        each the safe format of :func:`sk_autoencoder.save`), written atomically."""
        import json
        import os
        import shutil
        import tempfile

        from . import __version__, persistence

        check_is_fitted(self, "estimators_")
        if os.path.exists(path) and not overwrite:
            raise FileExistsError(f"{path!r} exists; pass overwrite=True to replace it.")
        params, skipped = persistence._json_params(self)
        if skipped:
            warnings.warn(
                f"save(): parameters {skipped} are not plain values and are not stored; they "
                "take their defaults when the model is loaded.",
                UserWarning,
                stacklevel=3,
            )
        sw = self.windows_
        fitted = {
            "window_": int(self.window_),
            "period_": None if self.period_ is None else int(self.period_),
            "offset_": float(self.offset_),
            "threshold_": self.threshold_,
            "n_channels_": int(self.n_channels_),
            "channel_names_": [str(c) for c in self.channel_names_],
            "n_filled_": int(self.n_filled_),
            "train_scores_": [float(v) for v in self.train_scores_],
            "windows": {
                "params": {"window": int(sw.window), "stride": int(sw.stride)},
                "scaling": sw.scaling,
                "center_": [float(v) for v in sw.center_],
                "scale_": [float(v) for v in sw.scale_],
                "step_ns": None if sw.step_ is None else int(sw.step_.value),
            },
            "members": [],
        }
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=parent)
        try:
            for i, (member, st) in enumerate(zip(self.estimators_, self._stats)):
                persistence.save(member, os.path.join(tmp, f"member_{i}"))
                fitted["members"].append(
                    {
                        "dir": f"member_{i}",
                        "mean": st["mean"].tolist(),
                        "precision": st["precision"].tolist(),
                        **{k: [np.asarray(v).tolist() for v in st[k]] for k in _STAT_PAIRS},
                    }
                )
            config = {
                "format": {"name": persistence.FORMAT_NAME, "version": persistence.FORMAT_VERSION},
                "package_version": __version__,
                "class": type(self).__name__,
                "params": params,
                "params_not_saved": skipped,
                "fitted": fitted,
            }
            with open(os.path.join(tmp, persistence.CONFIG_FILE), "w") as f:
                json.dump(config, f, indent=1)
            persistence._publish(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def _load_model(cls, path: str, config: dict, *, device=None):
        """The inverse of :meth:`_save_model` (called by ``sk_autoencoder.load``)."""
        import os

        from .persistence import CONFIG_FILE, ModelFormatError, load

        params = dict(config.get("params", {}))
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        if device is not None:
            params["device"] = device
        try:
            det = cls(**params)
            fitted = config["fitted"]
            det.window_ = int(fitted["window_"])
            det.period_ = fitted["period_"]
            det.offset_ = float(fitted["offset_"])
            det.threshold_ = str(fitted["threshold_"])
            det.n_channels_ = int(fitted["n_channels_"])
            det.channel_names_ = [str(c) for c in fitted["channel_names_"]]
            det.n_filled_ = int(fitted["n_filled_"])
            det.train_scores_ = np.asarray(fitted["train_scores_"], dtype=np.float64)
            w = fitted["windows"]
            sw = SlidingWindows(scaling=w["scaling"], **w["params"])
            sw.center_ = np.asarray(w["center_"], dtype=np.float64)
            sw.scale_ = np.asarray(w["scale_"], dtype=np.float64)
            sw.n_channels_, sw.channel_names_ = det.n_channels_, list(det.channel_names_)
            sw.n_filled_ = det.n_filled_
            if w["step_ns"] is None:
                sw.step_ = None
            else:
                import pandas as pd

                sw.step_ = pd.Timedelta(int(w["step_ns"]), unit="ns")
            det.windows_ = sw
            det.estimators_, det._stats = [], []
            for m in fitted["members"]:
                name = str(m["dir"])
                if os.path.basename(name) != name or name in ("", ".", ".."):
                    raise ModelFormatError(f"invalid member directory {name!r} in {CONFIG_FILE}.")
                det.estimators_.append(load(os.path.join(path, name), device=device))
                st = {
                    "mean": np.asarray(m["mean"], dtype=np.float64),
                    "precision": np.asarray(m["precision"], dtype=np.float64),
                }
                for k in _STAT_PAIRS:
                    st[k] = tuple(np.asarray(v, dtype=np.float64) for v in m[k])
                det._stats.append(st)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFormatError):
                raise
            msg = f"{path!r}: {CONFIG_FILE} is incomplete or damaged ({exc})."
            raise ModelFormatError(msg) from exc
        return det
