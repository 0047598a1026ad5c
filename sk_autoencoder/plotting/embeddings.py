"""Scatter plots of 2-D and 3-D codes, coloured by a label."""

from __future__ import annotations

import functools

import numpy as np

from .._display import MISSING_LABEL, colour_scale_values, level_name, level_order, shown_points
from ._common import _labels_array, _pyplot


def plot_embedding(
    Z,
    labels=None,
    ax=None,
    *,
    max_points: int | None = 20_000,
    random_state=0,
    title: str | None = None,
    label_name: str | None = None,
    palette: dict | None = None,
    point_size: float | None = None,
    alpha: float = 0.5,
    axis_labels=None,
    zoom_quantile: float | None = None,
):
    """Scatter plot of 2-D or 3-D codes, optionally coloured by a label.

    Parameters
    ----------
    Z : array-like of shape (n_samples, 2) or (n_samples, 3)
        Codes, e.g. ``estimator.transform(X)``. Three columns give a 3-D scatter
        (``mpl_toolkits.mplot3d``).
    labels : array-like of shape (n_samples,), default=None
        Colour of each point. Binary, categorical or text labels (and numbers with at most 20
        distinct values) get one colour per level and a legend; missing values (None, NaN) form
        their own level, ``"missing"``. Numbers with more distinct values get a colour scale.
    ax : matplotlib Axes, default=None
        Axes to draw on; a 3-D Axes (``projection="3d"``) for 3-D codes. A new figure if None.
    max_points : int or None, default=20000
        Draw at most this many points, a uniform random subset (seeded by ``random_state``),
        which keeps large data sets fast and legible; the title says when this happened.
        ``None`` draws every point.
    random_state : int or None, default=0
        Seed of the subset.
    title : str, default=None
        Plot title; the subsampling note is appended to it. Default: "Code (k-D)".
    label_name : str, default=None
        Legend title (or colour-bar label), e.g. the label's column name.
    palette : dict, default=None
        ``{level: colour}`` for some or all levels (levels as shown in the legend, i.e.
        strings); others take colours from matplotlib's ``tab10``/``tab20`` cycle.
    point_size : float, default=None
        Marker size; by default smaller for more points.
    alpha : float, default=0.5
    axis_labels : sequence of str, default=None
        Axis labels; ``code 0``, ``code 1``, ... by default.
    zoom_quantile : float or None, default=None
        Limit each axis to the ``[q, 1 - q]`` quantiles of the points drawn (plus a 5% margin)
        so that a few far outliers do not squeeze the bulk of the points into a corner; the
        title says so. ``None`` shows every point.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    Z = _check_codes(Z)
    n, k = Z.shape
    if labels is not None:
        labels = _labels_array(labels, n)

    shown = shown_points(n, max_points, random_state)
    Zs = Z[shown]
    fig, ax = _embedding_axes(plt, ax, k)
    size = point_size if point_size is not None else float(np.clip(4e4 / max(len(Zs), 1), 1, 30))
    clip = _zoom_clip(zoom_quantile, k)
    scatter = functools.partial(_scatter, ax, k, size, alpha, clip)

    if labels is None:
        scatter(Zs, color="tab:blue")
    else:
        lab = labels[shown]
        values = colour_scale_values(lab)
        if values is not None:
            _draw_colour_scale(fig, ax, scatter, Zs, values, k, size, label_name)
        else:
            _draw_levels(plt, ax, scatter, Zs, lab, size, label_name, palette)

    _label_axes(ax, k, axis_labels)
    zoomed = zoom_quantile is not None and len(Zs) > 0
    if zoomed:
        _zoom(ax, Zs, k, zoom_quantile)
    notes = _notes(n, len(shown), random_state, zoom_quantile if zoomed else None)
    text = title if title is not None else f"Code ({k}-D)"
    if notes:
        text += "\n(" + "; ".join(notes) + ")"
    ax.set_title(text)
    return fig


def _notes(n: int, n_shown: int, random_state, zoom_quantile) -> list:
    """What a title says of the points drawn and of the zoom."""
    notes = []
    if n_shown < n:
        notes.append(f"random {n_shown:,} of {n:,} points shown, seed {random_state}")
    if zoom_quantile is not None:
        notes.append(f"axes zoomed to the {zoom_quantile:g}-{1 - zoom_quantile:g} quantiles")
    return notes


def _check_codes(Z) -> np.ndarray:
    """``Z`` as a float64 (n, 2) or (n, 3) array, else a ``ValueError``."""
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] not in (2, 3):
        raise ValueError(
            f"plot_embedding draws 2-D or 3-D codes: Z must have shape (n_samples, 2) or "
            f"(n_samples, 3), got {Z.shape}."
        )
    return Z


def _embedding_axes(plt, ax, k: int):
    """``(fig, ax)``: a new figure for ``k``-D codes, or the given Axes (3-D for 3-D codes)."""
    if ax is None:
        fig = plt.figure(figsize=(8, 6.5) if k == 3 else (7, 6))
        ax = fig.add_subplot(projection="3d" if k == 3 else None)
    else:
        fig = ax.get_figure()
        if k == 3 and getattr(ax, "name", "") != "3d":
            raise ValueError(
                "3-D codes need a 3-D Axes: create it with fig.add_subplot(projection='3d')."
            )
    return fig, ax


def _zoom_clip(zoom_quantile, k: int) -> dict:
    """Extra ``scatter`` arguments of a zoomed 3-D plot (``zoom_quantile`` checked)."""
    clip = {}
    if zoom_quantile is not None:
        if not 0 <= zoom_quantile < 0.5:
            raise ValueError(f"zoom_quantile must be in [0, 0.5), got {zoom_quantile!r}.")
        if k == 3:
            clip = {"axlim_clip": True}  # matplotlib >= 3.10; ignored below otherwise
    return clip


def _scatter(ax, k: int, size: float, alpha: float, clip: dict, points, **kwargs):
    """Draw ``points`` (n, k); ``clip`` is emptied for good if matplotlib refuses it."""
    coords = [points[:, j] for j in range(k)]
    try:
        return ax.scatter(*coords, s=size, alpha=alpha, linewidths=0, **clip, **kwargs)
    except (TypeError, AttributeError):  # older matplotlib: no axlim_clip
        clip.clear()
        return ax.scatter(*coords, s=size, alpha=alpha, linewidths=0, **kwargs)


def _draw_colour_scale(fig, ax, scatter, Zs, values, k: int, size: float, label_name) -> None:
    """Points coloured by numeric ``values`` with a colour bar; missing ones in grey."""
    ok = ~np.isnan(values)
    if (~ok).any():
        scatter(Zs[~ok], color="lightgrey", label=MISSING_LABEL)
    points = scatter(Zs[ok], c=values[ok], cmap="viridis")
    bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.1 if k == 3 else 0.02)
    if label_name:
        bar.set_label(label_name)
    if (~ok).any():
        ax.legend(loc="best", markerscale=max(1.0, 20 / size) ** 0.5)


def _draw_levels(plt, ax, scatter, Zs, lab, size: float, label_name, palette) -> None:
    """One colour and legend entry per label level, ``"missing"`` last."""
    names = np.array([level_name(v) for v in lab], dtype=object)
    levels = level_order(names)
    cycle = plt.get_cmap("tab10" if len(levels) <= 10 else "tab20").colors
    palette = dict(palette or {})
    for i, level in enumerate(levels):
        color = palette.get(level, "lightgrey" if level == MISSING_LABEL else None)
        if color is None:
            color = cycle[i % len(cycle)]
        mask = names == level
        scatter(Zs[mask], color=color, label=f"{level} ({int(mask.sum()):,})")
    legend = ax.legend(title=label_name, loc="best", markerscale=max(1.0, 30 / size) ** 0.5)
    for handle in getattr(legend, "legend_handles", []):
        handle.set_alpha(1.0)


def _label_axes(ax, k: int, axis_labels) -> None:
    """Axis labels: ``axis_labels``, or ``code 0``, ``code 1``, ..."""
    names = list(axis_labels) if axis_labels is not None else [f"code {j}" for j in range(k)]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if k == 3:
        ax.set_zlabel(names[2])


def _zoom(ax, Zs, k: int, zoom_quantile: float) -> None:
    """Limit each axis to the ``[q, 1 - q]`` quantiles of the points drawn, plus 5%."""
    lo, hi = np.nanquantile(Zs, [zoom_quantile, 1 - zoom_quantile], axis=0)
    pad = 0.05 * np.maximum(hi - lo, 1e-12)
    setters = [ax.set_xlim, ax.set_ylim] + ([ax.set_zlim] if k == 3 else [])
    for j, set_lim in enumerate(setters):
        set_lim(lo[j] - pad[j], hi[j] + pad[j])


def plot_embeddings_side_by_side(
    embeddings: dict,
    labels=None,
    *,
    max_points: int | None = 20_000,
    random_state=0,
    title: str | None = None,
    label_name: str | None = None,
    palette: dict | None = None,
    point_size: float | None = 3.0,
    alpha: float = 0.5,
    zoom_quantile: float | None = 0.01,
    axis_labels: dict | None = None,
):
    """Several embeddings of the same rows side by side, one panel each, same colours.

    Parameters
    ----------
    embeddings : dict
        ``{panel title: Z}`` with every ``Z`` of shape (n_samples, 2) or (n_samples, 3), e.g.
        ``{"PCA(3)": pca_codes, "autoencoder": codes}``.
    labels, max_points, random_state, label_name, palette, point_size, alpha, zoom_quantile
        As in :func:`plot_embedding`, for every panel (the same random subset in each). By
        default the axes are zoomed to the 1st-99th percentiles and the points are small
        and translucent, so that the structure of a large data set is not one blob.
    title : str, default=None
        Figure title above the panels; the subsampling and zoom notes are appended to it.
    axis_labels : dict, default=None
        ``{panel title: axis labels}`` for some panels; ``code 0``, ``code 1``, ... otherwise.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    panels = {name: _check_codes(Z) for name, Z in embeddings.items()}
    if not panels:
        raise ValueError("plot_embeddings_side_by_side needs at least one embedding.")
    n = len(next(iter(panels.values())))
    if any(len(Z) != n for Z in panels.values()):
        sizes = {name: len(Z) for name, Z in panels.items()}
        raise ValueError(
            f"plot_embeddings_side_by_side: the embeddings must be of the same rows, got {sizes}."
        )
    fig = plt.figure(figsize=(7 * len(panels), 6.5))
    for i, (name, Z) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), i + 1, projection="3d" if Z.shape[1] == 3 else None)
        plot_embedding(
            Z,
            labels,
            ax=ax,
            max_points=max_points,
            random_state=random_state,
            title=name,
            label_name=label_name,
            palette=palette,
            point_size=point_size,
            alpha=alpha,
            axis_labels=(axis_labels or {}).get(name),
            zoom_quantile=zoom_quantile,
        )
        ax.set_title(name)  # the notes, the same for every panel, go in the figure title
    n_shown = len(shown_points(n, max_points, random_state))
    notes = _notes(n, n_shown, random_state, zoom_quantile if n else None)
    text = "\n".join([t for t in (title, "; ".join(notes)) if t])
    if text:
        fig.suptitle(text)
    fig.tight_layout()
    return fig
