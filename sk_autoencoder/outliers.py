"""``AutoencoderOutlierDetector``: anomaly detection on tables with small autoencoders.

The detector follows scikit-learn's outlier convention (like
:class:`~sklearn.ensemble.IsolationForest`): ``score_samples`` is higher for more normal rows,
``decision_function = score_samples - offset_`` is negative for outliers and ``predict`` gives
+1 (inlier) / -1 (outlier).

How a row is scored
-------------------
1. A share of the training rows (``holdout_fraction``) is held out. The members, small
   one-hidden-layer autoencoders with different code sizes and initial weights, are trained
   on the rest side by side in one network (one optimizer step updates every member on the
   same batch), which makes an ensemble about as cheap as a single model.
2. Each member gives per-column reconstruction errors (squared error for numeric columns,
   cross-entropy for categorical ones; the one-hot columns of a categorical input column are
   summed back into that column). Every column's error is turned into a robust z-score with
   the median and MAD of that column's errors on the held-out rows, so one noisy or badly
   scaled column cannot dominate the row score.
3. A member's row score is the mean of the column z-scores plus (``latent_weight``) the
   Mahalanobis distance of the row's code from the training codes, each robust-z normalised
   on the held-out rows: the first catches rows off the learned structure, the second rows on
   it but far out (which an autoencoder reconstructs well). The detector's anomaly score
   (:meth:`reconstruction_error`) is the mean over members of these, normalised once more on
   the held-out rows, so members of every code size count alike.
4. The threshold ``offset_`` is calibrated on the held-out rows (which no member saw), so it
   needs no guess of the contamination.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .autoencoder import AutoencoderTransformer
from .modules import output_activation, per_feature_nll
from .modules.networks import ACTIVATIONS
from .preprocessing import TabularPreprocessor, _is_dataframe
from .vae import VAEGenerator

__all__ = ["AutoencoderOutlierDetector", "evaluate_detector"]

_THRESHOLDS = ("fpr", "mad", "contamination")
_MODELS = ("ae", "vae")
# Consistency constant of the MAD for a normal distribution.
_MAD_TO_SD = 1.4826


def _robust_center_scale(ref: np.ndarray, axis: int = 0):
    """Median and MAD-based scale of ``ref`` along ``axis``; a zero scale (constant errors)
    is lifted to a small share of the mean scale, so constant columns give finite z-scores."""
    med = np.median(ref, axis=axis)
    mad = np.median(np.abs(ref - med), axis=axis) * _MAD_TO_SD
    floor = 1e-2 * float(np.mean(mad)) if np.size(mad) else 0.0
    return med, mad + floor + 1e-12


class _ParallelLinear(torch.nn.Module):
    """``n_members`` independent linear layers side by side: ``(batch, n_in)`` or
    ``(n_members, batch, n_in)`` to ``(n_members, batch, n_out)``; initialised as
    ``torch.nn.Linear`` (uniform in +-1/sqrt(n_in))."""

    def __init__(self, n_members: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1.0 / math.sqrt(n_in)
        self.weight = torch.nn.Parameter(
            torch.empty(n_members, n_in, n_out).uniform_(-bound, bound)
        )
        self.bias = torch.nn.Parameter(torch.empty(n_members, 1, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, self.weight) + self.bias


class _ParallelAutoencoders(torch.nn.Module):
    """Several one-hidden-layer autoencoders in one module, outputs stacked on a leading
    member axis.

    Member ``m`` has code size ``code_sizes[m]``: the codes share one tensor of the largest
    size and the units past a member's size are multiplied by zero, which is the same network
    as one with the smaller code (those units get no gradient and decode nothing).
    """

    def __init__(self, n_features: int, hidden: int, code_sizes, activation: str):
        super().__init__()
        n_members, k = len(code_sizes), max(code_sizes)
        self.enc_hidden = _ParallelLinear(n_members, n_features, hidden)
        self.enc_code = _ParallelLinear(n_members, hidden, k)
        self.dec_hidden = _ParallelLinear(n_members, k, hidden)
        self.dec_out = _ParallelLinear(n_members, hidden, n_features)
        self.act = ACTIVATIONS[activation]()
        mask = torch.zeros(n_members, 1, k)
        for m, size in enumerate(code_sizes):
            mask[m, :, :size] = 1.0
        self.register_buffer("code_mask", mask)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc_code(self.act(self.enc_hidden(x))) * self.code_mask  # (M, batch, k)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.dec_out(self.act(self.dec_hidden(code)))  # (M, batch, d), raw

    def forward(self, x: torch.Tensor):
        code = self.encode(x)
        return self.decode(code), code


def _per_member(fn, raw: torch.Tensor, blocks, x: torch.Tensor | None = None) -> torch.Tensor:
    """``fn(raw, [x,] blocks)`` of a row-wise loss or activation, applied to member-stacked
    ``raw`` of shape (M, batch, d) by folding the member axis into the rows."""
    M, B, d = raw.shape
    flat = raw.reshape(M * B, d)
    out = fn(flat, blocks) if x is None else fn(flat, x.repeat(M, 1), blocks)
    return out.reshape(M, B, d)


class _AutoencoderEnsemble(AutoencoderTransformer):
    """The detector's members as one skorch net: ``len(code_sizes)`` one-hidden-layer
    autoencoders (:class:`_ParallelAutoencoders`) trained on the same batches.

    The loss is the sum over members of each member's mean reconstruction loss; as their
    parameters are disjoint, every optimizer step (Adam is per parameter) is a step of each
    member on its own loss. ``n_components`` is the largest code size.
    """

    def __init__(self, n_components=2, *, code_sizes=(2,), **kwargs):
        super().__init__(n_components, **kwargs)
        self.code_sizes = code_sizes

    def _build_module(self) -> torch.nn.Module:
        hidden = self._hidden_sizes(self.n_features_in_)[0]
        sizes = [int(k) for k in self.code_sizes]
        return _ParallelAutoencoders(self.n_features_in_, hidden, sizes, self.activation)

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raw, _ = output
        per_row = _per_member(per_feature_nll, raw, self._blocks, x).mean(dim=2)  # (M, batch)
        return {"reconstruction": per_row.mean(dim=1).sum()}

    def member_outputs(self, X: np.ndarray):
        """Per-column losses (M, n, d) and codes (M, n, k) of every member on ``X``."""
        d = self.n_features_in_

        def fn(module, xb):
            code = module.encode(xb)
            err = _per_member(per_feature_nll, module.decode(code), self._blocks, xb)
            return torch.cat([err, code], dim=2).transpose(0, 1)  # (batch, M, d + k)

        out = self._batched(fn, self._check_input(X)).double().cpu().numpy().transpose(1, 0, 2)
        return out[:, :, :d], out[:, :, d:]

    def member_reconstructions(self, X: np.ndarray) -> np.ndarray:
        """Decoded codes (M, n, d) in model space (probabilities for categorical blocks)."""

        def fn(module, xb):
            raw = module.decode(module.encode(xb))
            return _per_member(output_activation, raw, self._blocks).transpose(0, 1)

        X = self._check_input(X)
        return self._out(self._batched(fn, X), X).transpose(1, 0, 2)


class _ScoresFromErrors:
    """scikit-learn's outlier methods from ``reconstruction_error`` (higher = more anomalous)
    and the fitted threshold ``offset_``."""

    def score_samples(self, X) -> np.ndarray:
        """Normality score of each sample (higher = more normal): ``-reconstruction_error(X)``."""
        return -self.reconstruction_error(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)


class AutoencoderOutlierDetector(_ScoresFromErrors, OutlierMixin, BaseEstimator):
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
    noise : {None, "gaussian", "mask", "swap"}, default=None
        Training-time corruption of the members (denoising autoencoders).
    noise_level : float, default=0.1
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
        along it (which an autoencoder reconstructs well). 0 turns it off.
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
        self.random_state = random_state
        self.device = device

    # ------------------------------------------------------------------ input handling
    def _check_params(self) -> None:
        if self.model not in _MODELS:
            raise ValueError(f"model must be one of {_MODELS}, got {self.model!r}.")
        if self.threshold not in _THRESHOLDS:
            raise ValueError(f"threshold must be one of {_THRESHOLDS}, got {self.threshold!r}.")
        if self.contamination is not None and not (
            isinstance(self.contamination, numbers.Real) and 0 < self.contamination <= 0.5
        ):
            raise ValueError(
                f"contamination must be None or a float in (0, 0.5], got {self.contamination!r}."
            )
        if self.threshold == "contamination" and self.contamination is None:
            raise ValueError('threshold="contamination" needs contamination=<float>.')
        if not 0 < self.fpr < 1:
            raise ValueError(f"fpr must be in (0, 1), got {self.fpr!r}.")
        if not 0 < self.holdout_fraction < 1:
            raise ValueError(f"holdout_fraction must be in (0, 1), got {self.holdout_fraction!r}.")
        if int(self.n_estimators) < 1:
            raise ValueError(f"n_estimators must be >= 1, got {self.n_estimators!r}.")
        if int(self.n_steps) < 1:
            raise ValueError(f"n_steps must be >= 1, got {self.n_steps!r}.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}."
            )

    def _encode(self, X, reset: bool) -> np.ndarray:
        """Model-space matrix: TabularPreprocessor output for DataFrames, else standardised."""
        if reset:
            self.preprocessor_ = None
            if _is_dataframe(X):
                self.preprocessor_ = TabularPreprocessor().fit(X)
                self.feature_names_in_ = np.asarray(self.preprocessor_.feature_names_in_, object)
                self.n_features_in_ = int(self.preprocessor_.n_features_in_)
                Z = self.preprocessor_.transform(X)
            else:
                Z = validate_data(self, X, dtype=[np.float32, np.float64], reset=True)
                self.mean_ = Z.mean(axis=0)
                sd = Z.std(axis=0)
                self.scale_ = np.where(sd > 1e-12 * (1 + np.abs(self.mean_)), sd, 1.0)
            return np.asarray(self._standardise(Z), dtype=np.float32)
        check_is_fitted(self, "estimators_")
        if self.preprocessor_ is not None:
            return np.asarray(self.preprocessor_.transform(X), dtype=np.float32)
        Z = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return np.asarray(self._standardise(Z), dtype=np.float32)

    def _standardise(self, Z):
        if self.preprocessor_ is not None:
            return Z
        return (Z - self.mean_) / self.scale_

    def _column_groups(self, n_out: int) -> list:
        """Output-column (start, stop) of each input column."""
        if self.preprocessor_ is None:
            return [(j, j + 1) for j in range(n_out)]
        sl = self.preprocessor_.column_slices_
        return [tuple(sl[c]) for c in self.preprocessor_.feature_names_in_]

    # ------------------------------------------------------------------ fitting
    def _code_sizes(self, n_out: int) -> list:
        if self.n_components != "auto":
            return [int(self.n_components)] * int(self.n_estimators)
        mults = self._CODE_MULT
        return [
            int(np.clip(round(mults[i % len(mults)] * math.sqrt(n_out)), 2, self._CODE_MAX))
            for i in range(int(self.n_estimators))
        ]

    def _net_params(self, n_rows: int, n_out: int) -> dict:
        """Width, batch size and epochs shared by the members."""
        h = self.hidden_width
        if h == "auto":
            h = int(np.clip(2 * n_out, 16, self._HIDDEN_MAX))
        bs = int(np.clip(2 ** round(math.log2(max(n_rows / 16, 1))), 16, self._BATCH_MAX))
        bs = min(bs, max(1, n_rows))
        epochs = max(int(self.min_epochs), math.ceil(int(self.n_steps) / math.ceil(n_rows / bs)))
        return dict(
            hidden_layer_sizes=(int(h),),
            max_epochs=int(epochs),
            batch_size=bs,
            early_stopping=False,
            train_split=None,
            device=self.device,
        )

    def _fit_members(self, train, n_out, seeds, blocks) -> None:
        common = self._net_params(len(train), n_out)
        self.code_sizes_ = self._code_sizes(n_out)
        if self.model == "vae":
            self.estimators_ = [
                VAEGenerator(n_components=k, random_state=int(s), **common).fit(
                    train, feature_blocks=blocks
                )
                for k, s in zip(self.code_sizes_, seeds)
            ]
            return
        net = _AutoencoderEnsemble(
            n_components=max(self.code_sizes_),
            code_sizes=tuple(self.code_sizes_),
            activation=self.activation,
            noise=self.noise,
            noise_level=self.noise_level,
            random_state=int(seeds[0]),
            **common,
        )
        self.estimators_ = [net.fit(train, feature_blocks=blocks)]

    def _group(self, E: np.ndarray) -> np.ndarray:
        """Sum the one-hot columns of each categorical input column."""
        if self.preprocessor_ is not None:
            E = np.stack([E[:, a:b].sum(axis=1) for a, b in self._groups], axis=1)
        return E

    def _outputs(self, Z) -> list:
        """Per member: column errors (n, n_features_in_) and codes (n, k) for ``"ae"``, the
        negative ELBO (n,) for ``"vae"``."""
        if self.model == "vae":
            return [
                (self._group(m.reconstruction_error(Z, per_feature=True)), -m.score_samples(Z))
                for m in self.estimators_
            ]
        E, C = self.estimators_[0].member_outputs(Z)
        return [(self._group(E[m]), C[m, :, :k]) for m, k in enumerate(self.code_sizes_)]

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
        self._latent_stats = [self._fit_latent(C) for _, C in self._outputs(train)]
        self._col_stats, self._row_stats = [], []
        for (E, C), latent in zip(self._outputs(hold), self._latent_stats):
            med, scale = _robust_center_scale(E)
            raw = self._member_raw((E - med) / scale, C, latent)
            self._col_stats.append((med, scale))
            self._row_stats.append(_robust_center_scale(raw))
        self.holdout_scores_ = self._anomaly(hold)
        self._set_offset(Z)
        return self

    def _set_offset(self, Z) -> None:
        rule = "contamination" if self.contamination is not None else self.threshold
        self.threshold_ = rule
        if rule == "contamination":
            train_scores = -self._anomaly(Z)
            self.offset_ = float(np.percentile(train_scores, 100.0 * self.contamination))
        elif rule == "fpr":
            self.offset_ = -float(np.quantile(self.holdout_scores_, 1.0 - self.fpr))
        else:
            med, scale = _robust_center_scale(self.holdout_scores_)
            self.offset_ = -float(med + self.mad_k * scale)

    # ------------------------------------------------------------------ scoring
    def _use_latent(self) -> bool:
        return self.model == "ae" and float(self.latent_weight) > 0

    def _fit_latent(self, C):
        """Mean and inverse covariance of a member's codes on its training rows (the robust
        centre/scale of the held-out distances are added by ``_member_raw``)."""
        if not self._use_latent():
            return None
        mu = C.mean(axis=0)
        cov = np.atleast_2d(np.cov(C, rowvar=False))
        cov += (1e-6 * np.trace(cov) / len(cov) + 1e-9) * np.eye(len(cov))
        return {"mean": mu, "precision": np.linalg.pinv(cov)}

    def _member_raw(self, Zcol, C, latent) -> np.ndarray:
        """A member's raw row score from its column z-scores and codes (``C`` is the
        negative ELBO for ``"vae"``)."""
        if self.model == "vae":
            return C
        rec = Zcol.mean(axis=1)
        if latent is None:
            return rec
        D = C - latent["mean"]
        dist = np.einsum("ij,jk,ik->i", D, latent["precision"], D)
        if "center" not in latent:  # fitting: normalise both terms on these held-out rows
            latent["rec"] = _robust_center_scale(rec)
            latent["center"], latent["scale"] = _robust_center_scale(dist)
        r_med, r_scale = latent["rec"]
        lat = (dist - latent["center"]) / latent["scale"]
        return (rec - r_med) / r_scale + float(self.latent_weight) * lat

    def _member_scores(self, Z):
        """Per member: column z-scores (n, p) and normalised row scores (n,)."""
        out = []
        for (E, C), (med, scale), (rmed, rscale), latent in zip(
            self._outputs(Z), self._col_stats, self._row_stats, self._latent_stats
        ):
            Zcol = (E - med) / scale
            out.append((Zcol, (self._member_raw(Zcol, C, latent) - rmed) / rscale))
        return out

    def _anomaly(self, Z) -> np.ndarray:
        return np.mean([s for _, s in self._member_scores(Z)], axis=0)

    def reconstruction_error(self, X) -> np.ndarray:
        """Anomaly score of each row (higher = more anomalous), shape (n_samples,): the mean
        over members of the robust-z normalised member scores (reconstruction error plus the
        code-space distance)."""
        return self._anomaly(self._encode(X, reset=False))

    # ------------------------------------------------------------------ explanations
    def _column_names(self) -> list:
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def _reconstruct(self, Z) -> np.ndarray:
        """Mean over members of the decoded code (the VAE's posterior mean) of each row."""
        if self.model == "vae":
            return np.mean([m.inverse_transform(m.transform(Z)) for m in self.estimators_], axis=0)
        return self.estimators_[0].member_reconstructions(Z).mean(axis=0)

    def _decode(self, Zs: np.ndarray):
        if self.preprocessor_ is not None:
            return self.preprocessor_.inverse_transform(Zs)
        return Zs * self.scale_ + self.mean_

    def explain(self, X, top_k: int = 3):
        """Per-row column contributions to the anomaly score.

        A column's contribution is its z-scored reconstruction error averaged over members,
        clipped at 0 (columns reconstructed better than typical contribute nothing); shares
        are the contributions divided by their row sum (uniform when all are 0).

        Returns a DataFrame indexed like ``X`` with ``anomaly_score``, ``share:<column>`` for
        every input column, and for ``i = 1..top_k``: ``top<i>_column``, ``top<i>_share``,
        ``top<i>_observed`` and ``top<i>_reconstructed`` (values in the input's units; for a
        categorical column the level). Without pandas installed a dict of arrays with the same
        content is returned.
        """
        Z = self._encode(X, reset=False)
        scores = self._member_scores(Z)
        contrib = np.mean([np.clip(zc, 0, None) for zc, _ in scores], axis=0)
        total = contrib.sum(axis=1, keepdims=True)
        p = contrib.shape[1]
        shares = np.where(total > 0, contrib / np.where(total > 0, total, 1), 1.0 / p)
        anomaly = np.mean([s for _, s in scores], axis=0)
        top_k = int(min(max(1, top_k), p))
        order = np.argsort(-shares, axis=1, kind="stable")[:, :top_k]
        names = self._column_names()
        observed = self._decode(Z)
        recon = self._decode(self._reconstruct(Z).astype(np.float32))
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            pd = None
        rows = np.arange(len(Z))
        if pd is None:  # pragma: no cover
            return {"anomaly_score": anomaly, "shares": shares, "top_columns": order}
        if not _is_dataframe(observed):
            observed = pd.DataFrame(np.asarray(observed), columns=names)
            recon = pd.DataFrame(np.asarray(recon), columns=names)
        obs_v = observed.to_numpy(dtype=object)
        rec_v = recon.to_numpy(dtype=object)
        col_pos = {c: i for i, c in enumerate(map(str, observed.columns))}
        index = X.index if _is_dataframe(X) else None
        out = {"anomaly_score": anomaly}
        for j, name in enumerate(names):
            out[f"share:{name}"] = shares[:, j]
        for i in range(top_k):
            cols = order[:, i]
            pos = np.array([col_pos[names[c]] for c in cols])
            out[f"top{i + 1}_column"] = np.array([names[c] for c in cols], dtype=object)
            out[f"top{i + 1}_share"] = shares[rows, cols]
            out[f"top{i + 1}_observed"] = obs_v[rows, pos]
            out[f"top{i + 1}_reconstructed"] = rec_v[rows, pos]
        return pd.DataFrame(out, index=index)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags


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
