"""No silent wrong results from the autoencoders: diverged fits, bad parameters, bad shapes."""

import json
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

import sk_autoencoder as ska
from sk_autoencoder import AutoencoderTransformer, VAEGenerator
from sk_autoencoder.persistence.envelope import CONFIG_FILE, config_sha256

CLASSES = [AutoencoderTransformer, VAEGenerator]


def data(n=200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) @ rng.normal(size=(2, d))).astype(np.float32)


class PoisonAt(Callback):
    """Turn the weights into NaN at the start of one epoch (a divergence on cue)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                next(net.module_.parameters()).fill_(float("nan"))


# ---------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("cls", CLASSES)
def test_a_fit_that_never_reaches_a_finite_loss_raises(cls):
    with pytest.raises(FloatingPointError, match="non-finite .* learning rate"):
        cls(lr=1e6, max_epochs=5, random_state=0).fit(data())


@pytest.mark.parametrize("cls", CLASSES)
def test_an_extreme_input_value_is_named_instead_of_nan_codes(cls):
    X = data()
    X[3, 2] = 1e30
    with pytest.raises(FloatingPointError, match=re.escape("1e+30")):
        cls(max_epochs=3, random_state=0).fit(X)


@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("cls", CLASSES)
def test_divergence_keeps_the_last_finite_weights_and_warns(cls, early_stopping):
    X = data()
    est = cls(
        max_epochs=8,
        early_stopping=early_stopping,
        callbacks=[("poison", PoisonAt(4))],
        random_state=0,
    )
    with pytest.warns(RuntimeWarning, match="epoch 4;.*epoch 3.*are kept"):
        est.fit(X)
    assert len(est.history) == 4  # stopped in the epoch that diverged
    assert all(torch.isfinite(p).all() for p in est.module_.parameters())
    assert np.isfinite(est.transform(X)).all()
    assert np.isfinite(est.score_samples(X)).all()


def test_partial_fit_that_diverges_keeps_the_weights_it_started_from():
    X = data()
    ae = AutoencoderTransformer(max_epochs=2, early_stopping=False, random_state=0)
    ae.partial_fit(X)
    before = {k: v.clone() for k, v in ae.module_.state_dict().items()}
    ae.callbacks_.append(("poison", PoisonAt(3)))  # diverge in the first epoch of this call
    with pytest.warns(RuntimeWarning, match="epoch 2, the last finite one"):
        ae.partial_fit(X)
    for k, v in ae.module_.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_non_finite_outputs_come_with_a_warning():
    ae = AutoencoderTransformer(max_epochs=2, random_state=0).fit(data())
    X = data(5)
    X[0] = 1e38
    with pytest.warns(RuntimeWarning, match="1 of 5 rows gave NaN or infinite"):
        ae.reconstruction_error(X)


# ---------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    "cls, params, name",
    [
        (VAEGenerator, {"beta": -1}, "beta"),
        (VAEGenerator, {"beta": float("nan")}, "beta"),
        (VAEGenerator, {"n_importance_samples": 0}, "n_importance_samples"),
        (VAEGenerator, {"n_importance_samples": 2.5}, "n_importance_samples"),
        (AutoencoderTransformer, {"tol": -1e-3}, "tol"),
        (AutoencoderTransformer, {"n_iter_no_change": 0}, "n_iter_no_change"),
        (AutoencoderTransformer, {"sparsity": "l1", "sparsity_weight": np.nan}, "sparsity_weight"),
        (AutoencoderTransformer, {"contractive_weight": np.nan}, "contractive_weight"),
        (AutoencoderTransformer, {"device": "bogus"}, "device"),
        (AutoencoderTransformer, {"optimizer": "adam"}, "optimizer"),
    ],
)
def test_bad_parameters_are_named(cls, params, name):
    with pytest.raises(ValueError, match=f"{cls.__name__}: {name}"):
        cls(max_epochs=1, **params).fit(data(30))


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device='cuda' needs a CUDA GPU.*device='auto'"):
        AutoencoderTransformer(max_epochs=1, device="cuda").fit(data(30))


def test_importance_samples_set_after_fit_are_checked_when_scoring():
    vae = VAEGenerator(max_epochs=1, random_state=0).fit(data(30))
    vae.set_params(n_importance_samples=-3)
    with pytest.raises(ValueError, match="n_importance_samples"):
        vae.score_samples(data(5))


@pytest.mark.parametrize("n", [2.5, "3", -1, True, None])
def test_sample_needs_a_count(n):
    vae = VAEGenerator(max_epochs=1, random_state=0).fit(data(30))
    with pytest.raises(ValueError, match="sample: n_samples must be an int >= 0"):
        vae.sample(n)


# ---------------------------------------------------------------------------- shapes
@pytest.fixture(scope="module")
def conv_on_images():
    images = np.random.default_rng(0).random((40, 8, 8)).astype(np.float32)
    return AutoencoderTransformer(architecture="conv", max_epochs=1, random_state=0).fit(images)


def test_one_image_instead_of_a_batch_is_named(conv_on_images):
    image = np.zeros((8, 8), dtype=np.float32)
    with pytest.raises(
        ValueError, match=re.escape("pass a batch, e.g. X[None] of shape (1, 8, 8)")
    ):
        conv_on_images.transform(image)
    assert conv_on_images.transform(image[None]).shape[0] == 1  # a batch of one works


def test_interpolate_needs_two_samples_of_one_shape(conv_on_images):
    with pytest.raises(ValueError, match="same shape"):
        conv_on_images.interpolate(np.zeros((8, 8)), np.zeros((4, 4)))


def test_raw_pixels_into_a_conv_model_warn_and_name_imagescaler():
    pixels = np.random.default_rng(0).integers(0, 256, (40, 8, 8)).astype(np.uint8)
    with pytest.warns(UserWarning, match="ImageScaler"):
        AutoencoderTransformer(architecture="conv", max_epochs=1, random_state=0).fit(pixels)


def test_scaled_images_do_not_warn(recwarn):
    images = np.random.default_rng(0).random((40, 8, 8)).astype(np.float32)
    AutoencoderTransformer(architecture="conv", max_epochs=1, random_state=0).fit(images)
    assert not [w for w in recwarn if "pixel" in str(w.message)]


def test_an_ambiguous_layout_is_guessed_with_notice():
    images = np.random.default_rng(0).random((20, 3, 6, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"could be \(n, C, H, W\) or \(n, H, W, C\)"):
        AutoencoderTransformer(architecture="conv", max_epochs=1, random_state=0).fit(images)


# ---------------------------------------------------------------------------- repr
def test_repr_is_scikit_learns_also_in_a_pipeline():
    assert repr(AutoencoderTransformer()) == "AutoencoderTransformer()"
    assert repr(VAEGenerator(beta=2.0, n_components=3)) == "VAEGenerator(beta=2.0, n_components=3)"
    text = repr(make_pipeline(StandardScaler(), AutoencoderTransformer(n_components=3)))
    assert "AutoencoderTransformer(n_components=3)" in text and "uninitialized" not in text


# ---------------------------------------------------------------------------- model files
def test_absurd_saved_sizes_are_refused_before_allocating(tmp_path):
    ae = AutoencoderTransformer(max_epochs=1, random_state=0).fit(data(30))
    ska.save(ae, tmp_path / "m")
    path = tmp_path / "m" / CONFIG_FILE
    config = json.loads(path.read_text())
    config["params"]["hidden_layer_sizes"] = [1e6, 1e6]
    config["checksum"] = config_sha256(config)  # an edit that also forges the checksum
    path.write_text(json.dumps(config))
    with pytest.raises(ska.ModelFormatError, match="hidden_layer_sizes"):
        ska.load(tmp_path / "m")


def test_loading_a_model_does_not_warn(tmp_path):
    ae = AutoencoderTransformer(max_epochs=1, random_state=0).fit(data(30))
    ska.save(ae, tmp_path / "m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ska.load(tmp_path / "m")
