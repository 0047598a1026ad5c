"""A scored series with its anomaly score, threshold and flagged intervals."""

from __future__ import annotations

from ..timeseries.grid import scored_series
from ._common import _pyplot


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
    view = scored_series(detector, X)
    x, times, order, values = view["x"], view["times"], view["order"], view["values"]
    names, anomaly, intervals = view["names"], view["anomaly"], view["intervals"]
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
