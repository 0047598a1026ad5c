"""Quick-look plots for fitted autoencoders: code embeddings, training curves and images.

matplotlib is optional (``pip install sk_autoencoder[plot]``) and imported only when a function
here is called; nothing else in the package imports this module. Without a display (e.g. on a
server) the non-interactive Agg backend is selected, unless a backend was chosen already.

Every function returns the :class:`matplotlib.figure.Figure` it drew on, so the caller can
``fig.savefig(...)`` it.
"""

from __future__ import annotations

import math
import numbers
import os
import sys

import numpy as np

__all__ = [
    "plot_embedding",
    "plot_image_grid",
    "plot_interpolation",
    "plot_loss_curves",
    "plot_reconstructions",
    "plot_series_anomalies",
    "plot_traversal",
]

_PLOT_HINT = "install it with `pip install sk_autoencoder[plot]`"
#: Above this many unique numeric label values the labels are drawn as a colour scale.
_MAX_LEVELS = 20
#: Label used for missing label values (None, NaN).
MISSING_LABEL = "missing"


def _has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _pyplot():
    """Import ``matplotlib.pyplot`` (Agg when there is no display), or fail with a hint."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(f"sk_autoencoder.plotting needs matplotlib; {_PLOT_HINT}.") from exc
    if (
        "matplotlib.pyplot" not in sys.modules
        and not os.environ.get("MPLBACKEND")
        and not _has_display()
    ):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _is_missing(v) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pd.NA-free float check
    except (TypeError, ValueError):
        return type(v).__name__ in ("NAType", "NaTType")


def _labels_array(labels, n: int) -> np.ndarray:
    if hasattr(labels, "to_numpy"):  # pandas Series / Categorical
        labels = labels.to_numpy(dtype=object, na_value=None)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"labels must be 1-D with one value per row of Z ({n}), got shape {labels.shape}."
        )
    return labels


def _level_name(v) -> str:
    if _is_missing(v):
        return MISSING_LABEL
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


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
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] not in (2, 3):
        raise ValueError(
            f"plot_embedding draws 2-D or 3-D codes: Z must have shape (n_samples, 2) or "
            f"(n_samples, 3), got {Z.shape}."
        )
    n, k = Z.shape
    if labels is not None:
        labels = _labels_array(labels, n)

    shown = np.arange(n)
    if max_points is not None and n > max_points:
        rng = np.random.default_rng(random_state)
        shown = np.sort(rng.choice(n, size=int(max_points), replace=False))
    Zs = Z[shown]

    if ax is None:
        fig = plt.figure(figsize=(8, 6.5) if k == 3 else (7, 6))
        ax = fig.add_subplot(projection="3d" if k == 3 else None)
    else:
        fig = ax.get_figure()
        if k == 3 and getattr(ax, "name", "") != "3d":
            raise ValueError(
                "3-D codes need a 3-D Axes: create it with fig.add_subplot(projection='3d')."
            )
    size = point_size if point_size is not None else float(np.clip(4e4 / max(len(Zs), 1), 1, 30))

    clip = {}
    if zoom_quantile is not None:
        if not 0 <= zoom_quantile < 0.5:
            raise ValueError(f"zoom_quantile must be in [0, 0.5), got {zoom_quantile!r}.")
        if k == 3:
            clip = {"axlim_clip": True}  # matplotlib >= 3.10; ignored below otherwise

    def scatter(points, **kwargs):
        coords = [points[:, j] for j in range(k)]
        try:
            return ax.scatter(*coords, s=size, alpha=alpha, linewidths=0, **clip, **kwargs)
        except (TypeError, AttributeError):  # older matplotlib: no axlim_clip
            clip.clear()
            return ax.scatter(*coords, s=size, alpha=alpha, linewidths=0, **kwargs)

    if labels is None:
        scatter(Zs, color="tab:blue")
    else:
        lab = labels[shown]
        numeric = lab.dtype.kind in "iuf" or (
            lab.dtype.kind == "O"
            and all(
                isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, (bool, np.bool_))
                or _is_missing(v)
                for v in lab
            )
        )
        values = (
            np.array([np.nan if _is_missing(v) else float(v) for v in lab], dtype=np.float64)
            if numeric
            else None
        )
        if numeric and len(np.unique(values[~np.isnan(values)])) > _MAX_LEVELS:
            ok = ~np.isnan(values)
            if (~ok).any():
                scatter(Zs[~ok], color="lightgrey", label=MISSING_LABEL)
            points = scatter(Zs[ok], c=values[ok], cmap="viridis")
            bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.1 if k == 3 else 0.02)
            if label_name:
                bar.set_label(label_name)
            if (~ok).any():
                ax.legend(loc="best", markerscale=max(1.0, 20 / size) ** 0.5)
        else:
            names = np.array([_level_name(v) for v in lab], dtype=object)
            levels = sorted(set(names), key=lambda s: (s == MISSING_LABEL, s))
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

    names = list(axis_labels) if axis_labels is not None else [f"code {j}" for j in range(k)]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if k == 3:
        ax.set_zlabel(names[2])
    notes = []
    if len(shown) < n:
        notes.append(f"random {len(shown):,} of {n:,} points shown, seed {random_state}")
    if zoom_quantile is not None and len(Zs):
        lo, hi = np.nanquantile(Zs, [zoom_quantile, 1 - zoom_quantile], axis=0)
        pad = 0.05 * np.maximum(hi - lo, 1e-12)
        setters = [ax.set_xlim, ax.set_ylim] + ([ax.set_zlim] if k == 3 else [])
        for j, set_lim in enumerate(setters):
            set_lim(lo[j] - pad[j], hi[j] + pad[j])
        notes.append(f"axes zoomed to the {zoom_quantile:g}-{1 - zoom_quantile:g} quantiles")
    text = title if title is not None else f"Code ({k}-D)"
    if notes:
        text += "\n(" + "; ".join(notes) + ")"
    ax.set_title(text)
    return fig


def _final_estimator(estimator):
    """The fitted autoencoder inside ``estimator`` (itself, or a pipeline's last step)."""
    steps = getattr(estimator, "steps", None)
    if steps:
        estimator = steps[-1][1]
    return estimator


def _history_rows(estimator) -> list:
    est = _final_estimator(estimator)
    history = getattr(est, "history_", None)
    if history is None:
        history = getattr(est, "history", None)
    if history is None or len(history) == 0:
        raise ValueError(
            f"{type(est).__name__} has no training history: fit it first (plot_loss_curves "
            "needs a skorch-based estimator such as AutoencoderTransformer or VAEGenerator)."
        )
    return list(history)


def _series(rows, key) -> np.ndarray:
    return np.array([float(row.get(key, np.nan)) for row in rows], dtype=np.float64)


def plot_loss_curves(estimator, ax=None, *, logy="auto", title: str | None = None):
    """Training curves from a fitted estimator's skorch ``history``.

    Draws ``train_loss``, ``valid_loss`` (when there was a validation split) and each named
    loss term ``train_<name>`` (e.g. ``train_reconstruction``, ``train_kl``,
    ``train_sparsity``; a term equal to the total loss in every epoch is not drawn again), and
    marks the best epoch - the lowest ``valid_loss``, or ``train_loss`` without a validation
    split, which is the epoch whose weights early stopping restores.

    Parameters
    ----------
    estimator : fitted AutoencoderTransformer, VAEGenerator, or a Pipeline ending in one
    ax : matplotlib Axes, default=None
        A new figure if None.
    logy : "auto" or bool, default="auto"
        Logarithmic loss axis; "auto" uses one when every value drawn is positive and they
        span more than a factor of 10 (a VAE's loss in nats can be negative).
    title : str, default=None
        Default: the estimator's class name.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    rows = _history_rows(estimator)
    est = _final_estimator(estimator)
    epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(rows)], dtype=np.float64)

    curves = {"train_loss": _series(rows, "train_loss")}
    valid = _series(rows, "valid_loss")
    if np.isfinite(valid).any():
        curves["valid_loss"] = valid
    terms = []
    for row in rows:
        for key in row:
            if (
                key.startswith("train_")
                and key not in ("train_loss", "train_batch_size", "train_batch_count")
                and not key.endswith("_best")
                and key not in terms
            ):
                terms.append(key)
    same_as_total = []
    for key in terms:
        values = _series(rows, key)
        if np.allclose(values, curves["train_loss"], equal_nan=True):
            same_as_total.append(key[len("train_") :])
        else:
            curves[key] = values

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
    else:
        fig = ax.get_figure()
    styles = {
        "train_loss": dict(color="tab:blue", lw=2),
        "valid_loss": dict(color="tab:orange", lw=2),
    }
    for key, values in curves.items():
        label = key
        if key == "train_loss" and same_as_total:
            label += f" (= {', '.join(same_as_total)})"
        style = styles.get(key, dict(lw=1.2, ls="--"))
        ax.plot(
            epochs, values, marker="o" if len(epochs) <= 30 else None, ms=3, label=label, **style
        )

    monitor = "valid_loss" if "valid_loss" in curves else "train_loss"
    monitored = curves[monitor]
    if np.isfinite(monitored).any():
        best = int(np.nanargmin(monitored))
        ax.axvline(epochs[best], color="grey", ls=":", lw=1)
        ax.plot(
            [epochs[best]],
            [monitored[best]],
            marker="*",
            ms=14,
            color="crimson",
            ls="none",
            label=f"best epoch {int(epochs[best])} ({monitor} {monitored[best]:.4g})",
        )

    drawn = np.concatenate([v[np.isfinite(v)] for v in curves.values()])
    if logy == "auto":
        logy = bool(len(drawn)) and drawn.min() > 0 and drawn.max() / drawn.min() > 10
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title if title is not None else f"{type(est).__name__} training")
    ax.grid(alpha=0.3)
    if math.isfinite(float(epochs.max())) and epochs.max() <= 10:
        ax.set_xticks(epochs)
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def plot_anomaly_scores(detector, X, *, labels=None, bins=50, ax=None, title=None):
    """Histogram of a fitted outlier detector's anomaly scores on ``X`` with its threshold.

    The anomaly score is ``-score_samples`` (higher = more anomalous); the vertical line is
    ``-offset_``, above which rows are predicted outliers. With ``labels`` (1 = anomaly) the
    two groups are drawn as separate histograms. Anomaly scores are heavy-tailed: scores
    beyond three times the larger of the 99th percentile and the threshold are drawn in the
    last bin (their count is in the legend), so the bulk and the threshold stay readable.
    Returns the matplotlib Figure.
    """
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    else:
        fig = ax.figure
    scores = -np.asarray(detector.score_samples(X), dtype=float)
    threshold = -float(detector.offset_)
    low = min(scores.min(), threshold)
    top = low + 3 * (max(np.quantile(scores, 0.99), threshold) - low)
    n_beyond = int(np.sum(scores > top))
    shown = np.minimum(scores, top) if n_beyond else scores
    edges = np.histogram_bin_edges(shown, bins=bins)
    if labels is None:
        ax.hist(shown, bins=edges, color="tab:blue", alpha=0.8, label="rows")
    else:
        lab = np.asarray(labels).astype(bool)
        ax.hist(shown[~lab], bins=edges, color="tab:blue", alpha=0.6, label="normal")
        ax.hist(shown[lab], bins=edges, color="tab:red", alpha=0.6, label="anomaly")
    if n_beyond:
        ax.plot([], [], " ", label=f"{n_beyond} rows > {top:.3g} in the last bin")
    rule = getattr(detector, "threshold_", "threshold")
    ax.axvline(threshold, color="k", linestyle="--", label=f"threshold ({rule})")
    ax.set_xlabel("anomaly score (higher = more anomalous)")
    ax.set_ylabel("rows")
    ax.legend(frameon=False)
    ax.set_title(title or f"{type(detector).__name__}: {np.mean(scores > threshold):.1%} flagged")
    fig.tight_layout()
    return fig


def plot_anomaly_contributions(detector, X, *, max_columns=10, ax=None, title=None):
    """Per-row bar chart of column contributions (shares of the anomaly score).

    Uses ``detector.explain(X)``; one group of bars per row of ``X`` (keep ``X`` to a few
    rows), showing the ``max_columns`` columns with the largest total share. Returns the
    matplotlib Figure.
    """
    plt = _pyplot()
    ex = detector.explain(X, top_k=1)
    share_cols = [c for c in ex.columns if str(c).startswith("share:")]
    shares = ex[share_cols].to_numpy(dtype=float)
    names = np.array([str(c)[len("share:") :] for c in share_cols])
    keep = np.argsort(-shares.sum(axis=0), kind="stable")[: int(max_columns)]
    shares, names = shares[:, keep], names[keep]
    n_rows = len(shares)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(keep) * max(1, n_rows) ** 0.5), 3.5))
    else:
        fig = ax.figure
    width = 0.8 / max(1, n_rows)
    x = np.arange(len(keep))
    for i in range(n_rows):
        score = float(ex["anomaly_score"].iloc[i])
        ax.bar(x + i * width, shares[i], width, label=f"row {ex.index[i]} (score {score:.2f})")
    ax.set_xticks(x + width * (n_rows - 1) / 2)
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_ylabel("share of anomaly score")
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(title or "column contributions")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- images


def _as_images(images, image_shape=None, name: str = "images") -> np.ndarray:
    """``images`` as float64 (n, H, W) (greyscale) or (n, H, W, 3) (RGB).

    Accepts 2-D rows (n, C*H*W) - flattened in (C, H, W) order, as the estimators take them -
    with ``image_shape``, or (for square greyscale images) without; and shaped arrays
    (n, H, W), (n, C, H, W) or (n, H, W, C) with C in {1, 3}.
    """
    X = np.asarray(images)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {X.dtype}.")
    X = X.astype(np.float64)
    if X.ndim < 2 or len(X) == 0:
        raise ValueError(
            f"{name} must hold at least one image, as (n, n_pixels) rows or an (n, H, W), "
            f"(n, C, H, W) or (n, H, W, C) array; got shape {X.shape}."
        )
    if image_shape is not None:
        shape = tuple(int(v) for v in image_shape)
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[0] not in (1, 3)):
            raise ValueError(
                f"image_shape must be (H, W) or (C, H, W) with C = 1 (grey) or 3 (RGB), got "
                f"{image_shape!r}."
            )
        c, h, w = (1, *shape) if len(shape) == 2 else shape
        if X.ndim == 2 and X.shape[1] == c * h * w:
            X = X.reshape(-1, c, h, w).transpose(0, 2, 3, 1)
        elif X.shape[1:] == (c, h, w):
            X = X.transpose(0, 2, 3, 1)
        elif X.shape[1:] == (h, w, c) or (c == 1 and X.shape[1:] == (h, w)):
            X = X.reshape(-1, h, w, c)
        else:
            raise ValueError(
                f"{name} of shape {X.shape} do not match image_shape {image_shape!r}: expected "
                f"(n, {c * h * w}), (n, {c}, {h}, {w}) or (n, {h}, {w}, {c})."
            )
    elif X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(
                f"{name} are 2-D rows of {X.shape[1]} values, not square greyscale images: "
                "pass image_shape=(C, H, W)."
            )
        X = X.reshape(-1, side, side, 1)
    elif X.ndim == 3:
        X = X[..., None]
    elif X.ndim == 4 and X.shape[-1] in (1, 3):
        pass
    elif X.ndim == 4 and X.shape[1] in (1, 3):
        X = X.transpose(0, 2, 3, 1)
    else:
        raise ValueError(
            f"Cannot tell the image layout of {name} with shape {X.shape}: expected (n, H, W), "
            "(n, C, H, W) or (n, H, W, C) with C = 1 or 3, or pass image_shape=(C, H, W)."
        )
    return X[..., 0] if X.shape[-1] == 1 else X


def _image_montage(rows: list) -> tuple:
    """Tile rows of images into one canvas scaled to [0, 1], with NaN (white) gaps.

    ``rows``: a list of arrays (n_i, H, W) or (n_i, H, W, 3) of equal image size. One display
    range for all: [0, 1] or [0, 255] when the values lie within, else their min and max.
    Returns ``(canvas, row_centres, column_centres)``.
    """
    lo = min(float(r.min()) for r in rows)
    hi = max(float(r.max()) for r in rows)
    if lo >= 0 and hi <= 1:
        lo, hi = 0.0, 1.0
    elif lo >= 0 and hi <= 255:
        lo, hi = 0.0, 255.0
    elif hi <= lo:
        hi = lo + 1.0
    h, w = rows[0].shape[1:3]
    rgb = rows[0].ndim == 4
    gap = max(1, round(max(h, w) / 14))
    n_cols = max(len(r) for r in rows)
    height = len(rows) * h + (len(rows) - 1) * gap
    width = n_cols * w + (n_cols - 1) * gap
    canvas = np.full((height, width, 3) if rgb else (height, width), np.nan)
    for i, row in enumerate(rows):
        top = i * (h + gap)
        for j, image in enumerate(row):
            left = j * (w + gap)
            canvas[top : top + h, left : left + w] = np.clip((image - lo) / (hi - lo), 0, 1)
    if rgb:
        canvas = np.where(np.isnan(canvas), 1.0, canvas)  # white gaps
    row_centres = [i * (h + gap) + (h - 1) / 2 for i in range(len(rows))]
    column_centres = [j * (w + gap) + (w - 1) / 2 for j in range(n_cols)]
    return canvas, row_centres, column_centres


def _draw_montage(rows, *, ax, title, row_labels=None, column_labels=None):
    """Draw rows of images (see :func:`_image_montage`) on ``ax`` or a new figure."""
    plt = _pyplot()
    shapes = {r.shape[1:] for r in rows}
    if len(shapes) > 1:
        raise ValueError(
            f"All images must have the same size and channels, got image shapes "
            f"{sorted(shapes)}: pass arrays of one layout (and image_shape where needed)."
        )
    canvas, row_centres, column_centres = _image_montage(rows)
    if ax is None:
        h, w = canvas.shape[:2]
        scale = 0.9 / max(rows[0].shape[1:3])  # about 0.9 inch per image
        extra_w = 1.0 if row_labels else 0.3
        extra_h = (0.5 if title else 0.2) + (0.3 if column_labels is not None else 0)
        fig, ax = plt.subplots(figsize=(w * scale + extra_w, h * scale + extra_h))
    else:
        fig = ax.get_figure()
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    ax.imshow(canvas, cmap=None if canvas.ndim == 3 else cmap, vmin=0, vmax=1)
    ax.set_yticks(row_centres if row_labels else [])
    if row_labels:
        ax.set_yticklabels(row_labels)
    if column_labels is not None:
        ax.set_xticks(column_centres[: len(column_labels)])
        ax.set_xticklabels([str(c) for c in column_labels])
    else:
        ax.set_xticks([])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images, *, n_cols: int = 8, image_shape=None, ax=None, title=None):
    """A grid of images, e.g. ``VAEGenerator.sample(n)``.

    Parameters
    ----------
    images : array-like of shape (n, C*H*W), (n, H, W), (n, C, H, W) or (n, H, W, C)
        Greyscale (C = 1) or RGB (C = 3). 2-D rows need ``image_shape`` unless they are
        square greyscale images (e.g. 784 = 28 x 28 values).
    n_cols : int, default=8
        Images per row; as many rows as needed.
    image_shape : tuple (C, H, W) or (H, W), default=None
        Shape of one image, as given to the estimators.
    ax : matplotlib Axes, default=None
        A new figure if None.
    title : str, default=None

    Returns
    -------
    fig : matplotlib.figure.Figure

    Notes
    -----
    All images share one grey (or colour) scale: [0, 1] or [0, 255] when the values lie
    within it, else their minimum and maximum.
    """
    X = _as_images(images, image_shape)
    if not isinstance(n_cols, numbers.Integral) or n_cols < 1:
        raise ValueError(f"n_cols must be a positive int, got {n_cols!r}.")
    n_cols = min(int(n_cols), len(X))
    rows = [X[start : start + n_cols] for start in range(0, len(X), n_cols)]
    return _draw_montage(rows, ax=ax, title=title)


def plot_reconstructions(
    original,
    reconstructed,
    noisy=None,
    *,
    n: int = 8,
    image_shape=None,
    ax=None,
    title=None,
    row_labels=None,
):
    """Images and their reconstructions: one row of inputs, an optional row of noisy
    inputs, one row of outputs (the first ``n`` images).

    For a denoiser: ``plot_reconstructions(X, model.denoise(X_noisy), X_noisy)``; for a plain
    autoencoder: ``plot_reconstructions(X, model.inverse_transform(model.transform(X)))``.

    Parameters
    ----------
    original, reconstructed : array-like of images
        Same number of images and image size; each may be 2-D rows (n, C*H*W) or shaped
        (n, H, W), (n, C, H, W), (n, H, W, C), independently of the other.
    noisy : array-like of images, default=None
        The corrupted inputs, drawn between the two rows.
    n : int, default=8
        Number of images (columns) shown.
    image_shape : tuple (C, H, W) or (H, W), default=None
        Needed for 2-D rows unless they are square greyscale images.
    ax : matplotlib Axes, default=None
        A new figure if None.
    title : str, default=None
    row_labels : list of str, default=None
        Default: "original", ("noisy",) "output".

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}.")
    named = [("original", original)]
    if noisy is not None:
        named.append(("noisy", noisy))
    named.append(("output", reconstructed))
    rows = [_as_images(images, image_shape, name) for name, images in named]
    counts = {name: len(r) for (name, _), r in zip(named, rows)}
    if len(set(counts.values())) > 1:
        raise ValueError(
            f"original, noisy and reconstructed must hold the same images, got counts {counts}."
        )
    labels = [name for name, _ in named] if row_labels is None else list(row_labels)
    if len(labels) != len(rows):
        raise ValueError(f"row_labels needs {len(rows)} labels, got {len(labels)}.")
    rows = [r[: int(n)] for r in rows]
    return _draw_montage(rows, ax=ax, title=title, row_labels=labels)


def plot_interpolation(
    strip, *, image_shape=None, ax=None, title=None, row_labels=None, column_labels=None
):
    """One or more strips of images, e.g. ``VAEGenerator.interpolate(x_a, x_b, n_steps)``
    (a path through the code); :func:`plot_traversal` draws ``VAEGenerator.traverse``.

    Parameters
    ----------
    strip : array-like of images, or a list of them
        One strip (n_steps images, any layout accepted by :func:`plot_image_grid`), or a list
        of strips drawn one per row.
    image_shape : tuple (C, H, W) or (H, W), default=None
    ax : matplotlib Axes, default=None
        A new figure if None.
    title : str, default=None
    row_labels : list of str, default=None
        One label per strip.
    column_labels : list, default=None
        One label per step, drawn under the columns (e.g. the traversal values).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    strips = list(strip) if isinstance(strip, (list, tuple)) else [strip]
    if not strips:
        raise ValueError("strip is empty: pass an array of images or a list of them.")
    rows = [_as_images(s, image_shape, "strip") for s in strips]
    if row_labels is not None and len(row_labels) != len(rows):
        raise ValueError(f"row_labels needs {len(rows)} labels, got {len(row_labels)}.")
    return _draw_montage(
        rows, ax=ax, title=title, row_labels=row_labels, column_labels=column_labels
    )


def plot_traversal(
    traversal, *, values=None, dims=None, image_shape=None, ax=None, title="Latent traversal"
):
    """Latent traversal grid: one row per code unit, one column per value given to it.

    Parameters
    ----------
    traversal : array-like of shape (n_dims, n_values, ...)
        The output of ``VAEGenerator.traverse(x, dims, values)``: for each code unit varied,
        the decoded images (any layout accepted by :func:`plot_image_grid`).
    values : sequence of float, default=None
        The values of the code unit (column labels), as passed to ``traverse``.
    dims : sequence of int, default=None
        The code units varied (row labels ``z<d>``); default ``0, 1, ...``.
    image_shape : tuple (C, H, W) or (H, W), default=None
    ax : matplotlib Axes, default=None
        A new figure if None.
    title : str, default="Latent traversal"

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    T = np.asarray(traversal)
    if T.ndim < 3:
        raise ValueError(
            f"traversal must have shape (n_dims, n_values, ...) as returned by "
            f"VAEGenerator.traverse, got shape {T.shape}."
        )
    dims = list(range(len(T))) if dims is None else list(dims)
    if len(dims) != len(T):
        raise ValueError(f"dims needs {len(T)} entries (one per row), got {len(dims)}.")
    if values is not None and len(values) != T.shape[1]:
        raise ValueError(f"values needs {T.shape[1]} entries (one per column), got {len(values)}.")
    rows = [_as_images(strip, image_shape, "traversal") for strip in T]
    labels = None if values is None else [f"{float(v):g}" for v in values]
    return _draw_montage(
        rows, ax=ax, title=title, row_labels=[f"z{d}" for d in dims], column_labels=labels
    )


def plot_series_anomalies(detector, X, *, max_channels=4, title=None, figsize=(10, 5)):
    """A series, its anomaly score beneath it, the threshold, and flagged stretches shaded.

    ``detector`` is a fitted :class:`~sk_autoencoder.SeriesOutlierDetector` and ``X`` the
    series it scores (array, Series or DataFrame with times). The top panel draws up to
    ``max_channels`` channels in their own units against time (row position without
    times); the bottom one the anomaly score (``-score_samples``, higher = more anomalous)
    with the threshold ``-offset_``. The intervals of ``detector.anomalous_intervals(X)`` are
    shaded in both. Returns the matplotlib Figure.
    """
    from .timeseries import _split_time

    plt = _pyplot()
    values, times, names, _ = _split_time(X)
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
