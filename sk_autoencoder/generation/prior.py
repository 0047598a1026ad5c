"""A Gaussian-mixture prior fitted on a VAE's training codes, for sampling.

A VAE's aggregate posterior - the codes of the training rows - is not the N(0, I) its KL term
pulls towards: it has holes, clusters and correlated axes, and decoding codes from N(0, I)
lands partly where no training row lives. Sampling codes from a mixture fitted on the training
codes instead (as two-stage VAEs and TabSyn's latent models do with richer models) decodes to
rows much closer to the data. The mixture is fitted with scikit-learn's ``GaussianMixture``
and kept as plain arrays, so sampling is seeded by a numpy ``RandomState`` and the arrays are
saved with the model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

# Rows the mixture is fitted on, at most (a seeded subsample beyond it: fitting is linear in it).
MAX_PRIOR_ROWS = 20_000
# Rows per mixture component, at least: fewer components on small data.
ROWS_PER_COMPONENT = 20


@dataclass
class MixturePrior:
    """Weights (m,), means (m, k) and Cholesky factors (m, k, k) of a Gaussian mixture."""

    weights: np.ndarray
    means: np.ndarray
    cholesky: np.ndarray

    @classmethod
    def fit(cls, codes: np.ndarray, n_components: int, random_state: int) -> MixturePrior:
        """Fit on ``codes`` (n, k) with at most ``n_components`` full-covariance components."""
        codes = np.asarray(codes, dtype=np.float64)
        rng = np.random.RandomState(random_state)
        if len(codes) > MAX_PRIOR_ROWS:
            codes = codes[rng.choice(len(codes), MAX_PRIOR_ROWS, replace=False)]
        k = codes.shape[1]
        if len(codes) < 2:  # nothing to fit a covariance on: N(code, I)
            return cls(np.ones(1), codes.mean(axis=0, keepdims=True), np.eye(k)[None])
        m = int(max(1, min(n_components, len(codes) // ROWS_PER_COMPONENT)))
        gm = GaussianMixture(
            m, covariance_type="full", reg_covar=1e-4, max_iter=200, random_state=random_state
        )
        with warnings.catch_warnings():
            # A mixture that has not fully converged in 200 EM steps is still a fine prior.
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(codes)
        return cls(
            weights=gm.weights_.astype(np.float64),
            means=gm.means_.astype(np.float64),
            cholesky=np.linalg.cholesky(gm.covariances_).astype(np.float64),
        )

    @classmethod
    def from_arrays(cls, weights, means, cholesky, k: int) -> MixturePrior:
        """Checked arrays (e.g. loaded from a file) for codes of size ``k``."""
        weights, means, cholesky = (
            np.asarray(a, dtype=np.float64) for a in (weights, means, cholesky)
        )
        m = len(weights)
        if not (
            weights.ndim == 1
            and m >= 1
            and means.shape == (m, k)
            and cholesky.shape == (m, k, k)
            and np.isfinite(weights).all()
            and np.isfinite(means).all()
            and np.isfinite(cholesky).all()
            and (weights >= 0).all()
            and abs(weights.sum() - 1.0) < 1e-6
        ):
            raise ValueError("the saved mixture prior does not fit the model's code size")
        return cls(weights=weights / weights.sum(), means=means, cholesky=cholesky)

    def sample(self, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` codes (n, k): a component by its weight, then its Gaussian."""
        comp = rng.choice(len(self.weights), size=n, p=self.weights)
        eps = rng.standard_normal((n, self.means.shape[1]))
        return self.means[comp] + np.einsum("nij,nj->ni", self.cholesky[comp], eps)
