"""Convolutional architecture: image / window layouts, every family, save and load."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sk_autoencoder import AutoencoderTransformer, VAEGenerator, load, save
from sk_autoencoder.modules import build_conv, corrupt
from sk_autoencoder.modules.networks import conv_stages, default_channels

FAST = dict(max_epochs=2, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X = (load_digits().data / 16).astype(np.float32)
    return X[:300]


@pytest.mark.parametrize(
    "shape", [(1, 28, 28), (1, 8, 8), (3, 32, 32), (1, 5, 7), (2, 37), (1, 64), (1, 3)]
)
def test_build_conv_is_flat_in_and_out(shape):
    d = int(np.prod(shape))
    encoder, decoder = build_conv(shape, 6, 3, default_channels(shape[1:]))
    z = encoder(torch.randn(4, d))
    assert z.shape == (4, 6)
    assert decoder(z[:, :3]).shape == (4, d)


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("per_stage", [1, 2, 3])
def test_build_conv_stride_one_convs_keep_the_sizes(per_stage, batch_norm):
    shape = (1, 28, 28)
    encoder, decoder = build_conv(
        shape, 6, 3, [8, 16], convs_per_stage=per_stage, batch_norm=batch_norm
    )
    # one batch norm per convolution, except the decoder's output convolution
    n_norms = sum(isinstance(m, torch.nn.BatchNorm2d) for m in [*encoder, *decoder])
    assert n_norms == (4 * per_stage - 1 if batch_norm else 0)
    convs = [m for m in encoder if isinstance(m, torch.nn.Conv2d)]
    strides = [m.stride[0] for m in convs]
    assert strides == ([2] + [1] * (per_stage - 1)) * 2
    deconvs = [m for m in decoder if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(deconvs) == 2 and sum(isinstance(m, torch.nn.Conv2d) for m in decoder) == 2 * (
        per_stage - 1
    )
    assert decoder(encoder(torch.randn(2, 784))[:, :3]).shape == (2, 784)


def test_conv_stages_rule():
    assert conv_stages((28, 28)) == 2  # 28 -> 14 -> 7
    assert conv_stages((64,)) == 3  # 64 -> 32 -> 16 -> 8
    assert conv_stages((8, 8)) == 0 and default_channels((8, 8)) == [32]


LAYOUTS = {
    "flat": lambda X: X,
    "no_channel": lambda X: X.reshape(-1, 8, 8),
    "channels_first": lambda X: X.reshape(-1, 1, 8, 8),
    "channels_last": lambda X: X.reshape(-1, 8, 8, 1),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_layouts_round_trip(digits, layout, dtype, cls):
    X = LAYOUTS[layout](digits.astype(dtype))
    image_shape = (1, 8, 8) if layout == "flat" else None
    model = cls(architecture="conv", image_shape=image_shape, **FAST).fit(X)
    assert model.image_shape_ == (1, 8, 8)
    codes = model.transform(X)
    assert codes.shape == (len(X), model.n_components_) and codes.dtype == dtype
    back = model.inverse_transform(codes)
    assert back.shape == X.shape and back.dtype == dtype
    assert model.denoise(X).shape == X.shape
    # Any accepted layout works after fit, and comes back in its own layout.
    for other in LAYOUTS.values():
        Y = other(digits[:5].astype(dtype))
        assert model.denoise(Y).shape == Y.shape
        np.testing.assert_allclose(model.transform(Y), codes[:5], rtol=1e-5, atol=1e-5)
    if cls is VAEGenerator:
        assert model.sample(3, random_state=0).shape == (3, *X.shape[1:])


def test_rgb_channels_last_and_first_agree():
    rng = np.random.default_rng(0)
    X = rng.random((40, 8, 8, 3), dtype=np.float32)
    model = AutoencoderTransformer(architecture="conv", **FAST).fit(X)
    assert model.image_shape_ == (3, 8, 8)
    first = np.moveaxis(X, -1, 1)
    np.testing.assert_allclose(model.transform(first), model.transform(X), atol=1e-6)
    flat = first.reshape(40, -1)
    np.testing.assert_allclose(model.transform(flat), model.transform(X), atol=1e-6)
    assert model.inverse_transform(model.transform(X)).shape == X.shape


def test_auto_defaults_for_images(digits):
    model = AutoencoderTransformer(architecture="conv", image_shape=(1, 8, 8), **FAST)
    model.fit(digits)
    assert model.n_components_ == 32  # 4 * sqrt(64) rounded to a power of two
    assert model.feature_blocks_ == [("binary", 0, 64)]  # [0, 1] images: sigmoid + BCE
    assert np.all(model.inverse_transform(model.transform(digits)) >= 0)
    standardised = (digits - digits.mean(0)) / (digits.std(0) + 1)
    model.fit(standardised)
    assert model.feature_blocks_ == [("numeric", 0, 64)]
    mlp = AutoencoderTransformer(**FAST).fit(digits)
    assert mlp.n_components_ == 2 and mlp.feature_blocks_ == [("numeric", 0, 64)]


FAMILIES = {
    "sparse_l1": dict(sparsity="l1"),
    "sparse_kl": dict(sparsity="kl"),
    "contractive": dict(contractive_weight=0.01, n_components=3),
    "gaussian": dict(noise="gaussian", noise_level=0.3),
    "salt_pepper": dict(noise="salt_pepper", noise_level=0.1),
    "mask": dict(noise="mask", noise_level=0.2),
    "block": dict(noise="block", noise_level=0.25),
}


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_every_family_combines_with_conv(digits, family, cls):
    params = FAMILIES[family]
    model = cls(architecture="conv", image_shape=(1, 8, 8), **params, **FAST)
    model.fit(digits[:120])
    assert np.isfinite(model.history[-1, "train_loss"])
    term = {"sparse_l1": "sparsity", "sparse_kl": "sparsity", "contractive": "contractive"}
    if family in term:
        assert model.history[-1, f"train_{term[family]}"] > 0
    assert np.all(np.isfinite(model.score_samples(digits[:10])))


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_one_dimensional_windows(cls):
    rng = np.random.default_rng(0)
    t = np.arange(48)
    X = np.stack(
        [np.stack([np.sin(t / 4 + p), np.cos(t / 6 + p)]) for p in rng.uniform(0, 6, 80)]
    )  # (80, 2, 48): two channels
    model = cls(architecture="conv", image_shape=(2, 48), noise="block", **FAST)
    model.fit(X.reshape(80, -1))
    assert model.n_components_ == 32 and model.feature_blocks_[0][0] == "numeric"
    assert model.denoise(X).shape == X.shape
    assert model.transform(X).shape == (80, 32)


def test_conv_denoiser_removes_noise():
    X = (load_digits().data / 16).astype(np.float32)
    train, test = X[:1000], X[1000:]
    rng = np.random.default_rng(0)
    noisy = np.clip(test + 0.3 * rng.standard_normal(test.shape).astype(np.float32), 0, 1)
    model = AutoencoderTransformer(
        architecture="conv",
        image_shape=(1, 8, 8),
        noise="gaussian",
        noise_level=0.3,
        max_epochs=20,
        random_state=0,
    ).fit(train)
    mse_noisy = np.mean((noisy - test) ** 2)
    mse_denoised = np.mean((model.denoise(noisy) - test) ** 2)
    assert mse_denoised < 0.6 * mse_noisy


def test_interpolate_and_traverse(digits):
    vae = VAEGenerator(architecture="conv", n_components=4, **FAST).fit(digits.reshape(-1, 8, 8))
    images = digits.reshape(-1, 8, 8)
    strip = vae.interpolate(images[0], images[1], n_steps=5)
    assert strip.shape == (5, 8, 8)
    np.testing.assert_allclose(strip[0], vae.denoise(images[:1])[0], atol=1e-5)
    np.testing.assert_allclose(strip[-1], vae.denoise(images[1:2])[0], atol=1e-5)
    grid = vae.traverse(images[0], dims=[0, 2], values=[-2, 0, 2])
    assert grid.shape == (2, 3, 8, 8)
    assert vae.traverse().shape == (4, 7, 8, 8)
    with pytest.raises(ValueError, match="dims"):
        vae.traverse(dims=[4])
    with pytest.raises(ValueError, match="n_steps"):
        vae.interpolate(images[0], images[1], n_steps=1)


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_save_load_image_model(tmp_path, digits, cls):
    X = digits.reshape(-1, 8, 8, 1)
    model = cls(architecture="conv", noise="block", noise_level=0.2, **FAST).fit(X)
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.image_shape_ == (1, 8, 8) and loaded.image_shape is None
    np.testing.assert_allclose(loaded.transform(X), model.transform(X), atol=1e-6)
    Z = model.transform(X[:3])
    assert loaded.inverse_transform(Z).shape == (3, 8, 8, 1)
    np.testing.assert_allclose(loaded.inverse_transform(Z), model.inverse_transform(Z), atol=1e-6)


def test_clear_errors(digits):
    with pytest.raises(ValueError, match="image_shape"):
        AutoencoderTransformer(architecture="conv", **FAST).fit(digits)
    with pytest.raises(ValueError, match="65 columns"):
        AutoencoderTransformer(architecture="conv", image_shape=(1, 8, 8), **FAST).fit(
            np.hstack([digits, digits[:, :1]])
        )
    with pytest.raises(ValueError, match="'block'"):
        AutoencoderTransformer(noise="block", **FAST).fit(digits)
    with pytest.raises(ValueError, match="image_shape"):
        AutoencoderTransformer(architecture="conv", image_shape=(8, 8, 1, 1), **FAST).fit(digits)
    model = AutoencoderTransformer(architecture="conv", image_shape=(1, 8, 8), **FAST).fit(digits)
    with pytest.raises(ValueError, match="does not match image_shape"):
        model.transform(digits.reshape(-1, 4, 16))
    flat = AutoencoderTransformer(**FAST).fit(digits)
    with pytest.raises(ValueError, match="2-D rows"):
        flat.transform(digits.reshape(-1, 8, 8))


def test_corruptions_for_images():
    torch.manual_seed(0)
    x = torch.full((200, 64), 0.5)
    sp = corrupt(x, "salt_pepper", 0.2, value_range=(0.0, 1.0))
    changed = sp != 0.5
    assert 0.15 < changed.float().mean() < 0.25
    assert set(sp[changed].unique().tolist()) == {0.0, 1.0}
    g = corrupt(x, "gaussian", 1.0, value_range=(0.0, 1.0))
    assert g.min() >= 0 and g.max() <= 1
    block = corrupt(x, "block", 0.25, image_shape=(1, 8, 8))
    zeroed = (block == 0).float().mean(dim=1)
    assert torch.allclose(zeroed, torch.full_like(zeroed, 16 / 64))  # one 4 x 4 block each
    rows = (block == 0).view(200, 8, 8)
    r, c = torch.nonzero(rows[0], as_tuple=True)
    assert r.max() - r.min() == 3 and c.max() - c.min() == 3  # a contiguous square
    with pytest.raises(ValueError, match="image_shape"):
        corrupt(x, "block", 0.25)
