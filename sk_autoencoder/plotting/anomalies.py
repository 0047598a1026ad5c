"""Plots of an outlier detector's anomaly scores and of the columns behind them."""

from __future__ import annotations

import numpy as np

from .._display import clipped_scores, column_shares
from ._common import _pyplot


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
    shown, top, n_beyond = clipped_scores(scores, threshold)
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
    names, shares = column_shares(ex)
    names = np.array(names)
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
