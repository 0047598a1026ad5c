"""Images: grids, reconstructions, interpolations and latent traversals.

Every function here lays its images out as one montage (:func:`_draw_montage`) drawn with a
single ``imshow`` and a shared grey (or colour) scale.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._common import _pyplot


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
        X = _images_of_shape(X, image_shape, name)
    else:
        X = _images_of_layout(X, name)
    return X[..., 0] if X.shape[-1] == 1 else X


def _images_of_shape(X: np.ndarray, image_shape, name: str) -> np.ndarray:
    """``X`` as (n, H, W, C) for a given ``image_shape`` (H, W) or (C, H, W)."""
    shape = tuple(int(v) for v in image_shape)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[0] not in (1, 3)):
        raise ValueError(
            f"image_shape must be (H, W) or (C, H, W) with C = 1 (grey) or 3 (RGB), got "
            f"{image_shape!r}."
        )
    c, h, w = (1, *shape) if len(shape) == 2 else shape
    if X.ndim == 2 and X.shape[1] == c * h * w:
        return X.reshape(-1, c, h, w).transpose(0, 2, 3, 1)
    if X.shape[1:] == (c, h, w):
        return X.transpose(0, 2, 3, 1)
    if X.shape[1:] == (h, w, c) or (c == 1 and X.shape[1:] == (h, w)):
        return X.reshape(-1, h, w, c)
    raise ValueError(
        f"{name} of shape {X.shape} do not match image_shape {image_shape!r}: expected "
        f"(n, {c * h * w}), (n, {c}, {h}, {w}) or (n, {h}, {w}, {c})."
    )


def _images_of_layout(X: np.ndarray, name: str) -> np.ndarray:
    """``X`` as (n, H, W, C) without ``image_shape``: the layout told by its shape."""
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(
                f"{name} are 2-D rows of {X.shape[1]} values, not square greyscale images: "
                "pass image_shape=(C, H, W)."
            )
        return X.reshape(-1, side, side, 1)
    if X.ndim == 3:
        return X[..., None]
    if X.ndim == 4 and X.shape[-1] in (1, 3):
        return X
    if X.ndim == 4 and X.shape[1] in (1, 3):
        return X.transpose(0, 2, 3, 1)
    raise ValueError(
        f"Cannot tell the image layout of {name} with shape {X.shape}: expected (n, H, W), "
        "(n, C, H, W) or (n, H, W, C) with C = 1 or 3, or pass image_shape=(C, H, W)."
    )


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
    """Images and their reconstructions (the first ``n`` images).

    One row of inputs, an optional row of noisy inputs, one row of outputs.

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
    """One or more strips of images, e.g. ``VAEGenerator.interpolate(x_a, x_b, n_steps)``.

    Such a strip is a path through the code; :func:`plot_traversal` draws ``VAEGenerator.traverse``.

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
