"""Training curves from a fitted estimator's skorch history."""

from __future__ import annotations

import math

import numpy as np

from .._display import best_epoch, history_values, loss_terms
from ._common import _pyplot


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

    curves, same_as_total = _loss_curves(rows)

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
    else:
        fig = ax.get_figure()
    _draw_curves(ax, epochs, curves, same_as_total)
    _mark_best_epoch(ax, epochs, curves)

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


def _loss_curves(rows):
    """``(curves, same_as_total)``: the curves to draw and the terms equal to the total loss."""
    curves = {"train_loss": history_values(rows, "train_loss")}
    valid = history_values(rows, "valid_loss")
    if np.isfinite(valid).any():
        curves["valid_loss"] = valid
    same_as_total = []
    for key in loss_terms(rows):
        values = history_values(rows, key)
        if np.allclose(values, curves["train_loss"], equal_nan=True):
            same_as_total.append(key[len("train_") :])
        else:
            curves[key] = values
    return curves, same_as_total


def _draw_curves(ax, epochs, curves: dict, same_as_total: list) -> None:
    """One line per curve: the total losses bold, the loss terms dashed."""
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


def _mark_best_epoch(ax, epochs, curves: dict) -> None:
    """A star at the lowest ``valid_loss`` (``train_loss`` without validation)."""
    monitor, best = best_epoch(curves)
    monitored = curves[monitor]
    if best is not None:
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
