"""Series to overlapping windows and back (:class:`SlidingWindows`)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._core.frames import import_pandas
from .._core.params import check_params, positive_int
from .grid import _Grid, _median_step, _to_grid, check_sampling, split_time

__all__ = ["SlidingWindows"]


def _window_starts(n_steps: int, window: int, stride: int) -> np.ndarray:
    """Starts of the windows: every ``stride`` steps, plus one ending at the last step.

    So every step is covered.
    """
    starts = np.arange(0, n_steps - window + 1, stride)
    if starts[-1] != n_steps - window:
        starts = np.r_[starts, n_steps - window]
    return starts


def _windows(values: np.ndarray, window: int, starts) -> np.ndarray:
    """(n_windows, C * window), channel-major: row.reshape(C, window) is one window."""
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (n, C, window)
    return view[starts].reshape(len(starts), -1)


def _stride_within_window(est):
    if est.stride > est.window:
        return (
            f"stride must be <= window so that every step is in a window (inverse_transform "
            f"needs them all), got stride={est.stride!r} with window={est.window!r}."
        )
    return None


_SCALINGS = ("robust", "standard", None)
# Every parameter check of SlidingWindows, in order (see ``_core.params.check_params``).
_PARAM_RULES = [
    ("window", positive_int, "a positive int"),
    ("stride", positive_int, "a positive int"),
    ("window", lambda v: v >= 2, "at least 2"),
    _stride_within_window,
    ("scaling", lambda v: v in _SCALINGS, "'robust', 'standard' or None"),
]


def _n_steps_range(n_windows: int, window: int, stride: int) -> tuple[int, int]:
    """The series lengths whose windows number ``n_windows`` (see ``_window_starts``)."""
    if n_windows <= 1:
        return window, window
    return window + (n_windows - 2) * stride + 1, window + (n_windows - 1) * stride


# Every key of the saved state (``step_unit`` may be absent in older files).
_STATE_KEYS = {
    "n_channels_",
    "channel_names_",
    "center_",
    "scale_",
    "step_ns",
    "step_unit",
    "n_filled_",
}


class SlidingWindows(TransformerMixin, BaseEstimator):
    """Series to overlapping windows, as rows for an autoencoder.

    Parameters
    ----------
    window : int
        Steps per window.
    stride : int, default=1
        Steps between window starts, at most ``window``. When ``(n_steps - window)`` is not a
        multiple of ``stride`` one more window, ending at the last step, is added so that
        every step is in a window.
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
        check_params(self, _PARAM_RULES)

    def _grid(self, X, fit: bool) -> _Grid:
        values, times, names, index = split_time(X)
        if len(values) == 0:
            raise ValueError("The series is empty.")
        if np.isinf(values).any():
            row, c = np.argwhere(np.isinf(values))[0]
            raise ValueError(
                f"The series holds infinite values (inf or -inf; the first at row {row}, "
                f"channel {c}); replace them by NaN (filled by interpolation) or by finite "
                "values."
            )
        if values.shape[1] == 0:
            raise ValueError(
                f"The series has no channel: found 0 feature(s) (shape={values.shape}) while a "
                "minimum of 1 is required; pass at least one value column."
            )
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
            if times is not None:
                check_sampling(times, self.step_)
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
        """Windows of ``X``: (n_windows, n_channels * window), channel-major.

        A row reshaped to (n_channels, window) is one window; values are scaled.
        """
        grid = self._grid(X, fit=False)
        starts = _window_starts(len(grid.values), self.window, self.stride)
        return _windows(self._scaled(grid), self.window, starts).astype(np.float64)

    def fit_transform(self, X, y=None, **fit_params):
        """Fit on ``X``, then return its windows."""
        return self.fit(X).transform(X)

    def window_starts(self, n_steps: int) -> np.ndarray:
        """Grid step at which each window of a series of ``n_steps`` steps starts."""
        check_is_fitted(self, "center_")
        if not (positive_int(n_steps) and n_steps >= self.window):
            raise ValueError(
                f"SlidingWindows.window_starts: n_steps must be an int >= window={self.window} "
                f"(the length of the series), got {n_steps!r}."
            )
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
        if len(W) == 0:
            raise ValueError("SlidingWindows.inverse_transform: got 0 windows.")
        if not np.isfinite(W).all():
            raise ValueError(
                "SlidingWindows.inverse_transform: the windows hold non-finite values (NaN or "
                "inf); pass the finite windows of transform (or a model's reconstruction)."
            )
        low, high = _n_steps_range(len(W), w, self.stride)
        if n_steps is None:
            n_steps = high
        elif not (positive_int(n_steps) and low <= n_steps <= high):
            raise ValueError(
                f"SlidingWindows.inverse_transform: n_steps must be the length of the series "
                f"the windows came from, an int in [{low}, {high}] for {len(W)} windows of "
                f"window={w}, stride={self.stride}; got n_steps={n_steps!r}."
            )
        n_steps = int(n_steps)
        starts = _window_starts(n_steps, w, self.stride)
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

    # ------------------------------------------------------------------ safe format
    def _save_state(self, writer) -> dict:
        """Fitted state for ``sk_autoencoder.save``.

        The scaling arrays, the channels and the grid step as an int of nanoseconds (and its pandas
        unit).
        """
        step = self.step_
        return {
            "n_channels_": int(self.n_channels_),
            "channel_names_": [str(c) for c in self.channel_names_],
            "center_": writer.array(self.center_),
            "scale_": writer.array(self.scale_),
            "step_ns": None if step is None else int(step.value),
            "step_unit": None if step is None else str(step.unit),
            "n_filled_": int(self.n_filled_),
        }

    def _load_state(self, state: dict, reader) -> None:
        """The inverse of :meth:`_save_state` (called by ``sk_autoencoder.load``)."""
        unknown = sorted(set(state) - _STATE_KEYS)
        if unknown:
            raise ValueError(f"unknown state keys {unknown}")
        C = state["n_channels_"]
        if not positive_int(C):
            raise ValueError(f"n_channels_ must be a positive int, got {C!r}")
        names = [str(c) for c in state["channel_names_"]]
        center, scale = reader.array(state["center_"]), reader.array(state["scale_"])
        if len(names) != C or center.shape != (C,) or scale.shape != (C,):
            raise ValueError(f"the channel names and scaling do not match {C} channels")
        filled = state["n_filled_"]
        if not isinstance(filled, numbers.Integral) or isinstance(filled, bool) or filled < 0:
            raise ValueError(f"n_filled_ must be an int >= 0, got {filled!r}")
        step_ns = state["step_ns"]
        if step_ns is None:
            self.step_ = None
        else:
            if not positive_int(step_ns):
                raise ValueError(f"step_ns must be a positive int, got {step_ns!r}")
            pd = import_pandas("A series with times")
            step = pd.Timedelta(int(step_ns), unit="ns")
            unit = state.get("step_unit")
            self.step_ = step if unit is None else step.as_unit(str(unit))
        self.n_channels_, self.channel_names_ = int(C), names
        self.center_, self.scale_ = center, scale
        self.n_filled_ = int(filled)
