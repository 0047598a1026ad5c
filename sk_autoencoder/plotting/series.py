"""A scored series with its anomaly score, threshold and flagged intervals."""

from __future__ import annotations

import numpy as np

from .._core.frames import is_dataframe, is_series
from ._common import _pyplot


def _split_series(X):
    """``(values (T, C) float array, times or None, channel names or None, index)``.

    The same reading of a series as :class:`~sk_autoencoder.SeriesOutlierDetector`'s (a
    Series or DataFrame with a DatetimeIndex or one datetime column, or an array), with the
    same errors, kept here so that plotting uses no private name of the detectors.
    """
    if is_series(X):
        import pandas as pd

        times = X.index if isinstance(X.index, pd.DatetimeIndex) else None
        name = None if X.name is None else [str(X.name)]
        return _numeric(X.to_frame()), times, name, X.index
    if is_dataframe(X):
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


def plot_series_anomalies(detector, X, *, max_channels=4, title=None, figsize=(10, 5)):
    """A series, its anomaly score beneath it, the threshold, and flagged stretches shaded.

    ``detector`` is a fitted :class:`~sk_autoencoder.SeriesOutlierDetector` and ``X`` the
    series it scores (array, Series or DataFrame with times). The top panel draws up to
    ``max_channels`` channels in their own units against time (row position without
    times); the bottom one the anomaly score (``-score_samples``, higher = more anomalous)
    with the threshold ``-offset_``. The intervals of ``detector.anomalous_intervals(X)`` are
    shaded in both. Returns the matplotlib Figure.
    """
    plt = _pyplot()
    values, times, names, _ = _split_series(X)
    x = np.arange(len(values)) if times is None else np.asarray(times)
    order = np.argsort(x, kind="stable")
    anomaly = -np.asarray(detector.score_samples(X), dtype=float)
    intervals = detector.anomalous_intervals(X)
    names = names or [f"x{c}" for c in range(values.shape[1])]
    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=figsize, gridspec_kw={"height_ratios": [2, 1]}
    )
    for c in range(min(values.shape[1], int(max_channels))):
        top.plot(x[order], values[order, c], lw=0.7, label=names[c])
    if values.shape[1] > 1:
        top.legend(loc="upper right", frameon=False, fontsize="small")
    bottom.plot(x[order], anomaly[order], lw=0.7, color="tab:purple", label="anomaly score")
    threshold = -float(detector.offset_)
    rule = getattr(detector, "threshold_", "threshold")
    bottom.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold ({rule})")
    for start, end in zip(intervals["start"], intervals["end"]):
        for ax in (top, bottom):
            ax.axvspan(start, end, color="tab:red", alpha=0.2, lw=0)
    top.set_ylabel("value")
    bottom.set_ylabel("anomaly score")
    bottom.set_xlabel("time" if times is not None else "row")
    bottom.legend(loc="upper left", frameon=False, fontsize="small")
    n_iv = len(intervals["start"])
    top.set_title(title or f"{type(detector).__name__}: {n_iv} flagged interval(s)")
    if times is not None:
        fig.autofmt_xdate()
    fig.tight_layout()
    return fig
