"""Scoring a fitted detector against labels (:func:`evaluate_detector`)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

__all__ = ["evaluate_detector"]


def evaluate_detector(detector, X, y) -> dict:
    """ROC-AUC, average precision and precision/recall at the fitted threshold.

    ``detector``: a fitted outlier detector (``score_samples`` higher = more normal,
    ``predict`` in {+1, -1}); ``y``: 1 (or True) for anomalies, 0 for normal rows.
    Returns a dict with ``roc_auc``, ``average_precision``, ``precision``, ``recall``,
    ``f1``, ``flagged_share`` and ``n_flagged``.
    """
    y = np.asarray(y).astype(int)
    anomaly = -np.asarray(detector.score_samples(X), dtype=float)
    flagged = (np.asarray(detector.predict(X)) == -1).astype(int)
    prec = precision_score(y, flagged, zero_division=0)
    rec = recall_score(y, flagged, zero_division=0)
    return {
        "roc_auc": float(roc_auc_score(y, anomaly)),
        "average_precision": float(average_precision_score(y, anomaly)),
        "precision": float(prec),
        "recall": float(rec),
        "f1": float(0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)),
        "flagged_share": float(flagged.mean()),
        "n_flagged": int(flagged.sum()),
    }
