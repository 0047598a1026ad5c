"""A generator's part of a report: real and sampled distributions of each column."""

from __future__ import annotations

import numpy as np

from .._core.frames import is_dataframe
from .._display import level_name
from .figures import compact, layout, plotly
from .page import Section

#: Columns drawn at most, and levels per categorical column.
MAX_COLUMNS = 12
MAX_LEVELS = 10
_PER_ROW = 3
_REAL, _SAMPLED = "#4c78a8", "#f58518"


def _columns(frame) -> list:
    """``[(name, values as a 1-D array, is_categorical)]`` of a DataFrame or an array."""
    if is_dataframe(frame):
        out = []
        for c in frame.columns:
            col = frame[c]
            categorical = col.dtype.kind not in "iuf"
            values = col.to_numpy(
                dtype=object if categorical else float, na_value=None if categorical else np.nan
            )
            out.append((str(c), values, categorical))
        return out
    A = np.asarray(frame, dtype=float).reshape(len(frame), -1)
    return [(f"x{j}", A[:, j], False) for j in range(A.shape[1])]


def _numeric(go, fig, real, sampled, row, col, first):
    both = np.concatenate([real, sampled])
    both = both[np.isfinite(both)]
    if not len(both):
        return
    lo, hi = np.percentile(both, [0.5, 99.5])
    size = max((hi - lo) / 30, 1e-12)
    bins = {"start": float(lo), "end": float(hi) + size, "size": float(size)}
    for values, name, colour in ((real, "real", _REAL), (sampled, "sampled", _SAMPLED)):
        values = values[np.isfinite(values)]
        fig.add_trace(
            go.Histogram(
                x=compact(np.clip(values, lo, hi)),
                xbins=bins,
                histnorm="probability",
                name=name,
                legendgroup=name,
                showlegend=first,
                marker={"color": colour},
                opacity=0.55,
            ),
            row=row,
            col=col,
        )


def _categorical(go, fig, real, sampled, row, col, first):
    real_names = np.array([level_name(v) for v in real], dtype=object)
    sampled_names = np.array([level_name(v) for v in sampled], dtype=object)
    levels, counts = np.unique(real_names, return_counts=True)
    levels = list(levels[np.argsort(-counts, kind="stable")][:MAX_LEVELS])
    for values, name, colour in ((real_names, "real", _REAL), (sampled_names, "sampled", _SAMPLED)):
        freq = [float(np.mean(values == lv)) if len(values) else 0.0 for lv in levels]
        fig.add_trace(
            go.Bar(
                x=levels,
                y=compact(freq),
                name=name,
                legendgroup=name,
                showlegend=first,
                marker={"color": colour},
            ),
            row=row,
            col=col,
        )


def samples_section(real, sampled, *, seed, note: str) -> Section:
    """Per column: histograms (numeric) or level frequencies (categorical), real vs sampled."""
    go, make_subplots = plotly()
    real_cols, sampled_cols = _columns(real), _columns(sampled)
    shown = list(zip(real_cols, sampled_cols))[:MAX_COLUMNS]
    n_rows = -(-len(shown) // _PER_ROW)
    fig = make_subplots(
        rows=n_rows,
        cols=_PER_ROW,
        subplot_titles=[name for (name, _, _), _ in shown],
        vertical_spacing=min(0.12, 0.6 / max(n_rows, 1)),
    )
    for i, ((_, values, categorical), (_, drawn, _)) in enumerate(shown):
        draw = _categorical if categorical else _numeric
        draw(go, fig, values, drawn, i // _PER_ROW + 1, i % _PER_ROW + 1, i == 0)
    fig.update_layout(barmode="overlay")
    for trace in fig.data:
        if isinstance(trace, go.Bar):
            trace.update(opacity=0.75)
    fig.update_layout(bargap=0.1)
    layout(fig, "Real vs sampled rows, column by column", height=max(300, 260 * n_rows))
    notes = [
        f"{len(sampled):,} rows sampled (random_state={seed}) against {len(real):,} real rows; "
        + note
    ]
    if len(real_cols) > MAX_COLUMNS:
        notes.append(f"The first {MAX_COLUMNS} of {len(real_cols)} columns are drawn.")
    return Section("samples", "Sampled rows", notes=notes, figures=[fig])
