"""Pixel types of :class:`~sk_autoencoder.ImageCodec`: uint8 / uint16 / floats in [0, 1]."""

from __future__ import annotations

import numpy as np

_PIXEL_MAX = {"uint8": 255.0, "uint16": 65535.0}


def pixel_type(X) -> str:
    """The pixel type of an image array: ``uint8``, ``uint16``, ``float32`` or ``float64``."""
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        dtype = np.asarray(X).dtype
    name = np.dtype(dtype).name
    if name in ("uint8", "uint16", "float64"):
        return name
    if name == "bool":
        return "float32"  # 0 / 1
    if np.dtype(dtype).kind in "iub":
        raise ValueError(
            f"ImageCodec: integer pixels of dtype {name} are ambiguous; pass uint8 (0-255), "
            "uint16 (0-65535) or floats scaled to [0, 1]."
        )
    return "float32"


def to_unit_range(X: np.ndarray, kind: str) -> np.ndarray:
    """Validated pixels of type ``kind`` on the [0, 1] scale (integer pixels divided)."""
    if kind in _PIXEL_MAX:
        return (X / np.float32(_PIXEL_MAX[kind])).astype(np.float32)
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(
            f"ImageCodec: float pixels must lie in [0, 1], got values in "
            f"[{float(X.min()):.4g}, {float(X.max()):.4g}] (above 1 is too large, below 0 "
            "too small); scale them (X / 255, or sk_autoencoder.ImageScaler), or pass "
            "uint8 images."
        )
    return X


def to_pixels(values: np.ndarray, kind: str) -> np.ndarray:
    """Values on the [0, 1] scale as pixels of type ``kind`` (rounded for integer types)."""
    if kind in _PIXEL_MAX:
        top = _PIXEL_MAX[kind]
        return np.rint(np.clip(values, 0.0, 1.0) * top).astype(kind)
    return values.astype(kind, copy=False)
