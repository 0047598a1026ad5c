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
    "CONSTANT_MARGIN",
    "MAD_TO_SD",
    "RESOLUTION",
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
# Spreads at or below this share of ``1 + |centre|`` are float rounding, not variation: the
# scores come from float32 networks (see :func:`robust_center_scale`).
RESOLUTION = 1e-6
# How far above scores without spread the "fpr" and "contamination" thresholds are put.
CONSTANT_MARGIN = 1e-3
# Consistency constant of the mean absolute deviation for a normal distribution (sqrt(pi / 2)).
_MEAN_AD_TO_SD = 1.2533


def _spread_free(spread, center) -> bool:
    """True when no entry of ``spread`` exceeds the float resolution of its ``center``."""
    return np.size(spread) > 0 and bool(np.all(spread <= RESOLUTION * (1 + np.abs(center))))


def robust_center_scale(ref: np.ndarray, axis: int = 0):
    """Median and MAD-based scale of ``ref`` along ``axis``.

    A zero scale (constant errors) is lifted to a small share of the mean scale, so constant columns
    give finite z-scores.

    When no entry of ``ref`` has a spread above float rounding (``RESOLUTION`` x ``(1 +
    |median|)``; e.g. constant training data, or more than half of the rows identical), the
    MAD carries no scale: the mean absolute deviation (normal-consistent) is used instead, and
    where that has no spread either (a constant reference) the scale is 1 in the statistic's
    own units, so that z-scores stay finite and of the size of the deviation itself.
    """
    med = np.median(ref, axis=axis)
    mad = np.median(np.abs(ref - med), axis=axis) * MAD_TO_SD
    if _spread_free(mad, med):
        mad = _MEAN_AD_TO_SD * np.mean(np.abs(ref - med), axis=axis)
        if _spread_free(mad, med):
            return med, mad * 0 + 1.0
    floor = 1e-2 * float(np.mean(mad)) if np.size(mad) else 0.0
    return med, mad + floor + 1e-12


# ---------------------------------------------------------------------- code-space distance
def code_distribution(codes: np.ndarray):
    """Mean and precision of codes ``(n, k)``.

    The precision is the pseudo-inverse of the covariance, its diagonal lifted by a millionth of the
    mean variance. Codes without spread (every unit constant up to float rounding: constant
    training data) carry no code-space evidence: their precision is 0, so every distance is 0.
    """
    mu = codes.mean(axis=0)
    cov = np.atleast_2d(np.cov(codes, rowvar=False))
    if _spread_free(np.sqrt(np.abs(np.diag(cov))), mu):
        return mu, np.zeros_like(cov)
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

    Scores without spread (all equal up to float rounding, as on constant training data) give
    ``"fpr"`` and ``"contamination"`` no quantile to stand on: their threshold is put
    ``CONSTANT_MARGIN`` x ``(1 + |max|)`` above the highest score, so rows scored like them
    (up to rounding) are not flagged; ``"mad"`` uses the unit scale of
    :func:`robust_center_scale` then.
    """
    if rule not in ("fpr", "contamination"):
        med, scale = robust_center_scale(scores)
        return -float(med + mad_k * scale)
    if rule == "contamination":
        if contamination_of_normality:
            offset = float(np.percentile(-scores, 100.0 * contamination))
        else:
            offset = -float(np.percentile(scores, 100 * (1 - contamination)))
    else:
        offset = -float(np.quantile(scores, 1.0 - fpr))
    med = np.median(scores)
    if _spread_free(np.mean(np.abs(scores - med)), med):
        top = float(np.max(scores))
        offset = min(offset, -(top + CONSTANT_MARGIN * (1 + abs(top))))
    return offset


# ---------------------------------------------------------------------- explanations
def feature_shares(contrib: np.ndarray) -> np.ndarray:
    """Each feature's share of its row's non-negative contributions ``(n, p)``.

    Uniform (``1 / p``) in rows where every contribution is 0; in a row with infinite
    contributions (values far beyond float32 range) the infinite ones share it equally.
    """
    infinite = np.isinf(contrib)
    if infinite.any():
        contrib = np.where(infinite.any(axis=1, keepdims=True), infinite * 1.0, contrib)
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
