"""Which columns are reconstructed worst: per-column error bars and a table of the worst."""

from __future__ import annotations

import numpy as np

from .._display import column_shares
from .figures import compact, layout, plotly
from .page import Section, Table

#: Bars drawn at most (the columns with the largest error).
MAX_BARS = 30
KIND_LOSS = {
    "numeric": "squared error (standardised; with its missing-indicator's cross-entropy)",
    "categorical": "cross-entropy of the one-hot level",
    "value": "per-column loss",
}


def _bars(go, names, values, title: str, axis: str):
    order = np.argsort(-values, kind="stable")[:MAX_BARS]
    fig = go.Figure(
        go.Bar(x=[names[i] for i in order], y=compact(values[order]), marker={"color": "#4c78a8"})
    )
    fig.update_yaxes(title=axis)
    layout(fig, title, height=380)
    return fig


def error_section(E: np.ndarray, columns: list, *, image_shape=None, notes=()) -> Section:
    """Mean per-column loss ``E`` (rows, model columns) per input column of ``columns``."""
    go, _ = plotly()
    section = Section("columns", "Reconstruction error per column", notes=list(notes))
    per_col = np.array([E[:, c.start : c.stop].sum(axis=1).mean() for c in columns])
    names = [c.name for c in columns]
    if image_shape is not None and len(image_shape) == 3:
        C, H, W = image_shape
        grid = E.mean(axis=0).reshape(C, H, W).mean(axis=0)
        fig = go.Figure(go.Heatmap(z=compact(grid[::-1]), colorscale="Viridis"))
        fig.update_xaxes(title="pixel column")
        fig.update_yaxes(title="pixel row (from the bottom)", scaleanchor="x")
        layout(fig, "Mean loss per pixel (averaged over channels)", height=420)
        section.figures.append(fig)
    else:
        kinds = sorted({c.kind for c in columns})
        loss = KIND_LOSS[kinds[0]] if len(kinds) == 1 else "loss (per column kind below)"
        shown = "" if len(columns) <= MAX_BARS else f" (the {MAX_BARS} worst of {len(columns)})"
        section.figures.append(
            _bars(go, names, per_col, f"Mean reconstruction loss per column{shown}", loss)
        )
    total = float(per_col.sum()) or 1.0
    worst = np.argsort(-per_col, kind="stable")[:10]
    section.tables.append(
        Table(
            ["column", "kind", "loss", "mean loss", "share of the total"],
            [
                [
                    names[i],
                    columns[i].kind,
                    KIND_LOSS[columns[i].kind],
                    float(per_col[i]),
                    f"{per_col[i] / total:.1%}",
                ]
                for i in worst
            ],
            caption="The worst-reconstructed columns",
        )
    )
    return section


def share_section(explanation, flagged: np.ndarray, notes=()) -> Section:
    """Mean share of each column in the anomaly score: all rows and the flagged ones."""
    go, _ = plotly()
    names, shares = column_shares(explanation)
    everyone = shares.mean(axis=0)
    some = flagged.any()
    on_flagged = shares[flagged].mean(axis=0) if some else everyone
    order = np.argsort(-on_flagged, kind="stable")[:MAX_BARS]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[names[i] for i in order], y=compact(everyone[order]), name="all rows"))
    if some:
        fig.add_trace(
            go.Bar(
                x=[names[i] for i in order],
                y=compact(on_flagged[order]),
                name=f"flagged rows ({int(flagged.sum()):,})",
            )
        )
    fig.update_yaxes(title="mean share of the anomaly score", tickformat=".0%")
    fig.update_layout(barmode="group")
    layout(fig, "Which columns make rows anomalous (explain)", height=380)
    section = Section("columns", "Columns behind the anomaly scores", notes=list(notes))
    section.figures.append(fig)
    who = "flagged" if some else "all"
    section.tables.append(
        Table(
            ["column", f"mean share ({who} rows)", "mean share (all rows)"],
            [[names[i], f"{on_flagged[i]:.1%}", f"{everyone[i]:.1%}"] for i in order[:10]],
            caption="The columns with the largest share of the anomaly score",
        )
    )
    return section
