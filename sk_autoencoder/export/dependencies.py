"""The optional packages of ONNX export, imported when first needed."""

from __future__ import annotations

import importlib

ONNX_HINT = "install them with `pip install sk_autoencoder[onnx]` (onnx, onnxruntime, skl2onnx)"


def require(*names: str):
    """Import ``names`` (e.g. ``"onnx"``, ``"skl2onnx"``), or fail naming the extra to install."""
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as exc:
            raise ImportError(f"ONNX export needs the package {name!r}; {ONNX_HINT}.") from exc
    return modules[0] if len(modules) == 1 else modules
