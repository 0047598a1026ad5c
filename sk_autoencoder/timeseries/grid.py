"""A series on its regular time grid.

Reading the input (array, Series, DataFrame with times), placing rows on grid steps, filling gaps
and NaN.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._core.frames import import_pandas, is_dataframe, is_series
from .intervals import _anomalous_intervals

# A time grid longer than this many times the number of rows means the timestamps are not
# a regularly sampled series (or one huge gap); refuse instead of allocating it.
_MAX_GRID_GROWTH = 50
# A scored series whose median spacing is this many times the fitted step (or less than its
# inverse) is sampled at another rate.
_STEP_TOLERANCE = 1.5


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


def split_time(X):
    """Read a series: ``(values (T, C) float array, times or None, names, index)``.

    ``names``: the channel names or None.

    A Series or DataFrame with a DatetimeIndex or one datetime column, or an array of shape
    (T,) or (T, C); the detector, the windowing and the series plot all read series this way.
    """
    if is_series(X):
        pd = import_pandas("A pandas series")

        times = _index_times(pd, X.index)
        name = None if X.name is None else [str(X.name)]
        return _numeric(X.to_frame()), times, name, X.index
    if is_dataframe(X):
        pd = import_pandas("A pandas series")

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
            times = _index_times(pd, X.index)
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
    if X.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: the series holds complex values (dtype {X.dtype}); "
            "pass real numbers (e.g. "
            "np.abs(x) or np.c_[x.real, x.imag] as two channels)."
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


def _index_times(pd, index):
    """The times of a pandas index, or None.

    A DatetimeIndex or TimedeltaIndex as it is, a PeriodIndex as the start of each period.
    """
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        return index
    return None


def check_sampling(times, step) -> None:
    """Refuse (or warn about) a series sampled at another rate than the fitted ``step``.

    Coarser (median spacing over ``_STEP_TOLERANCE`` x ``step``): most grid steps would be
    interpolated, so the series is refused. Finer: several rows share a grid step and are
    averaged there, as a resampling to ``step`` would; a warning says so.
    """
    t = times.sort_values().unique()
    if len(t) < 2:
        return
    spacing = (t[1:] - t[:-1]).median()
    got, fitted = _step_text(spacing), _step_text(step)
    if spacing > _STEP_TOLERANCE * step:
        raise ValueError(
            f"The series is sampled every {got}, but this was fitted on a series sampled "
            f"every {fitted}: scoring it would interpolate the steps in between. Score a "
            f"series sampled every {fitted}, or fit on the new rate."
        )
    if spacing * _STEP_TOLERANCE < step:
        warnings.warn(
            f"The series is sampled every {got}, finer than the {fitted} it was fitted on: "
            f"rows falling on the same {fitted} step are averaged there (and share its score).",
            UserWarning,
            stacklevel=4,
        )


def _step_text(step) -> str:
    """A time step as a pandas frequency string ("5min", "h") where it has one."""
    pd = import_pandas("A series with times")
    try:
        text = pd.tseries.frequencies.to_offset(pd.Timedelta(step)).freqstr
    except (ValueError, TypeError):
        return str(step)
    return text if text[:1].isdigit() else f"1{text}"


def _numeric(df) -> np.ndarray:
    pd = import_pandas("A pandas series")

    for c in df.columns:
        if pd.api.types.is_complex_dtype(df[c]):
            raise ValueError(
                f"Complex data not supported: column {c!r} holds complex values (dtype "
                f"{df[c].dtype}); pass real numbers (e.g. its abs, or real and imag as two "
                "columns)."
            )
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


def scored_series(detector, X) -> dict:
    """What a picture of a scored series shows, from one scoring pass of ``detector``.

    Keys: ``x`` (the times, or row positions without times), ``times`` (None without times),
    ``order`` (the sorted order of ``x``), ``values`` (T, C), ``names`` (channel names),
    ``anomaly`` (``-score_samples``, higher = more anomalous), ``intervals``
    (``detector.anomalous_intervals(X)``) and ``explained`` (``detector.explain(X)``).
    """
    values, times, names, _ = split_time(X)
    x = np.arange(len(values)) if times is None else np.asarray(times)
    grid, steps, channels = detector._grid_scores(X)
    return {
        "x": x,
        "times": times,
        "order": np.argsort(x, kind="stable"),
        "values": values,
        "names": names or [f"x{c}" for c in range(values.shape[1])],
        "anomaly": np.asarray(steps[grid.rows], dtype=float),
        "intervals": _anomalous_intervals(grid, steps, -detector.offset_, detector.window_),
        "explained": detector._explain_table(grid, steps, channels),
    }
