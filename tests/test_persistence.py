"""save/load (JSON config + safetensors weights) and pickling."""

import copy
import hashlib
import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch
from skorch.callbacks import Callback

import sk_autoencoder as ska
from sk_autoencoder import AutoencoderTransformer, ModelFormatError, VAEGenerator
from sk_autoencoder.persistence import CONFIG_FILE, WEIGHTS_FILE


def data(n=80, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) @ rng.normal(size=(2, d))).astype(np.float32)


@pytest.fixture(scope="module", params=[AutoencoderTransformer, VAEGenerator])
def fitted(request):
    X = data()
    est = request.param(n_components=2, max_epochs=3, random_state=0).fit(X)
    return est, X


@pytest.fixture
def saved(fitted, tmp_path):
    est, X = fitted
    path = tmp_path / "model"
    ska.save(est, path)
    return est, X, path


def read_config(path):
    return json.loads((path / CONFIG_FILE).read_text())


def write_config(path, config):
    (path / CONFIG_FILE).write_text(json.dumps(config))


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_is_identical(saved, dtype):
    est, X, path = saved
    loaded = ska.load(path)
    assert type(loaded) is type(est)
    X = X.astype(dtype)
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))
    Z = est.transform(X)
    np.testing.assert_array_equal(loaded.inverse_transform(Z), est.inverse_transform(Z))
    assert loaded.get_params().keys() == est.get_params().keys()
    assert loaded.n_features_in_ == est.n_features_in_
    assert loaded.feature_blocks_ == est.feature_blocks_


def test_vae_samples_survive_the_round_trip(tmp_path):
    X = data()
    vae = VAEGenerator(n_components=2, max_epochs=2, random_state=0).fit(X)
    ska.save(vae, tmp_path / "vae")
    loaded = ska.load(tmp_path / "vae")
    np.testing.assert_array_equal(loaded.sample(5, random_state=0), vae.sample(5, random_state=0))


def test_saved_directory_holds_only_json_and_safetensors(saved):
    _, _, path = saved
    assert sorted(os.listdir(path)) == sorted([CONFIG_FILE, WEIGHTS_FILE])
    config = read_config(path)  # plain JSON
    assert config["format"]["name"] == "sk_autoencoder"
    # the weights file is a plain safetensors file
    tensors = safetensors.torch.load_file(str(path / WEIGHTS_FILE))
    assert tensors and all(isinstance(t, torch.Tensor) for t in tensors.values())
    raw = (path / WEIGHTS_FILE).read_bytes() + (path / CONFIG_FILE).read_bytes()
    assert b"\x80\x04\x95" not in raw and b"\x80\x05\x95" not in raw  # no pickle stream


def test_pickle_round_trip(fitted):
    est, X = fitted
    clone_ = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone_.transform(X), est.transform(X))
    np.testing.assert_array_equal(clone_.score_samples(X), est.score_samples(X))


def test_round_trip_keeps_feature_names_and_blocks(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    X = np.column_stack([rng.normal(size=(n, 2)), np.eye(3)[rng.integers(0, 3, n)]])
    df = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c=1", "c=2", "c=3"])
    blocks = [("numeric", 0, 2), ("categorical", 2, 5)]
    ae = AutoencoderTransformer(n_components=2, max_epochs=2, random_state=0)
    ae.fit(df, feature_blocks=blocks)
    ska.save(ae, tmp_path / "m")
    loaded = ska.load(tmp_path / "m")
    assert list(loaded.feature_names_in_) == list(df.columns)
    assert loaded.feature_blocks_ == blocks
    np.testing.assert_array_equal(loaded.transform(df), ae.transform(df))
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(df.rename(columns={"a": "z"}))


def test_custom_optimizer_and_routed_params_round_trip(tmp_path):
    ae = AutoencoderTransformer(
        n_components=2,
        max_epochs=2,
        random_state=0,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=0.05,
        hidden_layer_sizes=(8, 4),
    ).fit(data())
    ska.save(ae, tmp_path / "m")
    loaded = ska.load(tmp_path / "m")
    assert loaded.optimizer is torch.optim.AdamW
    assert loaded.get_params()["optimizer__weight_decay"] == 0.05
    assert loaded.hidden_layer_sizes == (8, 4)
    assert isinstance(loaded.optimizer_, torch.optim.AdamW)
    assert loaded.optimizer_.param_groups[0]["weight_decay"] == 0.05
    np.testing.assert_array_equal(loaded.transform(data()), ae.transform(data()))


class Noop(Callback):
    pass


def test_callbacks_param_warns_and_is_not_stored(tmp_path):
    ae = AutoencoderTransformer(
        n_components=2, max_epochs=2, random_state=0, callbacks=[("noop", Noop())]
    ).fit(data())
    with pytest.warns(UserWarning, match="callbacks"):
        ska.save(ae, tmp_path / "m")
    config = read_config(tmp_path / "m")
    assert "callbacks" in config["params_not_saved"]
    assert "callbacks" not in config["params"]
    loaded = ska.load(tmp_path / "m")
    assert loaded.callbacks is None
    np.testing.assert_array_equal(loaded.transform(data()), ae.transform(data()))


def test_plain_params_save_without_warnings(fitted, tmp_path, recwarn):
    est, _ = fitted
    ska.save(est, tmp_path / "m")
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


# ---------------------------------------------------------------------------- refusals
def test_tampered_weights_are_refused(saved):
    _, _, path = saved
    weights = path / WEIGHTS_FILE
    blob = bytearray(weights.read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # flip one byte inside the tensor data
    weights.write_bytes(bytes(blob))
    with pytest.raises(ModelFormatError, match="checksum"):
        ska.load(path)


def test_truncated_weights_are_refused(saved):
    _, _, path = saved
    weights = path / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ModelFormatError):
        ska.load(path)


def test_missing_weights_are_refused(saved):
    _, _, path = saved
    (path / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelFormatError, match="missing"):
        ska.load(path)


def test_future_format_version_is_refused(saved):
    _, _, path = saved
    config = read_config(path)
    config["format"]["version"] = 999
    write_config(path, config)
    with pytest.raises(ModelFormatError, match="newer"):
        ska.load(path)


@pytest.mark.parametrize("name", ["Pipeline", "os.system", "BaseAutoencoder", None])
def test_unknown_class_name_is_refused(saved, name):
    _, _, path = saved
    config = read_config(path)
    config["class"] = name
    write_config(path, config)
    with pytest.raises(ModelFormatError, match="class"):
        ska.load(path)


def test_unknown_optimizer_is_refused(saved):
    _, _, path = saved
    config = read_config(path)
    config["params"]["optimizer"] = {"torch.optim": "lr_scheduler"}
    write_config(path, config)
    with pytest.raises(ModelFormatError, match="optimizer"):
        ska.load(path)


def test_missing_config_is_refused(saved):
    _, _, path = saved
    (path / CONFIG_FILE).unlink()
    with pytest.raises(ModelFormatError, match=CONFIG_FILE):
        ska.load(path)


def test_damaged_config_is_refused(saved):
    _, _, path = saved
    (path / CONFIG_FILE).write_text('{"format": ')
    with pytest.raises(ModelFormatError):
        ska.load(path)


def test_not_a_model_directory_is_refused(tmp_path):
    with pytest.raises(ModelFormatError):
        ska.load(tmp_path)
    with pytest.raises(ModelFormatError):
        ska.load(tmp_path / "does-not-exist")


def test_model_format_error_is_a_value_error():
    assert issubclass(ModelFormatError, ValueError)


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ska.save(AutoencoderTransformer(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


# ---------------------------------------------------------------------------- overwrite
def test_existing_path_needs_overwrite_and_is_left_untouched(saved):
    est, _, path = saved
    before = {f: (path / f).read_bytes() for f in os.listdir(path)}
    other = AutoencoderTransformer(n_components=1, max_epochs=2, random_state=1).fit(data())
    with pytest.raises(FileExistsError):
        ska.save(other, path)
    assert {f: (path / f).read_bytes() for f in os.listdir(path)} == before
    assert sorted(os.listdir(path.parent)) == ["model"]


def test_overwrite_replaces_the_model(saved):
    _, X, path = saved
    other = AutoencoderTransformer(n_components=1, max_epochs=2, random_state=1).fit(X)
    ska.save(other, path, overwrite=True)
    loaded = ska.load(path)
    assert loaded.n_components == 1
    np.testing.assert_array_equal(loaded.transform(X), other.transform(X))
    assert sorted(os.listdir(path.parent)) == ["model"]  # no leftovers


def test_existing_file_at_path_is_not_overwritten(fitted, tmp_path):
    est, _ = fitted
    target = tmp_path / "model"
    target.write_text("keep me")
    with pytest.raises(FileExistsError):
        ska.save(est, target)
    assert target.read_text() == "keep me"


def _failing_save_file(*args, **kwargs):
    raise OSError("disk full")


def test_interrupted_save_leaves_nothing_behind(fitted, tmp_path, monkeypatch):
    est, _ = fitted
    monkeypatch.setattr(safetensors.torch, "save_file", _failing_save_file)
    with pytest.raises(OSError, match="disk full"):
        ska.save(est, tmp_path / "model")
    assert not (tmp_path / "model").exists()
    assert os.listdir(tmp_path) == []  # no temporary directories either


def test_interrupted_overwrite_keeps_the_old_model(saved, monkeypatch):
    est, X, path = saved
    before = {f: (path / f).read_bytes() for f in os.listdir(path)}
    monkeypatch.setattr(safetensors.torch, "save_file", _failing_save_file)
    with pytest.raises(OSError):
        ska.save(est, path, overwrite=True)
    assert {f: (path / f).read_bytes() for f in os.listdir(path)} == before
    assert sorted(os.listdir(path.parent)) == ["model"]
    monkeypatch.undo()
    np.testing.assert_array_equal(ska.load(path).transform(X), est.transform(X))


# ---------------------------------------------------------------------------- devices
def test_cuda_model_loads_on_cpu_when_cuda_is_unavailable(fitted, tmp_path, monkeypatch):
    est, X = fitted
    path = tmp_path / "model"
    on_gpu = copy.deepcopy(est)
    on_gpu.device = "cuda:0"  # as saved on a GPU machine (the weights are stored on the CPU)
    ska.save(on_gpu, path)
    assert read_config(path)["params"]["device"] == "cuda:0"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = ska.load(path)
    assert loaded.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))


def test_explicit_device_argument(saved):
    est, X, path = saved
    loaded = ska.load(path, device="cpu")
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))


def test_loaded_model_can_keep_training(saved):
    est, X, path = saved
    loaded = ska.load(path)
    before = {k: v.clone() for k, v in loaded.module_.state_dict().items()}
    loaded.partial_fit(X)
    after = loaded.module_.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAEGenerator])
def test_partial_fit_after_load_trains_like_partial_fit_before_save(cls, tmp_path):
    # A loaded model continues with its own max_epochs and batch size, like the original.
    X = data()
    est = cls(n_components=2, max_epochs=3, early_stopping=False, random_state=0).fit(X)
    ska.save(est, tmp_path / "m")
    loaded = ska.load(tmp_path / "m")
    est.partial_fit(X)
    loaded.partial_fit(X)
    assert len(loaded.history) == 3
    assert len(loaded.history[-1, "batches"]) == len(est.history[-1, "batches"])


def test_format_1_directories_still_load(fitted, tmp_path):
    # Format 1 (earlier releases): weights keyed by parameter name, fitted attributes in
    # "fitted", a checksum over the weights only.
    est, X = fitted
    ska.save(est, tmp_path / "v2")
    v2 = read_config(tmp_path / "v2")
    path = tmp_path / "v1"
    path.mkdir()
    weights = {k: v.detach().contiguous() for k, v in est.module_.state_dict().items()}
    safetensors.torch.save_file(weights, str(path / WEIGHTS_FILE))
    # Format 1 had no fit_loss and no mixture prior (VAEGenerator's prior_* tensors).
    fitted_attrs = {
        k: v
        for k, v in v2["state"].items()
        if k not in ("weights", "fit_loss") and not k.startswith("prior_")
    }
    v1 = {
        "format": {"name": "sk_autoencoder", "version": 1},
        "package_version": "0.1.0",
        "class": type(est).__name__,
        "params": v2["params"],
        "params_not_saved": [],
        "fitted": fitted_attrs,
        "weights": {
            "file": WEIGHTS_FILE,
            "sha256": hashlib.sha256((path / WEIGHTS_FILE).read_bytes()).hexdigest(),
        },
    }
    write_config(path, v1)
    loaded = ska.load(path)
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))


def test_edited_config_is_refused(saved):
    _, _, path = saved
    config = read_config(path)
    config["state"]["feature_blocks_"] = [["binary", 0, 5]]
    write_config(path, config)
    with pytest.raises(ModelFormatError, match="edited after saving"):
        ska.load(path)


def test_saved_files_get_normal_permissions(saved):
    _, _, path = saved
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o777 & ~mask


def test_leftovers_of_an_interrupted_save_are_removed(fitted, tmp_path):
    est, _ = fitted
    leftover = tmp_path / ".tmp-model-abc123"
    leftover.mkdir()
    (leftover / WEIGHTS_FILE).write_bytes(b"partial")
    ska.save(est, tmp_path / "model")
    assert sorted(os.listdir(tmp_path)) == ["model"]
