"""What every plot needs: matplotlib, imported lazily with an install hint, and labels.

matplotlib is optional (``pip install sk_autoencoder[plot]``): :func:`_pyplot` imports it
when a plot is drawn, selecting the non-interactive Agg backend when there is no display and
no backend was chosen already.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .._display import MISSING_LABEL as MISSING_LABEL

_PLOT_HINT = "install it with `pip install sk_autoencoder[plot]`"


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


def _labels_array(labels, n: int) -> np.ndarray:
    if hasattr(labels, "to_numpy"):  # pandas Series / Categorical
        labels = labels.to_numpy(dtype=object, na_value=None)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"labels must be 1-D with one value per row of Z ({n}), got shape {labels.shape}."
        )
    return labels
