"""What both outlier detectors share.

Robust statistics, the code-space distance, threshold rules, per-feature shares and scikit-learn's
outlier methods.

:class:`~sk_autoencoder.AutoencoderOutlierDetector` (tables) and
:class:`~sk_autoencoder.SeriesOutlierDetector` (series) score differently but normalise,
threshold and explain their scores the same way; each rule lives here once.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "MAD_TO_SD",
    "OutlierScoresMixin",
    "calibrate_offset",
    "code_distribution",
    "feature_shares",
    "mahalanobis",
    "robust_center_scale",
    "threshold_rule",
    "threshold_rules",
]

# Consistency constant of the MAD for a normal distribution.
MAD_TO_SD = 1.4826


# ---------------------------------------------------------------------- robust statistics
def robust_center_scale(ref: np.ndarray, axis: int = 0):
    """Median and MAD-based scale of ``ref`` along ``axis``.

    A zero scale (constant errors) is lifted to a small share of the mean scale, so constant columns
    give finite z-scores.
    """
    med = np.median(ref, axis=axis)
    mad = np.median(np.abs(ref - med), axis=axis) * MAD_TO_SD
    floor = 1e-2 * float(np.mean(mad)) if np.size(mad) else 0.0
    return med, mad + floor + 1e-12


# ---------------------------------------------------------------------- code-space distance
def code_distribution(codes: np.ndarray):
    """Mean and precision of codes ``(n, k)``.

    The precision is the pseudo-inverse of the covariance, its diagonal lifted by a millionth of the
    mean variance.
    """
    mu = codes.mean(axis=0)
    cov = np.atleast_2d(np.cov(codes, rowvar=False))
    cov += (1e-6 * np.trace(cov) / len(cov) + 1e-9) * np.eye(len(cov))
    return mu, np.linalg.pinv(cov)


def mahalanobis(codes: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance of each code (row) from ``mean``: (n,)."""
    D = codes - mean
    return np.einsum("ij,jk,ik->i", D, precision, D)


# ---------------------------------------------------------------------- thresholds
def threshold_rule(est) -> str:
    """The rule that sets ``offset_``: a given ``contamination`` overrides ``threshold``."""
    return "contamination" if est.contamination is not None else est.threshold


def calibrate_offset(
    rule: str, scores, *, fpr, mad_k, contamination, contamination_of_normality=False
) -> float:
    """The ``offset_`` of ``rule`` from anomaly ``scores`` (higher = more anomalous).

    ``offset_`` is a threshold on ``score_samples = -anomaly``.

    - ``"fpr"``: minus the ``1 - fpr`` quantile, so about ``fpr`` of rows like ``scores``
      are flagged;
    - ``"mad"``: minus (median + ``mad_k`` x MAD-based scale);
    - ``"contamination"``: the ``contamination`` share of ``scores`` is flagged. The
      tabular detector takes that percentile of the normality scores
      (``contamination_of_normality=True``), the series detector minus the ``1 -
      contamination`` percentile of the anomaly scores; both forms are kept as they were,
      since their rounding differs.
    """
    if rule == "contamination":
        if contamination_of_normality:
            return float(np.percentile(-scores, 100.0 * contamination))
        return -float(np.percentile(scores, 100 * (1 - contamination)))
    if rule == "fpr":
        return -float(np.quantile(scores, 1.0 - fpr))
    med, scale = robust_center_scale(scores)
    return -float(med + mad_k * scale)


# ---------------------------------------------------------------------- explanations
def feature_shares(contrib: np.ndarray) -> np.ndarray:
    """Each feature's share of its row's non-negative contributions ``(n, p)``.

    Uniform (``1 / p``) in rows where every contribution is 0.
    """
    total = contrib.sum(axis=1, keepdims=True)
    p = contrib.shape[1]
    return np.where(total > 0, contrib / np.where(total > 0, total, 1), 1.0 / p)


class OutlierScoresMixin:
    """Scikit-learn's outlier methods from ``reconstruction_error`` and ``offset_``.

    ``reconstruction_error`` is higher for more anomalous rows; ``offset_`` is the fitted threshold.
    """

    def score_samples(self, X) -> np.ndarray:
        """Normality score of each sample (higher = more normal): ``-reconstruction_error(X)``."""
        return -self.reconstruction_error(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)


def _contamination_needed(est):
    if est.threshold == "contamination" and est.contamination is None:
        return 'threshold="contamination" needs contamination=<float>.'
    return None


def threshold_rules(thresholds: tuple) -> list:
    """The ``_core.params.check_params`` rules of the threshold parameters.

    The parameters are ``threshold``, ``contamination``, ``fpr`` and ``holdout_fraction``
    (``thresholds``: the rule names the estimator accepts).
    """
    return [
        ("threshold", lambda v: v in thresholds, f"one of {thresholds}"),
        (
            "contamination",
            lambda v: v is None or (isinstance(v, numbers.Real) and 0 < v <= 0.5),
            "None or a float in (0, 0.5]",
        ),
        _contamination_needed,
        ("fpr", lambda v: 0 < v < 1, "in (0, 1)"),
        ("holdout_fraction", lambda v: 0 < v < 1, "in (0, 1)"),
    ]
