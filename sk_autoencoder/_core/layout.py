"""Image and window layouts: shaped arrays <-> the 2-D rows the networks see.

A layout is one of ``"flat"`` (n, C*H*W), ``"channels_first"`` (n, C, H, W), ``"no_channel"``
(n, H, W) for one channel and ``"channels_last"`` (n, H, W, C); windows are (C, L) samples the
same way. Outputs are returned in the caller's layout.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

LAYOUTS = ("flat", "channels_first", "no_channel", "channels_last")


def detect_layout(X, shape, *, reset: bool, owner: str):
    """``(image_shape, layout)`` of ``X``.

    ``shape`` is the known shape of one sample (``image_shape`` at fit, ``image_shape_``
    after), or None; with ``reset`` (fitting) a missing shape is guessed from ``X``'s own.
    """
    shape = None if shape is None else tuple(int(s) for s in shape)
    ndim = getattr(X, "ndim", 2)
    if ndim <= 2:
        return shape, "flat"
    dims = tuple(X.shape[1:])
    if shape is None:
        if not reset:  # fitted on flat rows without image_shape
            raise ValueError(
                f"X has shape {X.shape}, but {owner} was fitted on 2-D rows "
                "without image_shape; pass X as (n_samples, n_features)."
            )
        return _guess(X, dims)
    c, *spatial = shape
    if dims == shape:
        return shape, "channels_first"
    if c == 1 and dims == tuple(spatial):
        return shape, "no_channel"
    if dims == (*spatial, c):
        return shape, "channels_last"
    raise ValueError(
        f"X has shape {X.shape}, which does not match image_shape={shape}: expected "
        f"(n, {c * math.prod(spatial)}), (n, {', '.join(map(str, shape))}) or "
        f"(n, {', '.join(map(str, (*spatial, c)))})."
    )


def _guess(X, dims):
    if len(dims) == 3 and dims[0] in (1, 3, 4) and dims[2] in (1, 3, 4):
        c, h, w = dims[2], dims[0], dims[1]  # the rule below reads these as channels last
        warnings.warn(
            f"X with shape {X.shape} could be (n, C, H, W) or (n, H, W, C); it is read as "
            f"channels last: {c} channels of {h} x {w}. Pass image_shape=(C, H, W) to say "
            "which.",
            UserWarning,
            stacklevel=4,
        )
    if len(dims) == 2:
        return (1, *dims), "no_channel"
    if len(dims) == 3 and dims[0] in (1, 3, 4) and dims[2] not in (1, 3, 4):
        return dims, "channels_first"
    if len(dims) == 3 and dims[2] in (1, 3, 4):
        return (dims[2], *dims[:2]), "channels_last"
    raise ValueError(
        f"cannot tell the layout of X with shape {X.shape}: pass image_shape=(C, H, W)."
    )


def flatten(X, layout: str):
    """Samples in ``layout`` as rows (n, C*H*W), channel-major."""
    if layout == "flat":
        return X
    X = np.asarray(X)
    if layout == "channels_last":
        X = np.moveaxis(X, -1, 1)
    return X.reshape(X.shape[0], math.prod(X.shape[1:]))  # also for zero samples


def to_layout(A: np.ndarray, shape, layout: str) -> np.ndarray:
    """Rows (n, C*H*W) back to ``layout``."""
    if layout == "flat" or shape is None:
        return A
    A = A.reshape(A.shape[0], *shape)
    if layout == "no_channel":
        return A[:, 0]
    if layout == "channels_last":
        return np.moveaxis(A, 1, -1)
    return A


def check_not_one_sample(X, shape, n_features: int, owner: str) -> None:
    """Refuse one image (or window) passed where a batch is expected, naming the fix."""
    dims = tuple(getattr(X, "shape", ()))
    c, *spatial = shape
    one = {tuple(shape), (*spatial, c)} | ({tuple(spatial)} if c == 1 else set())
    as_batch = dims[1:] in one or (len(dims) == 2 and dims[-1] == n_features)
    if dims in one and not as_batch:
        raise ValueError(
            f"X has shape {dims}, the shape of one sample for {owner} (fitted on samples of "
            f"shape {tuple(shape)}); pass a batch, e.g. X[None] of shape {(1, *dims)}."
        )
