"""VAEGenerator: posterior-mean codes, sampling, log-likelihood scores in nats."""

import copy
import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from sk_autoencoder import VAEGenerator


def plane_data(n=500, d=6, noise=0.1, seed=0):
    """2-D Gaussian codes embedded linearly in R^d plus isotropic noise (float64)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) @ rng.normal(size=(2, d)) + noise * rng.normal(size=(n, d))


@pytest.fixture(scope="module")
def fitted():
    X = plane_data()
    vae = VAEGenerator(n_components=2, max_epochs=80, lr=0.01, random_state=0).fit(X)
    return vae, X


def test_transform_is_the_deterministic_posterior_mean(fitted):
    vae, X = fitted
    Z1, Z2 = vae.transform(X), vae.transform(X)
    np.testing.assert_array_equal(Z1, Z2)
    assert Z1.shape == (len(X), 2) and Z1.dtype == np.float64
    mu, _ = vae.module_.encode(torch.as_tensor(X[:5], dtype=torch.float32))
    np.testing.assert_allclose(Z1[:5], mu.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_codes_are_roughly_standard_normal(fitted):
    # the KL term pulls the aggregate posterior towards N(0, I)
    vae, X = fitted
    Z = vae.transform(X)
    assert np.abs(Z.mean(axis=0)).max() < 0.5
    assert (Z.std(axis=0) < 2).all()


def test_sample_shape_and_seeding(fitted):
    vae, X = fitted
    a = vae.sample(7, random_state=0)
    assert a.shape == (7, X.shape[1])
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(a, vae.sample(7, random_state=0))
    assert not np.array_equal(a, vae.sample(7, random_state=1))
    assert not np.array_equal(vae.sample(7), vae.sample(7))  # unseeded draws differ
    rs = np.random.RandomState(3)
    assert vae.sample(2, random_state=rs).shape == (2, X.shape[1])


def test_samples_resemble_the_training_data(fitted):
    vae, X = fitted
    S = vae.sample(2000, random_state=0)
    # the decoded means lie close to the plane: PCA with 2 components explains them
    pca = PCA(2).fit(X)
    resid = S - pca.inverse_transform(pca.transform(S))
    assert np.mean(resid**2) < 0.1 * np.mean((S - S.mean(0)) ** 2)
    np.testing.assert_allclose(S.std(axis=0), X.std(axis=0), rtol=0.5)


def test_score_samples_is_finite_per_row_and_repeatable(fitted):
    vae, X = fitted
    s = vae.score_samples(X)
    assert s.shape == (len(X),)
    assert np.isfinite(s).all()
    np.testing.assert_array_equal(s, vae.score_samples(X))
    assert vae.score(X) == pytest.approx(s.mean())


@pytest.mark.parametrize("n_importance_samples", [None, 8])
def test_score_samples_of_a_row_does_not_depend_on_the_other_rows(fitted, n_importance_samples):
    vae, X = fitted
    vae = vae.set_params(n_importance_samples=n_importance_samples)
    try:
        alone = vae.score_samples(X[:7])
        within = vae.score_samples(X)[:7]
        np.testing.assert_allclose(alone, within, rtol=1e-12, atol=1e-12)  # float64 path
        alone32 = vae.score_samples(X[:7].astype(np.float32))
        np.testing.assert_allclose(alone32, within, rtol=1e-4)
    finally:
        vae.set_params(n_importance_samples=None)


def test_outliers_get_lower_log_likelihood(fitted):
    vae, X = fitted
    rng = np.random.default_rng(5)
    outliers = 3 * rng.normal(size=(20, X.shape[1]))
    assert vae.score_samples(outliers).max() < np.median(vae.score_samples(X))


def test_importance_weighted_bound_is_tighter_than_the_elbo(fitted):
    vae, X = fitted
    elbo = vae.score_samples(X)
    vae.set_params(n_importance_samples=64)
    try:
        iwae = vae.score_samples(X)
    finally:
        vae.set_params(n_importance_samples=None)
    assert np.isfinite(iwae).all()
    assert iwae.mean() > elbo.mean()  # on average: the two use different Monte-Carlo draws


@pytest.mark.parametrize("n_importance_samples", [None, 64])
def test_log_likelihood_is_in_the_same_units_as_pca(fitted, n_importance_samples):
    # Data from PCA's own model (probabilistic PCA): its log-likelihood is close to the best
    # possible, and a VAE's bound on log p(x) in nats should be a little below it. A score in
    # other units (bits, per-feature means) or without the learned noise variance lands far off.
    vae, X = fitted
    pca_ll = PCA(n_components=2).fit(X).score_samples(X).mean()
    vae.set_params(n_importance_samples=n_importance_samples)
    try:
        vae_ll = vae.score_samples(X).mean()
    finally:
        vae.set_params(n_importance_samples=None)
    assert np.isfinite(pca_ll) and np.isfinite(vae_ll)
    assert pca_ll - 4 < vae_ll < pca_ll + 1
    # a learned observation variance well below 1 (the noise is 0.1^2)
    assert vae.module_.observation_log_var().exp().max().item() < 0.5


@pytest.fixture(scope="module")
def one_dim_vae():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 1)) @ rng.normal(size=(1, 4)) + 0.1 * rng.normal(size=(300, 4))
    vae = VAEGenerator(n_components=1, max_epochs=40, lr=0.01, random_state=0).fit(X)
    return vae, X[:50]


def exact_log_likelihood(vae, X):
    """log p(x) = log int p(x | z) p(z) dz by quadrature on a fine grid (1-D code)."""
    module = copy.deepcopy(vae.module_).double().eval()
    z = torch.linspace(-8, 8, 16001, dtype=torch.float64)[:, None]
    with torch.no_grad():
        mean = module.decode(z)  # (grid, d)
        log_var = module.observation_log_var()
        x = torch.as_tensor(X, dtype=torch.float64)[:, None, :]
        log_px_z = -0.5 * (math.log(2 * math.pi) + log_var + (x - mean) ** 2 / log_var.exp())
        log_pz = -0.5 * z[:, 0] ** 2 - 0.5 * math.log(2 * math.pi)
        log_px = torch.logsumexp(log_px_z.sum(-1) + log_pz, dim=1) + math.log(16 / 16000)
    return log_px.numpy()


def test_elbo_is_a_lower_bound_of_the_exact_log_likelihood(one_dim_vae):
    vae, X = one_dim_vae
    exact = exact_log_likelihood(vae, X)
    elbo = vae.score_samples(X)
    assert np.isfinite(exact).all()
    assert elbo.mean() <= exact.mean() + 0.05
    assert elbo.mean() > exact.mean() - 2  # and not absurdly loose


def test_importance_weighted_bound_approaches_the_exact_log_likelihood(one_dim_vae):
    # IWAE with k draws is a lower bound of log p(x) that tightens as k grows (Burda et al.,
    # 2016); with a 1-D code and 256 draws it is within a fraction of a nat.
    vae, X = one_dim_vae
    exact = exact_log_likelihood(vae, X)
    vae.set_params(n_importance_samples=256)
    try:
        iwae = vae.score_samples(X)
    finally:
        vae.set_params(n_importance_samples=None)
    assert iwae.mean() <= exact.mean() + 0.05  # Monte-Carlo slack
    np.testing.assert_allclose(iwae, exact, atol=0.25)


def test_beta_scales_the_kl_term():
    X = plane_data(200)
    hist = {}
    for beta in (1.0, 3.0):
        vae = VAEGenerator(n_components=2, beta=beta, max_epochs=1, random_state=0).fit(X)
        # The first batch sees identical weights, data and noise: only the weight differs.
        hist[beta] = vae.history[0, "batches", 0]
    assert hist[1.0]["train_kl"] > 0
    assert hist[3.0]["train_kl"] == pytest.approx(3 * hist[1.0]["train_kl"], rel=1e-5)
    assert hist[3.0]["train_reconstruction"] == pytest.approx(
        hist[1.0]["train_reconstruction"], rel=1e-6
    )


def test_larger_beta_gives_a_smaller_kl():
    X = plane_data(300)
    kl = {}
    for beta in (0.1, 10.0):
        vae = VAEGenerator(n_components=2, beta=beta, max_epochs=15, random_state=0).fit(X)
        kl[beta] = vae.history[-1, "train_kl"] / beta  # the unweighted KL
    assert kl[10.0] < kl[0.1]


def test_bce_vae_on_unit_interval_data():
    rng = np.random.default_rng(0)
    X = (rng.uniform(size=(200, 8)) > 0.5).astype(np.float32)
    X[:, 4:] = rng.uniform(size=(200, 4))  # BCE accepts soft targets as well
    vae = VAEGenerator(n_components=2, loss="bce", max_epochs=5, random_state=0).fit(X)
    assert vae.feature_blocks_ == [("binary", 0, 8)]
    S = vae.sample(10, random_state=0)
    assert ((S > 0) & (S < 1)).all()
    s = vae.score_samples(X)
    assert np.isfinite(s).all()
    assert (s < 0).all()  # Bernoulli log-likelihoods (and the ELBO below them) are negative
    assert "train_kl" in vae.history[-1]


def test_vae_reconstruction_error_uses_the_posterior_mean(fitted):
    vae, X = fitted
    err = vae.reconstruction_error(X)
    recon = vae.inverse_transform(vae.transform(X))
    np.testing.assert_allclose(err, ((recon - X) ** 2).mean(axis=1), rtol=1e-6)
    assert vae.reconstruction_error(X, per_feature=True).shape == X.shape
