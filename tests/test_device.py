"""device="auto" and mixed precision (CPU here; the GPU paths take the same code)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits

import sk_autoencoder as ska
from sk_autoencoder import AutoencoderTransformer, VAEGenerator
from sk_autoencoder._core.device import cpu_has_bf16 as _cpu_has_bf16
from sk_autoencoder._core.device import resolve_device

X = (load_digits().data[:300] / 16).astype(np.float32)


def test_resolve_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("cuda:1") == "cuda:1"
    assert resolve_device(None) is None


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_auto_device_default_is_kept_as_parameter(cls):
    est = cls(n_components=3, max_epochs=2, random_state=0)
    assert est.device == "auto"
    est.fit(X)
    # The parameter is not overwritten by fit (scikit-learn's rule); the weights are placed
    # on the resolved device.
    assert est.get_params()["device"] == "auto"
    expected = torch.device(resolve_device("auto")).type
    assert {p.device.type for p in est.module_.parameters()} == {expected}
    assert clone(est).device == "auto"
    assert est.transform(X).shape == (len(X), 3)


def test_auto_device_pickles_and_saves(tmp_path):
    est = AutoencoderTransformer(n_components=3, max_epochs=2, random_state=0).fit(X)
    back = pickle.loads(pickle.dumps(est))
    assert back.device == "auto"
    np.testing.assert_allclose(back.transform(X), est.transform(X), rtol=1e-6)
    ska.save(est, tmp_path / "m")
    loaded = ska.load(tmp_path / "m")
    assert loaded.device == "auto"
    np.testing.assert_allclose(loaded.transform(X), est.transform(X), rtol=1e-6)


def test_auto_device_with_early_stopping_checkpoint_and_partial_fit():
    est = AutoencoderTransformer(n_components=3, max_epochs=3, random_state=0)
    est.partial_fit(X[:150])
    est.partial_fit(X[150:])
    assert est.device == "auto"
    assert len(est.history) == 6


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_mixed_precision_trains_close_to_float32(cls):
    kw = dict(n_components=4, max_epochs=15, random_state=0, device="cpu")
    full = cls(**kw).fit(X)
    mixed = cls(mixed_precision=True, **kw).fit(X)
    assert mixed.get_params()["mixed_precision"] is True
    # float32 weights and outputs; the loss falls as in float32 training.
    assert all(p.dtype == torch.float32 for p in mixed.module_.parameters())
    assert mixed.transform(X).dtype == np.float32
    first, last = mixed.history[0, "train_loss"], mixed.history[-1, "train_loss"]
    assert last < 0.8 * first
    assert last == pytest.approx(full.history[-1, "train_loss"], rel=0.1)


def test_mixed_precision_conv_and_bf16_forward():
    images = X.reshape(-1, 8, 8)
    ae = AutoencoderTransformer(
        architecture="conv", mixed_precision=True, max_epochs=3, random_state=0, device="cpu"
    ).fit(images)
    seen = []
    hook = ae.module_.encoder[1].register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    ae.partial_fit(images, epochs=1)
    hook.remove()
    assert torch.bfloat16 in seen  # the convolutions ran in bfloat16 during training
    seen.clear()
    hook = ae.module_.encoder[1].register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    out = ae.denoise(images)
    hook.remove()
    assert set(seen) == {torch.float32}  # prediction stays in full precision
    assert out.shape == images.shape and np.isfinite(out).all()


def test_mixed_precision_must_be_bool_or_auto():
    with pytest.raises(ValueError, match="mixed_precision"):
        AutoencoderTransformer(mixed_precision="yes", max_epochs=1).fit(X)


def test_mixed_precision_auto_only_for_conv_on_bf16_hardware():
    mlp = AutoencoderTransformer(device="cpu")
    assert mlp.mixed_precision == "auto" and not mlp._mixed_precision()
    conv = AutoencoderTransformer(architecture="conv", device="cpu")
    assert conv._mixed_precision() == _cpu_has_bf16()
    assert not conv.set_params(mixed_precision=False)._mixed_precision()
    assert AutoencoderTransformer(mixed_precision=True, device="cpu")._mixed_precision()
