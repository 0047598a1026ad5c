"""``VAEGenerator``: a variational autoencoder (beta-VAE) as a scikit-learn transformer."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._core.base import BaseAutoencoder
from ._core.params import check_params, int_seed, is_int
from ._core.rules import AUTOENCODER_RULES, IMPORTANCE_RULE, PRIOR_RULES, VAE_RULES
from .generation.prior import MixturePrior
from .modules import DiagonalGaussian, VariationalAutoencoder, per_feature_nll

_DRAWS = ("mean", "likelihood")
# Largest code of n_components="auto" for the MLP: enough to generate rows from, small to fit.
_AUTO_MAX_CODE = 32
_PRIOR_STATE_KEYS = ("prior_weights", "prior_means", "prior_cholesky")
_ELBO_SAMPLES = 16  # Monte-Carlo draws of the ELBO in ``score_samples``
# Code draws decoded at once while scoring (bounds memory: rows x draws x features).
_DRAWS_PER_CHUNK = 64


class VAEGenerator(BaseAutoencoder):
    """Variational autoencoder (Kingma & Welling, 2014; beta-VAE, Higgins et al., 2017).

    The code is Gaussian: ``transform`` returns the posterior mean, ``sample`` draws new rows
    from the prior, ``score_samples`` is a log-likelihood estimate in nats (the ELBO, or the
    importance-weighted bound of Burda et al., 2016, with ``n_importance_samples``), directly
    comparable with :meth:`sklearn.decomposition.PCA.score_samples` on the same data. Numeric
    columns have a Gaussian likelihood with a learned per-column variance (like PCA's noise
    variance), binary columns a Bernoulli and categorical blocks a categorical likelihood.

    All parameters of :class:`AutoencoderTransformer` apply (penalties act on the posterior
    mean), plus:

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Code size. ``"auto"``: for the MLP, a quarter of the input width, at least 2 and at
        most 32 (a code to generate from; pass 2 or 3 for a code to plot); for ``conv`` the
        architecture's default.
    beta : float, default=1.0
        Weight of ``KL(q(z|x) || N(0, I))``; ``beta > 1`` favours disentangled codes.
    n_importance_samples : int or None, default=None
        ``None``: ``score_samples`` is the ELBO (16 draws); ``k``: the importance-weighted
        bound with ``k`` draws (tighter, closer to ``log p(x)``).
    prior : {"mixture", "normal"}, default="mixture"
        Where :meth:`sample` draws codes from. ``"mixture"``: a Gaussian mixture fitted (by
        scikit-learn's ``GaussianMixture``) on the posterior means of the training rows at the
        end of ``fit`` - the codes the decoder has learned to decode, not the N(0, I) the KL
        term pulls towards (on the weather table this lifts the SDMetrics quality of sampled
        rows; figures in ``docs/benchmarks.md``). ``"normal"``: N(0, I), the textbook VAE.
        Training, ``transform`` and ``score_samples`` are the same for both.
    prior_components : int, default=20
        Components of the mixture prior (fewer on small data: at least 20 rows each).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_autoencoder import VAEGenerator
    >>> X = load_digits().data / 16
    >>> vae = VAEGenerator(n_components=4, loss="bce", max_epochs=5, random_state=0).fit(X)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    """

    def __init__(
        self,
        n_components="auto",
        *,
        beta=1.0,
        n_importance_samples=None,
        hidden_layer_sizes=None,
        activation="gelu",
        loss="auto",
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        noise=None,
        noise_level=0.1,
        architecture="mlp",
        image_shape=None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        max_epochs="auto",
        lr="auto",
        lr_schedule="onecycle",
        batch_size="auto",
        optimizer=torch.optim.Adam,
        train_split="auto",
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        mixed_precision="auto",
        random_state=None,
        prior="mixture",
        prior_components=20,
        **kwargs,
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            loss=loss,
            sparsity=sparsity,
            sparsity_weight=sparsity_weight,
            sparsity_target=sparsity_target,
            contractive_weight=contractive_weight,
            noise=noise,
            noise_level=noise_level,
            architecture=architecture,
            image_shape=image_shape,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            max_epochs=max_epochs,
            lr=lr,
            lr_schedule=lr_schedule,
            batch_size=batch_size,
            optimizer=optimizer,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            mixed_precision=mixed_precision,
            random_state=random_state,
            **kwargs,
        )
        self.beta = beta
        self.n_importance_samples = n_importance_samples
        self.prior = prior
        self.prior_components = prior_components

    _param_rules = (*AUTOENCODER_RULES, *VAE_RULES)

    def _resolve_n_components(self, n_features: int) -> int:
        """``"auto"`` for the MLP: ``n_features // 4`` in [2, 32]; else the base's rule."""
        if self.n_components == "auto" and self.architecture == "mlp":
            return int(min(_AUTO_MAX_CODE, max(2, n_features // 4)))
        return super()._resolve_n_components(n_features)

    def initialize_module(self):
        """A new network; the mixture prior of an earlier fit is dropped with the old one."""
        vars(self).pop("prior_", None)
        return super().initialize_module()

    def _train(self, X, fit_params, routing, epochs=None):
        super()._train(X, fit_params, routing, epochs)
        self._fit_prior(X)
        return self

    def _fit_prior(self, X) -> None:
        """The mixture prior on the posterior means of ``X`` (the rows of this fit call)."""
        if self.prior != "mixture":
            self.prior_ = None
            return
        check_params(self, PRIOR_RULES)
        X = np.asarray(X)
        codes = self._batched(self._code, X).double().cpu().numpy()
        if not np.isfinite(codes).all():
            raise ValueError(
                "VAEGenerator: the training codes are not finite (the fit diverged), so no "
                "prior can be fitted; lower lr or scale the data."
            )
        seed = int_seed(self.random_state)
        self.prior_ = MixturePrior.fit(codes, int(self.prior_components), seed)

    def _build_module(self) -> torch.nn.Module:
        encoder, decoder = self._encoder_decoder(2 * self.n_components_)
        return VariationalAutoencoder(encoder, decoder, self.n_features_in_)

    def _loss_term_names(self) -> list[str]:
        names = super()._loss_term_names()
        return [names[0], "kl", *names[1:]]

    def _log_px_given_z(self, module, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``log p(x | z)`` of each row in nats, shape (batch,)."""
        log_var = module.observation_log_var()
        return -per_feature_nll(raw, x, self._blocks, log_var=log_var).sum(dim=1)

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raw, mu, log_var = output
        terms = {
            # Negative ELBO per row, split into its two named parts.
            "reconstruction": -self._log_px_given_z(self.module_, raw, x).mean(),
            "kl": self.beta * DiagonalGaussian(mu, log_var).kl().mean(),
        }
        terms.update(self._penalty_terms(mu, x_in, training))
        return terms

    # ------------------------------------------------------------------ inference
    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        return module.encode(x)[0]  # the posterior mean

    def transform(self, X) -> np.ndarray:
        """Posterior mean of the code, shape (n_samples, n_components)."""
        X = self._check_input(X)
        return self._out(self._batched(self._code, X), X)

    def sample(self, n_samples: int = 1, random_state=None, *, draw="mean") -> np.ndarray:
        """Draw ``n_samples`` new rows: codes from the prior, decoded.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or RandomState
            Seeds the codes (and the draws of ``draw="likelihood"``), as in scikit-learn.
        draw : {"mean", "likelihood"}, default="mean"
            ``"mean"``: the mean of ``p(x | z)`` (probabilities for binary and categorical
            columns; the choice for images). ``"likelihood"``: a draw from ``p(x | z)``
            (numeric columns plus noise of the learned variance, 0/1 binary columns, one-hot
            categorical blocks), which keeps levels' frequencies, rare ones included;
            :meth:`TabularPipeline.sample` uses it.

        The codes come from the mixture prior fitted at the end of ``fit`` (``prior=
        "mixture"``, the default) or from N(0, I) (``prior="normal"``).

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        if not (is_int(n_samples) and n_samples >= 0):
            raise ValueError(
                f"{type(self).__name__}.sample: n_samples must be an int >= 0, got {n_samples!r}."
            )
        if draw not in _DRAWS:
            raise ValueError(
                f"{type(self).__name__}.sample: draw must be 'mean' or 'likelihood', got {draw!r}."
            )
        if int(n_samples) == 0:
            return self._to_layout(np.empty((0, self.n_features_in_)))
        rng = check_random_state(random_state)
        n = int(n_samples)
        prior = getattr(self, "prior_", None)
        if self.prior == "mixture" and prior is None:
            raise ValueError(
                "VAEGenerator.sample: prior='mixture' but this model has no mixture prior (it "
                "was fitted with prior='normal'); set prior='normal' or fit again."
            )
        z = (
            prior.sample(n, rng)
            if self.prior == "mixture"
            else rng.standard_normal((n, self.n_components_))
        )
        mean = self._out(self._batched(self._decode_mean, z), z)
        return self._to_layout(mean if draw == "mean" else self._draw_likelihood(mean, rng))

    def _draw_likelihood(self, mean: np.ndarray, rng) -> np.ndarray:
        """One draw of ``p(x | z)`` per row of the decoded means ``mean`` (float64)."""
        blocks = self._blocks
        out = mean.copy()
        n = len(out)
        num = blocks.numeric.cpu().numpy()
        if len(num):
            sd = np.exp(0.5 * self.module_.observation_log_var().detach().double().cpu().numpy())
            out[:, num] += rng.standard_normal((n, len(num))) * sd[num]
        binary = blocks.binary.cpu().numpy()
        if len(binary):
            out[:, binary] = rng.random_sample((n, len(binary))) < mean[:, binary]
        for a, b in blocks.categorical:
            cdf = np.cumsum(mean[:, a:b], axis=1)
            u = rng.random_sample((n, 1)) * cdf[:, -1:]
            level = np.minimum((u >= cdf).sum(axis=1), b - a - 1)
            out[:, a:b] = 0.0
            out[np.arange(n), a + level] = 1.0
        return out

    def _save_state(self, writer) -> dict:
        state = super()._save_state(writer)
        prior = getattr(self, "prior_", None)
        if prior is not None:
            state.update(
                prior_weights=writer.array(prior.weights),
                prior_means=writer.array(prior.means),
                prior_cholesky=writer.array(prior.cholesky),
            )
        return state

    def _load_state(self, state: dict, reader) -> None:
        state = dict(state)
        saved = {key: state.pop(key, None) for key in _PRIOR_STATE_KEYS}
        super()._load_state(state, reader)
        if all(v is None for v in saved.values()):
            # Saved with prior="normal", or before the mixture prior existed: such a model
            # samples from N(0, I), and says so.
            self.prior_ = None
            self.prior = "normal"
            return
        if any(v is None for v in saved.values()):
            raise ValueError("the saved VAEGenerator has an incomplete mixture prior")
        arrays = [reader.tensor(saved[key]).double().numpy() for key in _PRIOR_STATE_KEYS]
        self.prior_ = MixturePrior.from_arrays(*arrays, k=self.n_components_)

    def traverse(self, x=None, dims=None, values=None) -> np.ndarray:
        """Latent traversal: vary one code unit at a time around a base code and decode.

        Parameters
        ----------
        x : one sample or None
            The base code is ``x``'s posterior mean; ``None``: the prior's mean (zeros).
        dims : list of int or None
            Code units to vary (default: all ``n_components_``).
        values : 1-D array or None
            Values given to each unit in turn (default: 7 points from -3 to 3, prior
            standard deviations).

        Returns
        -------
        ndarray of shape (len(dims), len(values), *sample_shape), in the layout ``fit`` saw.
        """
        check_is_fitted(self)
        k = self.n_components_
        dims = list(range(k)) if dims is None else [int(d) for d in dims]
        if any(not 0 <= d < k for d in dims):
            raise ValueError(f"dims must be code units in [0, {k}), got {dims}.")
        values = np.linspace(-3, 3, 7) if values is None else np.asarray(values, dtype=float)
        if x is None:
            base = np.zeros(k)
        else:
            x = np.asarray(x)
            base = self.transform(x[None] if x.ndim == 1 or x.shape[0] != 1 else x)[0]
        codes = np.repeat(base[None, None, :], len(dims), 0).repeat(len(values), 1)
        for i, d in enumerate(dims):
            codes[i, :, d] = values
        out = self.inverse_transform(codes.reshape(-1, k))
        return out.reshape(len(dims), len(values), *out.shape[1:])

    def score_samples(self, X) -> np.ndarray:
        """Log-likelihood estimate of each row in nats (higher = more normal).

        The ELBO ``E_q[log p(x|z)] - KL(q(z|x) || p(z))`` with 16 draws, or, with
        ``n_importance_samples=k``, ``log (1/k) sum_j p(x, z_j) / q(z_j | x)``. The draws are
        common to all rows (seeded by ``random_state``), so a row's score does not depend on
        the other rows in ``X`` and repeats exactly.
        """
        X = self._check_input(X)
        score = self._row_score(torch.float32 if X.dtype == np.float32 else torch.float64)
        return self._warn_non_finite(self._batched(score, X).double().cpu().numpy(), X)

    def _row_score(self, dtype, device=None):
        """``fn(module, batch)`` of :meth:`score_samples`: draws seeded by random_state (or 0)."""
        check_params(self, (IMPORTANCE_RULE,))  # n_importance_samples may be set after fit
        k = self.n_importance_samples
        seed = int_seed(self.random_state)
        shape = (_ELBO_SAMPLES if k is None else int(k), self.n_components_)
        eps = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.double)
        eps = eps.to(self._device if device is None else device, dtype=dtype)
        score = self._elbo if k is None else self._iwae
        return lambda module, xb: score(module, xb, eps)

    def _log_px_draws(self, module, xb, q, eps):
        """Log-likelihoods ``log p(x | z_j)`` of draws ``z_j = mu + std * eps_j`` of ``q``.

        Shape (draws, batch).
        """
        out = []
        for chunk in eps.split(_DRAWS_PER_CHUNK):
            z = q.draws(chunk)  # (c, batch, k)
            raw = module.decode(z.flatten(0, 1))
            x_rep = xb.repeat(len(chunk), 1)
            out.append(self._log_px_given_z(module, raw, x_rep).view(len(chunk), -1))
        return torch.cat(out)

    def _elbo(self, module, xb, eps):
        q = module.posterior(xb)
        return self._log_px_draws(module, xb, q, eps).mean(0) - q.kl()

    def _iwae(self, module, xb, eps):
        q = module.posterior(xb)
        log_w = q.log_weights(self._log_px_draws(module, xb, q, eps), eps)
        return torch.logsumexp(log_w, dim=0) - math.log(len(eps))
