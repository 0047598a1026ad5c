"""``AutoencoderOutlierDetector``: the estimator.

How a row is scored: see the package documentation of :mod:`sk_autoencoder.outliers`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import check_random_state

from .._core.frames import is_dataframe
from .._core.params import check_params
from .._scoring import (
    OutlierScoresMixin,
    calibrate_offset,
    code_distribution,
    feature_shares,
    mahalanobis,
    robust_center_scale,
    threshold_rule,
)
from .ensemble import fit_members, warn_overflow
from .explanation import check_top_k, explanation_table
from .inputs import _TableEncoding
from .isolation import IsolationMixin
from .params import MEMBER_CLASSES, PARAM_RULES
from .state import load_detector_state, save_detector_state
from .unseen import floor_errors

__all__ = ["AutoencoderOutlierDetector"]


class AutoencoderOutlierDetector(
    IsolationMixin, _TableEncoding, OutlierScoresMixin, OutlierMixin, BaseEstimator
):
    """Outlier detector built on an ensemble of small autoencoders.

    Parameters
    ----------
    n_estimators : int, default=5
        Number of autoencoder members (different initial weights and code sizes). With
        ``model="ae"`` they are trained side by side in one network, so the cost grows with
        the members' arithmetic, not with a training loop per member.
    model : {"ae", "vae"}, default="ae"
        ``"ae"``: autoencoder members scored by normalised per-column reconstruction error
        plus the code-space distance. ``"vae"``: :class:`VAEGenerator` members (trained one
        after the other) scored by the negative ELBO (robust-z normalised on the held-out
        rows); explanations still use the per-column reconstruction error.
    n_components : int or "auto", default="auto"
        Code size. ``"auto"``: members cycle through ``clip(round(m * sqrt(n_features)), 2,
        32)`` for ``m`` in (0.5, 1, 2, 4, 8): small codes flag rows off the main structure,
        large ones (with the code-space distance) rows unusual in minor directions; the
        average over sizes is steadier than any single size.
    hidden_width : int or "auto", default="auto"
        Width of the single hidden layer of encoder and decoder; ``"auto"``:
        ``clip(2 * n_features, 16, 64)``.
    n_steps : int, default=300
        Optimizer steps (at least ``min_epochs`` passes over the data), with batches of
        ``n_train / 16`` rows rounded to a power of two in [16, 256] and a one-cycle learning
        rate.
    min_epochs : int, default=3
    activation : str, default="relu"
        Hidden-layer activation of the ``"ae"`` members (see :class:`AutoencoderTransformer`).
    noise : {None, "gaussian", "mask", "swap", "salt_pepper"}, default=None
        Training-time corruption of the ``"ae"`` members (denoising autoencoders).
    noise_level : float, default=0.1
        In [0, 10] for ``"gaussian"`` (a standard deviation), a share in [0, 1] otherwise.
    holdout_fraction : float, default=0.2
        Share of the training rows held out from the members; their errors set the per-column
        normalisation and the calibrated thresholds.
    threshold : {"fpr", "mad", "contamination"}, default="fpr"
        How ``offset_`` is set. ``"fpr"`` (default): the ``1 - fpr`` quantile of the held-out
        anomaly scores, so about ``fpr`` of new normal rows are flagged; needs no contamination
        guess and works on clean training data. ``"mad"``: median + ``mad_k`` x MAD of the
        held-out scores. ``"contamination"``: the ``contamination`` share of all training rows
        is flagged (as IsolationForest). Setting ``contamination`` to a float selects it too.
    fpr : float, default=0.01
        Target false-positive rate of ``threshold="fpr"``.
    mad_k : float, default=5.0
        Multiplier of ``threshold="mad"``.
    contamination : float or None, default=None
        Expected share of outliers in the training data, in (0, 0.5]; when given it overrides
        ``threshold``.
    latent_weight : float, default=1.0
        Weight of the code-space term (``model="ae"``): the Mahalanobis distance of a row's
        code from the training codes, robust-z normalised on the held-out rows, added to the
        reconstruction term. It catches rows that lie on the learned structure but far out
        along it (which an autoencoder reconstructs well). A finite float >= 0; 0 turns it off.
    isolation_weight : float, default=0.0
        Weight of an isolation forest (``IsolationForest``, 100 trees, on the members'
        training rows) against the members' mean score, both robust-z on the held-out rows:
        ``(members + w * forest) / (1 + w)``. It flags rows a few cuts isolate (see
        :mod:`sk_autoencoder.outliers.isolation`); ``explain`` stays per-column. Off by
        default: on the development sets it narrowed the gap to IsolationForest where that
        wins but lowered the means (``docs/benchmarks.md`` 5b).
    trim_fraction : float, default=0.2
        Share of each batch's rows, those it reconstructs worst, that each ``"ae"`` member
        leaves out of its loss (the training data are contaminated: learning the likely
        anomalies would hide them). In [0, 0.5); 0 trains on every row.
    random_state : int, RandomState or None, default=None
    device : str, default="auto"
        ``"auto"``: the GPU when PyTorch sees one (``"cuda"``), else ``"cpu"``.

    Attributes
    ----------
    estimators_ : list
        The fitted networks: for ``model="ae"`` a single skorch net holding all
        ``n_estimators`` members side by side (its ``module_`` stacks them on a leading
        member axis); for ``model="vae"`` one :class:`VAEGenerator` per member.
    code_sizes_ : list of int
        Code size of each member.
    offset_ : float
        Threshold on ``score_samples``; ``decision_function = score_samples - offset_``.
    threshold_ : str
        The rule that set ``offset_``.
    holdout_scores_ : ndarray
        Anomaly scores of the held-out training rows.
    preprocessor_ : TabularPreprocessor or None
        Set for DataFrame input (categorical and missing values).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    Notes
    -----
    Values never seen in fit (a new level, a missing value where a column had none) and
    constant training data are handled as :mod:`sk_autoencoder.outliers` describes.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import AutoencoderOutlierDetector
    >>> X = np.random.RandomState(0).normal(size=(500, 5))
    >>> det = AutoencoderOutlierDetector(random_state=0).fit(X)
    >>> det.predict(X[:3]).shape
    (3,)
    """

    # ``n_components="auto"``: members cycle through these multiples of sqrt(n_features).
    _CODE_MULT = (0.5, 1.0, 2.0, 4.0, 8.0)
    _CODE_MAX = 32
    # ``hidden_width="auto"`` and the batch size: upper bounds that keep the cost of wide or
    # long tables in check (the ensemble's arithmetic grows with width x batch).
    _HIDDEN_MAX = 64
    _BATCH_MAX = 256

    def __init__(
        self,
        *,
        n_estimators=5,
        model="ae",
        n_components="auto",
        hidden_width="auto",
        n_steps=300,
        min_epochs=3,
        activation="relu",
        noise=None,
        noise_level=0.1,
        holdout_fraction=0.2,
        threshold="fpr",
        fpr=0.01,
        mad_k=5.0,
        contamination=None,
        latent_weight=1.0,
        isolation_weight=0.0,
        trim_fraction=0.2,
        random_state=None,
        device="auto",
    ):
        self.n_estimators = n_estimators
        self.model = model
        self.n_components = n_components
        self.hidden_width = hidden_width
        self.n_steps = n_steps
        self.min_epochs = min_epochs
        self.activation = activation
        self.noise = noise
        self.noise_level = noise_level
        self.holdout_fraction = holdout_fraction
        self.threshold = threshold
        self.fpr = fpr
        self.mad_k = mad_k
        self.contamination = contamination
        self.latent_weight = latent_weight
        self.isolation_weight = isolation_weight
        self.trim_fraction = trim_fraction
        self.random_state = random_state
        self.device = device

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_params(self, PARAM_RULES)

    # ------------------------------------------------------------------ fitting
    def _fit_members(self, train, n_out, seeds, blocks) -> None:
        try:
            self.code_sizes_, self.estimators_ = fit_members(self, train, n_out, seeds, blocks)
        except ValueError as exc:
            # A member's own check (e.g. the device's availability) speaks of the internal
            # member class: say it of the detector instead.
            text = str(exc)
            for internal in MEMBER_CLASSES:
                if text.startswith(f"{internal}:"):
                    raise ValueError(type(self).__name__ + text[len(internal) :]) from exc
            raise

    def _outputs(self, Z, unseen=None) -> list:
        """Each member's outputs for model-space rows ``Z``.

        Per member: column errors (n, n_features_in_) and codes (n, k) for ``"ae"``, the negative
        ELBO (n,) for ``"vae"``. ``unseen``: the mask of unseen cells (see
        :mod:`~sk_autoencoder.outliers.unseen`), whose errors are floored.
        """
        if self.model == "vae":
            out = [
                (self._group(m.reconstruction_error(Z, per_feature=True)), -m.score_samples(Z))
                for m in self.estimators_
            ]
        else:
            E, C = self.estimators_[0].member_outputs(Z)
            warn_overflow(self, E, Z)
            out = [(self._group(E[m]), C[m, :, :k]) for m, k in enumerate(self.code_sizes_)]
        if unseen is None:
            return out
        floored = []
        for (E, C), floor in zip(out, self._error_floor):
            Ef = floor_errors(E, unseen, floor)
            if self.model == "vae":  # the ELBO does not read E: add the floor's excess
                C = C + (Ef - E).sum(axis=1)
            floored.append((Ef, C))
        return floored

    def fit(self, X, y=None):
        """Fit the members on part of ``X`` and calibrate the threshold on the rest.

        ``X``: array (n_samples, n_features), or a DataFrame with numeric, categorical and
        missing values. ``y`` is ignored.
        """
        self._check_params()
        Z = self._encode(X, reset=True)
        n, n_out = Z.shape
        if n < 4:
            raise ValueError(f"AutoencoderOutlierDetector needs at least 4 rows, got n={n}.")
        self._groups = self._column_groups(n_out)
        blocks = None if self.preprocessor_ is None else self.preprocessor_.feature_blocks_
        rng = check_random_state(self.random_state)
        seeds = rng.randint(0, 2**31 - 1, size=int(self.n_estimators) + 1)
        perm = np.random.RandomState(seeds[-1]).permutation(n)
        n_hold = int(np.clip(round(n * self.holdout_fraction), 2, n - 2))
        hold, train = Z[np.sort(perm[:n_hold])], Z[np.sort(perm[n_hold:])]
        self._fit_members(train, n_out, seeds[:-1], blocks)
        train_out = self._outputs(train)
        self._latent_stats = [self._fit_latent(C) for _, C in train_out]
        hold_out = self._outputs(hold)
        self._fit_normalisation(hold_out)
        self._fit_unseen(X, Z, train_out, hold_out)
        self._fit_isolation(train, hold, int(seeds[-1]) ^ 0x5EED)
        self.holdout_scores_ = self._combine(self._mean_score(self._scores_of(hold_out)), hold)
        self._set_offset(Z)
        return self

    def _fit_normalisation(self, hold_out) -> None:
        """Robust centre/scale of each member's column errors and row scores.

        Also of the code-space term; fitted on the held-out rows' outputs ``hold_out``.
        """
        self._col_stats, self._row_stats = [], []
        for (E, C), latent in zip(hold_out, self._latent_stats):
            med, scale = robust_center_scale(E)
            raw = self._member_raw((E - med) / scale, C, latent, calibrate=True)
            self._col_stats.append((med, scale))
            self._row_stats.append(robust_center_scale(raw))

    def _set_offset(self, Z) -> None:
        rule = self.threshold_ = threshold_rule(self)
        # "contamination" flags a share of all training rows, the others use the hold-out
        scores = self._anomaly(Z) if rule == "contamination" else self.holdout_scores_
        self.offset_ = calibrate_offset(
            rule,
            scores,
            fpr=self.fpr,
            mad_k=self.mad_k,
            contamination=self.contamination,
            contamination_of_normality=True,
        )

    # ------------------------------------------------------------------ scoring
    def _use_latent(self) -> bool:
        return self.model == "ae" and float(self.latent_weight) > 0

    def _fit_latent(self, C):
        """Mean and inverse covariance of a member's codes (``_fit_normalisation`` adds more)."""
        if not self._use_latent():
            return None
        mu, precision = code_distribution(C)
        return {"mean": mu, "precision": precision}

    def _member_raw(self, Zcol, C, latent, calibrate: bool = False) -> np.ndarray:
        """A member's raw row score from its column z-scores and codes.

        ``C`` is the negative ELBO for ``"vae"``. ``calibrate``: first set the robust centre/scale
        of both terms on these (held-out) rows.
        """
        if self.model == "vae":
            return C
        rec = Zcol.mean(axis=1)
        if latent is None:
            return rec
        dist = mahalanobis(C, latent["mean"], latent["precision"])
        if calibrate:
            latent["rec"] = robust_center_scale(rec)
            latent["center"], latent["scale"] = robust_center_scale(dist)
        r_med, r_scale = latent["rec"]
        lat = (dist - latent["center"]) / latent["scale"]
        return (rec - r_med) / r_scale + float(self.latent_weight) * lat

    def _member_scores(self, Z, unseen=None):
        """Per member: column z-scores (n, p) and normalised row scores (n,)."""
        return self._scores_of(self._outputs(Z, unseen))

    def _scores_of(self, outputs):
        """:meth:`_member_scores` from the members' outputs (see :meth:`_outputs`)."""
        out = []
        for (E, C), (med, scale), (rmed, rscale), latent in zip(
            outputs, self._col_stats, self._row_stats, self._latent_stats
        ):
            Zcol = (E - med) / scale
            out.append((Zcol, (self._member_raw(Zcol, C, latent) - rmed) / rscale))
        return out

    @staticmethod
    def _mean_score(member_scores) -> np.ndarray:
        return np.mean([s for _, s in member_scores], axis=0)

    def _anomaly(self, Z, unseen=None) -> np.ndarray:
        return self._combine(self._mean_score(self._member_scores(Z, unseen)), Z)

    def reconstruction_error(self, X) -> np.ndarray:
        """Anomaly score of each row (higher = more anomalous), shape (n_samples,).

        The mean over members of the robust-z normalised member scores (reconstruction error plus
        the code-space distance). Unseen values of a DataFrame count as described in the class
        documentation.
        """
        return self._anomaly(*self._encode_scored(X))

    # ------------------------------------------------------------------ explanations
    def _reconstruct(self, Z) -> np.ndarray:
        """Mean over members of the decoded code (the VAE's posterior mean) of each row."""
        if self.model == "vae":
            return np.mean([m.inverse_transform(m.transform(Z)) for m in self.estimators_], axis=0)
        return self.estimators_[0].member_reconstructions(Z).mean(axis=0)

    def explain(self, X, top_k: int = 3):
        """Per-row column contributions to the anomaly score.

        A column's contribution is its z-scored reconstruction error averaged over members,
        clipped at 0 (columns reconstructed better than typical contribute nothing); shares
        are the contributions divided by their row sum (uniform when all are 0). An unseen
        value of a DataFrame (a level not seen in fit, or a missing value where the column had
        none) has its column error floored at that column's largest training error, so its
        column is (nearly always) the row's top column; its ``observed`` value is the value
        itself, its ``reconstructed`` one what the members make of the column's rarest level.
        ``top_k``: an int >= 1 (at most the number of columns are listed).

        Returns a DataFrame indexed like ``X`` with ``anomaly_score``, ``share:<column>`` for
        every input column, and for ``i = 1..top_k``: ``top<i>_column``, ``top<i>_share``,
        ``top<i>_observed`` and ``top<i>_reconstructed`` (values in the input's units; for a
        categorical column the level). Without pandas installed a dict of arrays with the same
        content is returned.
        """
        check_top_k(self, top_k)
        Z, unseen = self._encode_scored(X)
        scores = self._member_scores(Z, unseen)
        contrib = np.mean([np.clip(zc, 0, None) for zc, _ in scores], axis=0)
        return explanation_table(
            anomaly=self._combine(self._mean_score(scores), Z),
            shares=feature_shares(contrib),
            top_k=top_k,
            names=self._column_names(),
            observed=self._observed(X, Z, unseen),
            recon=self._decode(self._reconstruct(Z).astype(np.float32)),
            index=X.index if is_dataframe(X) else None,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ safe format
    def _save_state(self, writer) -> dict:
        """Fitted state for ``sk_autoencoder.save`` (see :mod:`sk_autoencoder.outliers.state`)."""
        return save_detector_state(self, writer)

    def _load_state(self, state: dict, reader) -> None:
        """The inverse of :meth:`_save_state` (called by ``sk_autoencoder.load``)."""
        load_detector_state(self, state, reader)
