"""The training curves of a report: every named loss term of skorch's history, best epoch."""

from __future__ import annotations

import numpy as np

from .._display import TOTAL_LOSSES, best_epoch, history_values, loss_terms
from .figures import layout, plotly
from .page import Section


def training_section(rows: list, whose: str, restored: int | None = None) -> Section:
    """Loss curves (totals bold, terms dashed) with the best epoch marked.

    ``restored``: the epoch whose weights early stopping restored (None without early
    stopping: the lowest monitored loss is marked, the last epoch's weights are the model's).
    """
    section = Section("training", "Training curves")
    if not rows:
        section.notes.append(f"{whose} has no training history (it was loaded or not trained).")
        return section
    go, _ = plotly()
    epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(rows)], dtype=float)
    fig = go.Figure()
    curves = {}
    for key in [*TOTAL_LOSSES, *loss_terms(rows, ("train_", "valid_"))]:
        values = history_values(rows, key)
        if not np.isfinite(values).any():
            continue
        total = curves.get(key[:6] + "loss")
        if total is not None and np.allclose(values, total, equal_nan=True):
            continue  # a single term equal to the total loss: drawn once
        curves[key] = values
        bold = key in TOTAL_LOSSES
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=values,
                name=key,
                mode="lines+markers" if len(epochs) <= 30 else "lines",
                line={"width": 2.5 if bold else 1.3, "dash": None if bold else "dash"},
            )
        )
    monitor, best = best_epoch(curves)
    if restored is not None and restored in epochs:
        best = int(np.flatnonzero(epochs == restored)[0])
    fig.add_trace(
        go.Scatter(
            x=[epochs[best]],
            y=[curves[monitor][best]],
            name=f"best epoch {int(epochs[best])}",
            mode="markers",
            marker={"symbol": "star", "size": 16, "color": "crimson"},
        )
    )
    fig.add_vline(x=float(epochs[best]), line={"color": "grey", "dash": "dot", "width": 1})
    drawn = np.concatenate([v[np.isfinite(v)] for v in curves.values()])
    log = drawn.min() > 0 and drawn.max() / drawn.min() > 10
    fig.update_yaxes(title="loss", type="log" if log else "linear")
    fig.update_xaxes(title="epoch")
    layout(fig, f"Loss per epoch of {whose}", height=380)
    section.figures.append(fig)
    terms = [k for k in curves if k not in ("train_loss", "valid_loss")]
    kept = (
        "whose weights early stopping restored"
        if restored is not None
        else f"the weights kept are the last epoch's ({int(epochs[-1])}: no early stopping)"
    )
    section.notes.append(
        f"{len(rows)} epochs. Best epoch {int(epochs[best])}: the lowest {monitor} "
        f"({curves[monitor][best]:.4g}), {kept}. "
        + (f"Loss terms: {', '.join(terms)}." if terms else "The loss has a single term.")
    )
    return section
