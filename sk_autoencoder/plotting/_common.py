"""What every plot needs: matplotlib, imported lazily with an install hint, and labels.

matplotlib is optional (``pip install sk_autoencoder[plot]``): :func:`_pyplot` imports it
when a plot is drawn, selecting the non-interactive Agg backend when there is no display and
no backend was chosen already.
"""

from __future__ import annotations

import os
import sys

import numpy as np

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
