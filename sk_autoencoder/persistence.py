"""Safe model files: a directory with a JSON config and safetensors weights.

Loading never runs code from the file: the class comes from a fixed whitelist, parameters are
plain JSON values, the weights are tensors checked against a SHA-256 recorded in the config.
Pickling (``pickle``/``joblib``) also works, as for any scikit-learn estimator, but only load
pickles you trust.

Layout of ``path/``::

    config.json         format name and version, package version, class, parameters,
                        fitted state, weights checksum
    weights.safetensors the module's state dict
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings

import numpy as np
import torch

from . import __version__
from ._base import _LAYOUTS
from .autoencoder import AutoencoderTransformer
from .vae import VAEGenerator

FORMAT_NAME = "sk_autoencoder"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
# The only classes a model file may name.
_CLASSES = {cls.__name__: cls for cls in (AutoencoderTransformer, VAEGenerator)}


def _composite_classes() -> dict:
    """Estimators made of several autoencoders; each writes and reads its own directory
    (``_save_model`` / ``_load_model``) with the members in this format."""
    from .timeseries import SeriesOutlierDetector

    return {"SeriesOutlierDetector": SeriesOutlierDetector}


class ModelFormatError(ValueError):
    """A model directory is missing, corrupted, tampered with or from a newer format."""


def _require_safetensors():
    try:
        import safetensors.torch
    except ImportError as exc:  # pragma: no cover - safetensors is a core dependency
        raise ImportError(
            "sk_autoencoder.save/load need safetensors: pip install safetensors"
        ) from exc
    return safetensors.torch


def _json_params(estimator) -> tuple[dict, list[str]]:
    """Parameters as JSON values; the names of those that cannot be stored safely."""
    params, skipped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "optimizer" and isinstance(value, type):
            if getattr(torch.optim, value.__name__, None) is value:
                params[name] = {"torch.optim": value.__name__}
                continue
        elif name in ("hidden_layer_sizes", "image_shape") and value is not None:
            if np.isscalar(value):
                params[name] = int(value)
                continue
            params[name] = [int(v) for v in value]
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            skipped.append(name)
            continue
        params[name] = value
    return params, skipped


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(estimator, path: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Save a fitted estimator to the directory ``path`` (JSON config + safetensors).

    The directory is written under a temporary name and renamed into place, so an
    interrupted save never leaves a half-written model at ``path``. Parameters that are not
    plain values (callbacks, a custom ``train_split``) are not stored and take their defaults
    on load (a warning names them); the training history is not stored.

    Parameters
    ----------
    estimator : AutoencoderTransformer, VAEGenerator or SeriesOutlierDetector, fitted
    path : str or PathLike
        Directory to create.
    overwrite : bool, default=False
        Replace an existing directory at ``path``.
    """
    st = _require_safetensors()
    name = type(estimator).__name__
    if name in _composite_classes():
        return estimator._save_model(os.fspath(path), overwrite=overwrite)
    if name not in _CLASSES:
        raise TypeError(f"save() supports {sorted(_CLASSES)}; got {name}.")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} exists; pass overwrite=True to replace it.")
    params, skipped = _json_params(estimator)
    if skipped:
        warnings.warn(
            f"save(): parameters {skipped} are not plain values and are not stored; they "
            "take their defaults when the model is loaded.",
            UserWarning,
            stacklevel=2,
        )
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=parent)
    try:
        weights = {
            k: v.detach().to("cpu").contiguous() for k, v in estimator.module_.state_dict().items()
        }
        st.save_file(weights, os.path.join(tmp, WEIGHTS_FILE))
        names = getattr(estimator, "feature_names_in_", None)
        config = {
            "format": {"name": FORMAT_NAME, "version": FORMAT_VERSION},
            "package_version": __version__,
            "class": name,
            "params": params,
            "params_not_saved": skipped,
            "fitted": {
                "n_features_in_": int(estimator.n_features_in_),
                "feature_names_in_": None if names is None else [str(n) for n in names],
                "feature_blocks_": [list(b) for b in estimator.feature_blocks_],
                "image_shape_": (
                    None
                    if estimator.image_shape_ is None
                    else [int(v) for v in estimator.image_shape_]
                ),
                "input_layout": estimator._input_layout,
            },
            "weights": {"file": WEIGHTS_FILE, "sha256": _sha256(os.path.join(tmp, WEIGHTS_FILE))},
        }
        with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
            json.dump(config, f, indent=2)
        _publish(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish(tmp: str, path: str) -> None:
    """Move the finished directory ``tmp`` to ``path`` by renames, replacing an old model only
    once the new one is complete (a crash leaves either the old or the new model, never a mix)."""
    if os.path.exists(path):
        old = path + ".old-" + os.path.basename(tmp)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _read_config(path: str) -> dict:
    cfg_path = os.path.join(path, CONFIG_FILE)
    if not os.path.isfile(cfg_path):
        raise ModelFormatError(
            f"{path!r} is not a saved model: {CONFIG_FILE} is missing (use sk_autoencoder.save)."
        )
    try:
        with open(cfg_path) as f:
            config = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"{cfg_path} is not valid JSON ({exc}); the file is damaged."
        raise ModelFormatError(msg) from exc
    fmt = config.get("format") if isinstance(config, dict) else None
    if not isinstance(fmt, dict) or fmt.get("name") != FORMAT_NAME:
        raise ModelFormatError(f"{cfg_path} is not an sk_autoencoder model config.")
    version = fmt.get("version")
    if not isinstance(version, int) or version < 1:
        raise ModelFormatError(f"{cfg_path} has an invalid format version {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFormatError(
            f"{path!r} uses model format {version}, newer than this sk_autoencoder "
            f"({__version__}) reads (format {FORMAT_VERSION}); upgrade sk_autoencoder."
        )
    if config.get("class") not in _CLASSES and config.get("class") not in _composite_classes():
        raise ModelFormatError(
            f"{cfg_path} names class {config.get('class')!r}; only {sorted(_CLASSES)} load."
        )
    return config


def load(path: str | os.PathLike, *, device: str | None = None):
    """Load a model saved with :func:`save`.

    Parameters
    ----------
    path : str or PathLike
    device : str or None, default=None
        Where to put the model; ``None`` keeps the saved ``device`` when it is available
        and falls back to ``"cpu"`` otherwise (a model trained on GPU loads on CPU).

    Raises
    ------
    ModelFormatError
        Missing or damaged files, a weights checksum mismatch (truncated or tampered file),
        an unknown class, or a format newer than this version reads.
    """
    st = _require_safetensors()
    path = os.fspath(path)
    config = _read_config(path)
    composite = _composite_classes().get(config["class"])
    if composite is not None:
        return composite._load_model(path, config, device=device)
    weights_path = os.path.join(path, WEIGHTS_FILE)
    expected = (config.get("weights") or {}).get("sha256")
    if not os.path.isfile(weights_path):
        raise ModelFormatError(f"{weights_path} is missing.")
    if _sha256(weights_path) != expected:
        raise ModelFormatError(
            f"{weights_path} does not match the checksum in {CONFIG_FILE}: the weights are "
            "truncated or were modified after saving. Re-save the model from its source."
        )
    cls = _CLASSES[config["class"]]
    params = dict(config.get("params", {}))
    if isinstance(params.get("optimizer"), dict):
        opt_name = params["optimizer"].get("torch.optim")
        opt = getattr(torch.optim, str(opt_name), None)
        if not (isinstance(opt, type) and issubclass(opt, torch.optim.Optimizer)):
            raise ModelFormatError(f"unknown optimizer {opt_name!r} in {CONFIG_FILE}.")
        params["optimizer"] = opt
    for name in ("hidden_layer_sizes", "image_shape"):
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    saved_device = str(params.get("device", "cpu"))
    if device is None:
        device = saved_device if _device_available(saved_device) else "cpu"
    params["device"] = device
    try:
        estimator = cls(**params)
    except TypeError as exc:
        msg = f"{CONFIG_FILE} has parameters {cls.__name__} rejects: {exc}"
        raise ModelFormatError(msg) from exc
    fitted = config.get("fitted", {})
    n_features = int(fitted["n_features_in_"])
    estimator.n_features_in_ = n_features
    if fitted.get("feature_names_in_") is not None:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if fitted.get("image_shape_") is not None:
        estimator.image_shape_ = tuple(int(v) for v in fitted["image_shape_"])
    layout = fitted.get("input_layout", "flat")
    if layout not in _LAYOUTS:
        raise ModelFormatError(f"unknown input_layout {layout!r} in {CONFIG_FILE}.")
    estimator._input_layout = layout
    estimator._prepare_fitted_state(n_features, fitted.get("feature_blocks_"))
    estimator.initialize()
    try:
        state = st.load_file(weights_path, device="cpu")
        estimator.module_.load_state_dict(state, strict=True)
    except Exception as exc:
        msg = f"the weights in {weights_path} do not fit the model: {exc}"
        raise ModelFormatError(msg) from exc
    estimator.module_.to(estimator._device)
    estimator._blocks.to(estimator._device)
    return estimator


def _device_available(device: str) -> bool:
    if device == "auto":
        return True
    if device.startswith("cuda"):
        return torch.cuda.is_available()
    if device.startswith("mps"):
        return torch.backends.mps.is_available()
    return True
