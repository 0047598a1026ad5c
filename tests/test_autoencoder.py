"""Behaviour of AutoencoderTransformer (and what it shares with VAEGenerator via _core)."""

import copy

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sk_autoencoder import AutoencoderTransformer, VAEGenerator


def rank2_data(n=300, d=5, noise=0.0, seed=0, dtype=np.float32):
    """Rows on a 2-D linear subspace of R^d (plus optional isotropic noise)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, d))
    if noise:
        X = X + noise * rng.normal(size=X.shape)
    return X.astype(dtype)


def small_ae(**kw):
    params = {"n_components": 2, "max_epochs": 3, "random_state": 0}
    params.update(kw)
    return AutoencoderTransformer(**params)


def state_of(net):
    return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}


def same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class RecordStates(Callback):
    """Keeps a copy of the module's weights when training starts and after every epoch."""

    def initialize(self):
        self.start = None
        self.by_epoch = {}
        return self

    def on_train_begin(self, net, **kwargs):
        self.start = state_of(net)

    def on_epoch_end(self, net, **kwargs):
        self.by_epoch[net.history[-1, "epoch"]] = state_of(net)


# ---------------------------------------------------------------------------- basics
def test_fit_returns_self_and_sets_fitted_attributes():
    X = rank2_data(60)
    ae = small_ae()
    assert ae.fit(X) is ae
    assert ae.n_features_in_ == X.shape[1]
    assert ae.feature_blocks_ == [("numeric", 0, X.shape[1])]
    assert isinstance(ae.module_, torch.nn.Module)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_shape_and_dtype_follow_the_input(dtype):
    X = rank2_data(60)
    ae = small_ae(n_components=3).fit(X)
    Z = ae.transform(X.astype(dtype))
    assert Z.shape == (60, 3)
    assert Z.dtype == dtype
    back = ae.inverse_transform(Z)
    assert back.shape == X.shape and back.dtype == dtype
    # float32 and float64 paths agree up to float32 rounding
    np.testing.assert_allclose(
        ae.transform(X.astype(np.float64)), ae.transform(X).astype(np.float64), atol=1e-4
    )


def test_inverse_transform_of_transform_reconstructs_rank2_data():
    X = rank2_data(400)
    ae = AutoencoderTransformer(n_components=2, max_epochs=40, lr=0.01, random_state=0).fit(X)
    mse = float(np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2))
    assert mse < 0.1 * X.var()
    # ... and the training loss went down a lot.
    assert ae.history[-1, "train_loss"] < 0.2 * ae.history[0, "train_loss"]


def test_a_training_step_changes_the_weights():
    rec = RecordStates()
    ae = small_ae(max_epochs=1, callbacks=[("rec", rec)]).fit(rank2_data(60))
    assert rec.start is not None
    assert not same_state(rec.start, state_of(ae))


def test_inverse_transform_rejects_codes_of_the_wrong_width():
    ae = small_ae().fit(rank2_data(60))
    with pytest.raises(ValueError, match="n_components"):
        ae.inverse_transform(np.zeros((3, 5)))


# ---------------------------------------------------------------------------- scores
@pytest.fixture(scope="module")
def fitted_ae():
    X = rank2_data(400)
    ae = AutoencoderTransformer(n_components=2, max_epochs=30, lr=0.01, random_state=0).fit(X)
    return ae, X


def test_score_samples_is_negative_reconstruction_error(fitted_ae):
    ae, X = fitted_ae
    s = ae.score_samples(X)
    assert s.shape == (len(X),)
    np.testing.assert_array_equal(s, -ae.reconstruction_error(X))
    assert (s <= 0).all()


def test_outliers_score_lower_than_normal_rows(fitted_ae):
    ae, X = fitted_ae
    rng = np.random.default_rng(1)
    outliers = (4 * rng.normal(size=(20, X.shape[1]))).astype(np.float32)  # off the plane
    normal = ae.score_samples(X)
    assert ae.score_samples(outliers).max() < np.median(normal)
    assert ae.score_samples(outliers).mean() < normal.mean() - 1.0


def test_reconstruction_error_per_feature(fitted_ae):
    ae, X = fitted_ae
    per_feature = ae.reconstruction_error(X[:50], per_feature=True)
    assert per_feature.shape == (50, X.shape[1])
    assert (per_feature >= 0).all()
    np.testing.assert_allclose(per_feature.mean(axis=1), ae.reconstruction_error(X[:50]))
    # squared error of the reconstruction, column by column
    recon = ae.inverse_transform(ae.transform(X[:50].astype(np.float64)))
    np.testing.assert_allclose(per_feature, (recon - X[:50]) ** 2, rtol=1e-3, atol=1e-6)


def test_score_is_mean_of_score_samples(fitted_ae):
    ae, X = fitted_ae
    assert ae.score(X) == pytest.approx(float(np.mean(ae.score_samples(X))))
    assert isinstance(ae.score(X), float)


# ---------------------------------------------------------------------------- families
FAMILIES = {
    "plain": {},
    "sparse_l1": {"sparsity": "l1"},
    "sparse_kl": {"sparsity": "kl", "sparsity_target": 0.1},
    "contractive": {"contractive_weight": 0.1},
    "denoise_gaussian": {"noise": "gaussian", "noise_level": 0.2},
    "denoise_mask": {"noise": "mask", "noise_level": 0.2},
    "denoise_swap": {"noise": "swap", "noise_level": 0.2},
    "sparse_denoising": {"sparsity": "l1", "noise": "gaussian"},
    "sparse_contractive_denoising": {
        "sparsity": "kl",
        "contractive_weight": 0.01,
        "noise": "swap",
    },
}


def expected_terms(cls, params):
    terms = ["reconstruction"]
    if cls is VAEGenerator:
        terms.append("kl")
    if params.get("sparsity"):
        terms.append("sparsity")
    if params.get("contractive_weight", 0) > 0:
        terms.append("contractive")
    return terms


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_fits_and_records_its_loss_terms(cls, family):
    params = FAMILIES[family]
    X = rank2_data(200, noise=0.1)  # 200 rows: a 20-row validation split
    est = cls(n_components=2, max_epochs=3, random_state=0, **params).fit(X)
    last = est.history[-1]
    terms = expected_terms(cls, params)
    for name in terms:
        for prefix in ("train", "valid"):
            assert np.isfinite(last[f"{prefix}_{name}"]), f"{prefix}_{name}"
    for absent in {"kl", "sparsity", "contractive"} - set(terms):
        assert f"train_{absent}" not in last
    # The loss is exactly the sum of its named terms.
    for prefix in ("train", "valid"):
        total = sum(last[f"{prefix}_{name}"] for name in terms)
        assert last[f"{prefix}_loss"] == pytest.approx(total, rel=1e-4, abs=1e-6)
    if "contractive" in terms:
        assert last["train_contractive"] > 0
    if "sparsity" in terms:
        assert last["train_sparsity"] > 0
    Z = est.transform(X)
    assert Z.shape == (200, 2) and np.isfinite(Z).all()


def test_loss_bce_on_unit_interval_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(100, 6)).astype(np.float32)
    ae = small_ae(loss="bce").fit(X)
    assert ae.feature_blocks_ == [("binary", 0, 6)]
    back = ae.inverse_transform(ae.transform(X))
    assert ((back > 0) & (back < 1)).all()  # probabilities


def test_feature_blocks_give_per_block_outputs():
    rng = np.random.default_rng(0)
    n = 120
    levels = rng.integers(0, 3, n)
    X = np.column_stack([rng.normal(size=(n, 2)), rng.integers(0, 2, n), np.eye(3)[levels]]).astype(
        np.float32
    )
    blocks = [("numeric", 0, 2), ("binary", 2, 3), ("categorical", 3, 6)]
    ae = small_ae().fit(X, feature_blocks=blocks)
    assert ae.feature_blocks_ == blocks
    back = ae.inverse_transform(ae.transform(X))
    assert ((back[:, 2] > 0) & (back[:, 2] < 1)).all()
    np.testing.assert_allclose(back[:, 3:6].sum(axis=1), 1.0, rtol=1e-5)
    # Per-feature errors: the categorical block's loss sits on the observed level's column.
    err = ae.reconstruction_error(X, per_feature=True)[:, 3:6]
    assert (err[np.eye(3, dtype=bool)[levels] == 0] == 0).all()


# ---------------------------------------------------------------------------- randomness
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_random_state_makes_fits_bit_for_bit_reproducible(cls):
    X = rank2_data(200, noise=0.1)
    params = {"n_components": 2, "max_epochs": 3, "random_state": 7, "noise": "swap"}
    Z1 = cls(**params).fit(X).transform(X)
    Z2 = cls(**params).fit(X).transform(X)
    np.testing.assert_array_equal(Z1, Z2)
    Z3 = cls(**{**params, "random_state": 8}).fit(X).transform(X)
    assert not np.array_equal(Z1, Z3)


def test_fit_leaves_the_global_torch_rng_alone():
    X = rank2_data(200)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    small_ae(noise="gaussian").fit(X)
    assert torch.equal(torch.get_rng_state(), before)
    # and the seeded fit does not depend on the global state
    torch.manual_seed(0)
    Z1 = small_ae().fit(X).transform(X)
    torch.manual_seed(1)
    Z2 = small_ae().fit(X).transform(X)
    np.testing.assert_array_equal(Z1, Z2)


def test_random_state_none_is_not_fixed():
    X = rank2_data(60)
    Z1 = small_ae(random_state=None).fit(X).transform(X)
    Z2 = small_ae(random_state=None).fit(X).transform(X)
    assert not np.array_equal(Z1, Z2)


# ---------------------------------------------------------------------------- continued training
def test_partial_fit_continues_training():
    X = rank2_data(100)
    ae = small_ae(max_epochs=2, early_stopping=False)
    assert ae.partial_fit(X) is ae
    assert len(ae.history) == 2
    before = state_of(ae)
    ae.partial_fit(X)
    assert len(ae.history) == 4
    assert not same_state(before, state_of(ae))
    assert ae.history[-1, "epoch"] == 4


def test_partial_fit_after_fit_keeps_history_and_weights():
    X = rank2_data(100)
    ae = small_ae(max_epochs=2, early_stopping=False).fit(X)
    before = state_of(ae)
    ae.partial_fit(X[:50])
    assert len(ae.history) == 4
    assert not same_state(before, state_of(ae))


def test_warm_start_continues_and_cold_start_restarts():
    X = rank2_data(100)
    warm = small_ae(max_epochs=2, early_stopping=False, warm_start=True).fit(X)
    before = state_of(warm)
    warm.fit(X)
    assert len(warm.history) == 4
    assert not same_state(before, state_of(warm))

    cold = small_ae(max_epochs=2, early_stopping=False).fit(X)
    first = cold.transform(X)
    cold.fit(X)
    assert len(cold.history) == 2
    np.testing.assert_array_equal(cold.transform(X), first)  # same seed, fresh start


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8)).astype(np.float32)  # noise: the validation loss turns up
    rec = RecordStates()
    ae = AutoencoderTransformer(
        n_components=4,
        max_epochs=200,
        n_iter_no_change=3,
        tol=0.0,
        validation_fraction=0.25,
        lr=0.01,
        callbacks=[("rec", rec)],
        random_state=0,
    ).fit(X)
    valid = np.asarray(ae.history[:, "valid_loss"])
    assert len(valid) < 200  # it stopped early
    best = int(np.argmin(valid))
    assert best < len(valid) - 1  # the last epoch was not the best one
    best_epoch = ae.history[best, "epoch"]
    assert same_state(state_of(ae), rec.by_epoch[best_epoch])


def test_tiny_data_fits_without_a_validation_split():
    X = rank2_data(20)
    ae = small_ae(max_epochs=4).fit(X)
    assert "valid_loss" not in ae.history[-1]
    assert "valid_reconstruction" not in ae.history[-1]
    assert np.isfinite(ae.history[-1, "train_loss"])
    assert sum(ae.history[-1, "batches", :, "train_batch_size"]) == 20  # every row trains
    assert ae.transform(X).shape == (20, 2)


def test_large_enough_data_gets_a_validation_split():
    X = rank2_data(200)
    ae = small_ae(validation_fraction=0.2).fit(X)
    assert sum(ae.history[-1, "batches", :, "train_batch_size"]) == 160
    assert sum(ae.history[-1, "batches", :, "valid_batch_size"]) == 40


def test_no_early_stopping_means_no_validation_split():
    ae = small_ae(early_stopping=False).fit(rank2_data(200))
    assert "valid_loss" not in ae.history[-1]
    assert len(ae.history) == 3


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "param, value",
    [
        ("n_components", 0),
        ("n_components", -1),
        ("n_components", 1.5),
        ("n_components", "two"),
        ("activation", "swish2"),
        ("loss", "l2"),
        ("sparsity", "l2"),
        ("noise", "salt"),
        ("noise_level", -0.1),
        ("sparsity_weight", -1.0),
        ("contractive_weight", -1.0),
        ("validation_fraction", 1.5),
        ("lr", -1.0),
        ("max_epochs", 0),
        ("hidden_layer_sizes", (8, 0)),
    ],
)
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_bad_parameters_raise_value_error_naming_them(cls, param, value):
    est = cls(**{"n_components": 2, "max_epochs": 2, "random_state": 0, param: value})
    with pytest.raises(ValueError, match=param):
        est.fit(rank2_data(30))


def test_sparsity_kl_target_must_be_a_rate():
    with pytest.raises(ValueError, match="sparsity_target"):
        small_ae(sparsity="kl", sparsity_target=1.5).fit(rank2_data(30))


def test_bce_on_data_outside_unit_interval_raises():
    X = rank2_data(30)
    assert X.min() < 0
    with pytest.raises(ValueError, match="bce"):
        small_ae(loss="bce").fit(X)


def test_wrong_number_of_features_at_transform_raises():
    ae = small_ae().fit(rank2_data(30, d=5))
    with pytest.raises(ValueError, match="features"):
        ae.transform(rank2_data(30, d=4))
    with pytest.raises(ValueError, match="features"):
        ae.score_samples(rank2_data(30, d=6))


def test_nan_input_raises_value_error():
    X = rank2_data(30)
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        small_ae().fit(X)
    ae = small_ae().fit(rank2_data(30))
    with pytest.raises(ValueError, match="NaN"):
        ae.transform(X)


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "score_samples", "score"])
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_unfitted_estimator_raises_not_fitted_error(cls, method):
    with pytest.raises(NotFittedError):
        getattr(cls(n_components=2), method)(np.zeros((3, 2)))


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_predict_is_not_available(cls):
    est = cls(n_components=2)
    assert not hasattr(est, "predict")
    assert not hasattr(est, "predict_proba")
    est.set_params(max_epochs=2, random_state=0).fit(rank2_data(30))
    assert not hasattr(est, "predict")


@pytest.mark.parametrize(
    "blocks, match",
    [
        ([("numeric", 0, 3)], "cover every column"),  # columns 3, 4 missing
        ([("numeric", 0, 3), ("numeric", 2, 5)], "cover every column"),  # overlap
        ([("text", 0, 5)], "invalid"),
        ([("numeric", 0, 6)], "invalid"),  # past the last column
        ([("numeric", 3, 3), ("numeric", 0, 5)], "invalid"),  # empty block
    ],
)
def test_feature_blocks_are_validated(blocks, match):
    with pytest.raises(ValueError, match=match):
        small_ae().fit(rank2_data(30, d=5), feature_blocks=blocks)


# ---------------------------------------------------------------------------- pandas
def test_set_output_pandas_gives_named_columns():
    X = pd.DataFrame(rank2_data(40), columns=list("abcde"), index=range(100, 140))
    ae = small_ae(n_components=3).set_output(transform="pandas").fit(X)
    assert list(ae.feature_names_in_) == list("abcde")
    Z = ae.transform(X)
    assert isinstance(Z, pd.DataFrame)
    names = ae.get_feature_names_out()
    assert len(names) == 3 and len(set(names)) == 3
    assert list(Z.columns) == list(names)
    assert list(Z.index) == list(X.index)
    np.testing.assert_array_equal(Z.to_numpy(), small_ae(n_components=3).fit(X).transform(X))


def test_dataframe_with_renamed_columns_is_rejected():
    X = pd.DataFrame(rank2_data(40), columns=list("abcde"))
    ae = small_ae().fit(X)
    with pytest.raises(ValueError, match="feature names"):
        ae.transform(X.rename(columns={"a": "z"}))


def test_history_has_one_entry_per_epoch():
    ae = small_ae(max_epochs=3, early_stopping=False).fit(rank2_data(60))
    # skorch's history: one entry per epoch with the durations and losses
    assert [h["epoch"] for h in ae.history] == [1, 2, 3]
    assert all(h["dur"] > 0 for h in ae.history)
    assert copy.deepcopy(ae).history[-1, "train_loss"] == ae.history[-1, "train_loss"]


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_resolved_settings_are_public_fitted_attributes(cls):
    X = np.random.default_rng(0).normal(size=(2000, 4)).astype(np.float32)
    est = cls(n_components=2, max_epochs="auto", early_stopping=False, random_state=0)
    assert not hasattr(est, "batch_size_") and not hasattr(est, "lr_")
    est.set_params(max_epochs=2).fit(X)  # explicit epochs: resolved as given
    assert est.max_epochs_ == 2 and len(est.history) == 2
    # batch_size="auto": n_train / 64 rounded to a power of two (2000 rows -> 32)
    assert est.batch_size_ == 32
    assert est.history[0, "batches", 0, "train_batch_size"] == 32
    # lr="auto": 0.03 * sqrt(batch / 1024), the optimizer's base learning rate
    assert est.lr_ == pytest.approx(0.03 * (32 / 1024) ** 0.5)
    assert est.optimizer_.param_groups[0]["initial_lr"] == pytest.approx(est.lr_)
    auto = cls(n_components=2, batch_size=500, lr=0.01, random_state=0).fit(X[:500])
    # 500 rows, 10% held out -> 450 training rows in one batch: 3000 steps capped at 500 epochs
    assert auto.batch_size_ == 500 and auto.max_epochs_ == 500 and auto.lr_ == 0.01
