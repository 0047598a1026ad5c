"""The training curves of a report: every named loss term of skorch's history, best epoch."""

from __future__ import annotations

import numpy as np

from .figures import layout, plotly
from .page import Section

_NOT_TERMS = ("train_loss", "valid_loss", "train_batch_size", "valid_batch_size")


def _series(rows, key) -> np.ndarray:
    return np.array([float(row.get(key, np.nan)) for row in rows], dtype=np.float64)


def _curve_keys(rows) -> list:
    """``train_loss``, ``valid_loss``, then every ``train_<term>`` / ``valid_<term>``."""
    keys = ["train_loss", "valid_loss"]
    for row in rows:
        for key in row:
            if (
                key.startswith(("train_", "valid_"))
                and key not in _NOT_TERMS
                and not key.endswith(("_best", "_count"))
                and isinstance(row[key], (int, float))
                and key not in keys
            ):
                keys.append(key)
    return keys


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
    for key in _curve_keys(rows):
        values = _series(rows, key)
        if not np.isfinite(values).any():
            continue
        total = curves.get(key[:6] + "loss")
        if total is not None and np.allclose(values, total, equal_nan=True):
            continue  # a single term equal to the total loss: drawn once
        curves[key] = values
        bold = key in ("train_loss", "valid_loss")
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=values,
                name=key,
                mode="lines+markers" if len(epochs) <= 30 else "lines",
                line={"width": 2.5 if bold else 1.3, "dash": None if bold else "dash"},
            )
        )
    monitor = "valid_loss" if "valid_loss" in curves else "train_loss"
    best = int(np.nanargmin(curves[monitor]))
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
