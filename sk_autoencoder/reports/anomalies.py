"""A detector's part of a report: its scores, threshold, top anomalies and flagged intervals.

The score histogram with the fitted threshold, the most anomalous rows with their per-column
explanations, and for a series the series itself, its score and the flagged intervals.
"""

from __future__ import annotations

import numpy as np

from .._display import clipped_scores
from .embedding import colouring
from .figures import compact, layout, plotly
from .page import Section, Table

#: Rows listed in the table of top anomalies.
TOP_ROWS = 10
#: Channels drawn in the series panel.
MAX_CHANNELS = 4


def score_section(anomaly: np.ndarray, threshold: float, rule: str, y=None) -> Section:
    """Histogram of the anomaly scores with the fitted threshold and the share flagged."""
    go, _ = plotly()
    flagged = anomaly > threshold
    shown, top, beyond = clipped_scores(anomaly, threshold)
    fig = go.Figure()
    bins = {"start": float(shown.min()), "end": float(shown.max()) + 1e-9}
    bins["size"] = max((bins["end"] - bins["start"]) / 60, 1e-12)
    colour = colouring(y, None, "") if y is not None else None
    if colour is not None and colour["levels"] is not None and len(colour["levels"][1]) <= 10:
        names, levels, counts = colour["levels"]
        for level, col, count in zip(levels, colour["colours"], counts):
            fig.add_trace(
                go.Histogram(
                    x=compact(shown[names == level]),
                    xbins=bins,
                    name=f"y = {level} ({count:,})",
                    marker={"color": col},
                    opacity=0.6,
                )
            )
        fig.update_layout(barmode="overlay")
    else:
        fig.add_trace(go.Histogram(x=compact(shown), xbins=bins, name="rows"))
    fig.add_vline(x=threshold, line={"color": "black", "dash": "dash"})
    fig.add_annotation(
        x=threshold, y=1, yref="paper", text=f"threshold ({rule})", showarrow=False, xanchor="left"
    )
    fig.update_xaxes(title="anomaly score (-score_samples; higher = more anomalous)")
    fig.update_yaxes(title="rows")
    layout(fig, f"Anomaly scores: {flagged.mean():.1%} of {len(anomaly):,} flagged", height=380)
    notes = [
        f"Threshold {threshold:.4g} (rule {rule!r}): {int(flagged.sum()):,} of {len(anomaly):,} "
        f"rows ({flagged.mean():.2%}) are flagged (predict = -1)."
    ]
    if beyond:
        notes.append(f"{beyond:,} rows with a score above {top:.3g} are counted in the last bin.")
    return Section("scores", "Anomaly scores", notes=notes, figures=[fig])


def top_anomalies_table(explanation, top_k: int) -> Table:
    """The most anomalous rows with their top columns: share, value and reconstruction."""
    columns = ["row", "anomaly score"]
    for i in range(1, top_k + 1):
        columns += [f"column {i}", "share", "value", "reconstructed"]
    rows = []
    for r in range(len(explanation)):
        row = explanation.iloc[r]
        cells = [str(explanation.index[r]), float(row["anomaly_score"])]
        for i in range(1, top_k + 1):
            cells += [
                str(row[f"top{i}_column"]),
                f"{float(row[f'top{i}_share']):.0%}",
                _value(row[f"top{i}_observed"]),
                _value(row[f"top{i}_reconstructed"]),
            ]
        rows.append(cells)
    return Table(columns, rows, caption="Top anomalies and the columns behind them (explain)")


def _value(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def series_section(detector, view: dict) -> Section:
    """The series (a few channels), its anomaly score and threshold, flagged stretches.

    ``view``: :func:`~sk_autoencoder.timeseries.grid.scored_series` of the detector.
    """
    go, make_subplots = plotly()
    x, times, order, values = view["x"], view["times"], view["order"], view["values"]
    names, anomaly, intervals = view["names"], view["anomaly"], view["intervals"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38])
    for c in range(min(values.shape[1], MAX_CHANNELS)):
        fig.add_trace(
            go.Scatter(x=x[order], y=compact(values[order, c]), name=names[c], line={"width": 1}),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(x=x[order], y=compact(anomaly[order]), name="anomaly score", line={"width": 1}),
        row=2,
        col=1,
    )
    threshold = -float(detector.offset_)
    flagged = order[anomaly[order] > threshold]
    fig.add_trace(
        go.Scatter(
            x=x[flagged],
            y=compact(anomaly[flagged]),
            name="flagged",
            mode="markers",
            marker={"color": "crimson", "size": 5},
        ),
        row=2,
        col=1,
    )
    fig.add_hline(y=threshold, line={"color": "black", "dash": "dash"}, row=2, col=1)
    starts, ends = list(intervals["start"]), list(intervals["end"])
    for start, end in zip(starts, ends):
        fig.add_vrect(x0=start, x1=end, fillcolor="crimson", opacity=0.2, line_width=0)
    fig.update_yaxes(title="value", row=1, col=1)
    fig.update_yaxes(title="anomaly score", row=2, col=1)
    fig.update_xaxes(title="time" if times is not None else "row", row=2, col=1)
    layout(fig, f"The series: {len(starts)} flagged interval(s) (shaded)", height=520)
    table = Table(
        ["start", "end", "flagged rows", "peak", "peak score"],
        [
            [str(s), str(e), int(n), str(p), float(ps)]
            for s, e, n, p, ps in zip(
                starts, ends, intervals["n_flagged"], intervals["peak"], intervals["peak_score"]
            )
        ][:20],
        caption="Flagged intervals (anomalous_intervals), at most 20",
    )
    notes = [
        f"{len(values):,} rows, {values.shape[1]} channel(s)"
        + (f", the first {MAX_CHANNELS} drawn" if values.shape[1] > MAX_CHANNELS else "")
        + f"; window {detector.window_}; threshold {threshold:.4g} ({detector.threshold_!r})."
    ]
    return Section("series", "Series and flagged intervals", notes, [fig], [table])
