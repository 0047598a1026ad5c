"""The embedding of a report: the codes in 3-D (or 2-D) beside PCA's embedding of the rows."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from .._display import MISSING_LABEL, colour_scale_values, level_name, level_order
from .figures import MISSING_COLOUR, compact, layout, palette, plotly, robust_range
from .page import Section


def _display(Z: np.ndarray, dims: int, seed) -> tuple[np.ndarray, str]:
    """``Z`` in ``dims`` dimensions (principal axes when it has more; jitter for one)."""
    if Z.shape[1] > dims:
        pca = PCA(dims, random_state=0).fit(Z)
        share = pca.explained_variance_ratio_.sum()
        return pca.transform(Z), f"projected onto its {dims} principal axes ({share:.0%})"
    if Z.shape[1] == 1:
        jitter = np.random.default_rng(seed).uniform(-0.5, 0.5, len(Z))
        return np.column_stack([Z[:, 0], jitter]), "one dimension, spread by random jitter"
    return Z, ""


def _pca(X: np.ndarray, dims: int, seed) -> tuple[np.ndarray, str]:
    """PCA's embedding of ``X`` in ``dims`` dimensions (zeros where ``X`` has fewer)."""
    n_comp = max(1, min(dims, X.shape[1], len(X)))
    pca = PCA(n_comp, random_state=0).fit(X)
    note = f"PCA({n_comp}) of the same rows ({pca.explained_variance_ratio_.sum():.0%} variance)"
    P, _ = _display(pca.transform(X), dims, seed)
    if P.shape[1] < dims:
        P = np.column_stack([P, np.zeros((len(P), dims - P.shape[1]))])
    return P, note


def _coords(P: np.ndarray) -> dict:
    out = {"x": compact(P[:, 0]), "y": compact(P[:, 1])}
    if P.shape[1] == 3:
        out["z"] = compact(P[:, 2])
    return out


def _axes(P: np.ndarray, names: list) -> dict:
    keys = ["xaxis", "yaxis", "zaxis"][: P.shape[1]]
    return {
        k: {"title": n, "range": robust_range(P[:, j])} for j, (k, n) in enumerate(zip(keys, names))
    }


def _traces(go, P, rows, colour):
    """Traces of one panel: one per label level, or one with a colour scale."""
    trace = go.Scatter3d if P.shape[1] == 3 else go.Scatter
    size = 2.5 if P.shape[1] == 3 else 5
    hover = "row %{customdata}<extra>%{fullData.name}</extra>"
    if colour["levels"] is not None:
        names, levels, counts = colour["levels"]
        for level, col, count in zip(levels, colour["colours"], counts):
            mask = names == level
            yield trace(
                **_coords(P[mask]),
                mode="markers",
                name=f"{level} ({count:,})",
                legendgroup=level,
                marker={"size": size, "color": col, "opacity": 0.7},
                customdata=rows[mask],
                hovertemplate=hover,
            )
        return
    values = colour["values"]
    lo, hi = np.nanpercentile(values, [1, 99]) if np.isfinite(values).any() else (0, 1)
    yield trace(
        **_coords(P),
        mode="markers",
        name=colour["name"],
        marker={
            "size": size,
            "color": compact(values),
            "colorscale": "Viridis",
            "cmin": float(lo),
            "cmax": float(hi) if hi > lo else float(lo) + 1e-9,
            "opacity": 0.7,
            "colorbar": {"title": {"text": colour["name"]}, "len": 0.7},
        },
        customdata=rows,
        hovertemplate="row %{customdata}<br>"
        + colour["name"]
        + " %{marker.color:.4g}<extra></extra>",
    )


def colouring(labels, values, value_name: str, all_labels=None) -> dict:
    """How points are coloured: by label level (counts over ``all_labels``) or by value."""
    if labels is not None:
        numeric = colour_scale_values(labels)
        if numeric is None:
            names = np.array([level_name(v) for v in labels], dtype=object)
            every = names if all_labels is None else np.array([level_name(v) for v in all_labels])
            levels = level_order(every)
            counts = [int(np.sum(every == lv)) for lv in levels]
            colours = [
                MISSING_COLOUR if lv == MISSING_LABEL else c
                for lv, c in zip(levels, palette(len(levels)))
            ]
            return {"levels": (names, levels, counts), "colours": colours}
        values, value_name = numeric, "y"
    return {"levels": None, "values": np.asarray(values, float), "name": value_name}


def embedding_section(codes, X_model, rows, colour: dict, *, seed, notes: list) -> Section:
    """Codes (n, k) beside PCA of the model input (n, d); both coloured by ``colour``."""
    go, make_subplots = plotly()
    codes = np.asarray(codes, dtype=np.float64)
    X_model = np.asarray(X_model, dtype=np.float64).reshape(len(X_model), -1)
    dims = 3 if codes.shape[1] >= 3 else 2
    P_code, how = _display(codes, dims, seed)
    P_pca, pca_note = _pca(X_model, dims if codes.shape[1] > 1 else 1, seed)
    kind = "scene" if dims == 3 else "xy"
    title = f"Autoencoder code ({codes.shape[1]}-D" + (f", {how})" if how else ")")
    fig = make_subplots(
        rows=1,
        cols=2,
        specs=[[{"type": kind}, {"type": kind}]],
        subplot_titles=[title, pca_note],
        horizontal_spacing=0.04 if dims == 3 else 0.08,
    )
    for col, P in ((1, P_code), (2, P_pca)):
        for trace in _traces(go, P, np.asarray(rows), colour):
            if col == 2:
                trace.showlegend = False
                if colour["levels"] is None:
                    trace.marker.showscale = False
            fig.add_trace(trace, row=1, col=col)
    code_names = [f"code {j}" for j in range(dims)]
    pca_names = [f"PC {j + 1}" for j in range(dims)]
    if dims == 3:
        fig.update_layout(scene=_axes(P_code, code_names), scene2=_axes(P_pca, pca_names))
    else:
        for col, (P, names) in enumerate(((P_code, code_names), (P_pca, pca_names)), start=1):
            axes = _axes(P, names)
            fig.update_xaxes(**axes["xaxis"], row=1, col=col)
            fig.update_yaxes(**axes["yaxis"], row=1, col=col)
    layout(fig, "", height=560)
    fig.update_layout(margin={"t": 40})
    section = Section("embedding", "Embedding", notes=list(notes))
    section.notes.append(
        "Drag to rotate, scroll to zoom, click a legend entry to hide a group. Axes show the "
        "0.5-99.5 percentile range of the points (plus 10%), so that a few far points do not "
        "squeeze the rest into one blob; zoom out to see them."
    )
    section.figures.append(fig)
    return section
