"""Rate-distortion curves of image codecs."""

from __future__ import annotations

import numpy as np

from ._common import _pyplot


def _points(curve) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(curve, dict):
        bpp, quality = curve.get("bpp"), curve.get("psnr")
        if bpp is None or quality is None:
            raise ValueError("a curve given as a dict needs the keys 'bpp' and 'psnr'.")
    else:
        pairs = np.asarray(curve, dtype=float)
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError(
                "a curve must be a dict {'bpp': [...], 'psnr': [...]} or a list of "
                f"(bpp, psnr) pairs, got an array of shape {pairs.shape}."
            )
        bpp, quality = pairs[:, 0], pairs[:, 1]
    bpp, quality = np.asarray(bpp, dtype=float), np.asarray(quality, dtype=float)
    if bpp.shape != quality.shape or bpp.ndim != 1 or not len(bpp):
        raise ValueError("a curve needs as many bpp values as PSNR values (at least one).")
    order = np.argsort(bpp)
    return bpp[order], quality[order]


def plot_rate_distortion(curves: dict, ax=None, *, title: str | None = None, targets=None):
    """Rate-distortion curves: bits per pixel on x, PSNR (dB) on y, one line per method.

    Parameters
    ----------
    curves : dict
        ``method name -> {"bpp": [...], "psnr": [...]}`` or ``-> [(bpp, psnr), ...]``.
    ax : matplotlib Axes, optional
    title : str, optional
    targets : list of (bpp, psnr), optional
        Points to mark (e.g. quality targets), drawn as crosses.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from sk_autoencoder.plotting import plot_rate_distortion
    >>> fig = plot_rate_distortion({"ours": [(0.3, 24.0), (0.6, 27.0)],
    ...                             "JPEG": {"bpp": [0.8, 1.4], "psnr": [21.8, 25.1]}})
    >>> fig.axes[0].get_xlabel()
    'bits per pixel'
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict: method name -> points.")
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4.2))
    else:
        fig = ax.figure
    for name, curve in curves.items():
        bpp, quality = _points(curve)
        ax.plot(bpp, quality, marker="o", markersize=4, label=str(name))
    if targets:
        t = np.asarray(targets, dtype=float).reshape(-1, 2)
        ax.plot(t[:, 0], t[:, 1], "kx", markersize=9, mew=2, label="targets", linestyle="none")
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
