"""The model directory on disk: atomic publishing, checksums, format versions.

This module knows no estimator. A saved model is a directory::

    config.json          format name and version, package version, the tree of nodes
                         (class, parameters, fitted state), the weights' SHA-256 and a
                         SHA-256 over the whole config
    weights.safetensors  every array of every node, keyed

It is written under a temporary name beside ``path`` and renamed into place, so an interrupted
save leaves either the old model or the new one, never a mix.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import tempfile

FORMAT_NAME = "sk_autoencoder"
# 1: one autoencoder per directory, weights checksum only (read for the two autoencoders).
# 2: a tree of nodes for every estimator; the checksum covers the whole config.
FORMAT_VERSION = 2
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
_TMP_PREFIX = ".tmp-"


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


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def config_sha256(config: dict) -> str:
    """SHA-256 of the config's canonical JSON, without its own ``checksum`` entry."""
    body = {k: v for k, v in config.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clean_leftovers(parent: str, name: str) -> None:
    """Remove temporary directories left by earlier interrupted saves of the same path."""
    for leftover in glob.glob(
        os.path.join(glob.escape(parent), f"{_TMP_PREFIX}{glob.escape(name)}-*")
    ):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in glob.glob(os.path.join(glob.escape(parent), f"{glob.escape(name)}.old-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def write_model(path, config: dict, tensors: dict, *, overwrite: bool = False) -> None:
    """Write ``config`` (JSON-able) and ``tensors`` (name -> CPU tensor) as a model directory.

    The weights' SHA-256 and a SHA-256 of the whole config are added to the config, so any
    later edit of either file is refused by :func:`read_config` / :func:`verify`.
    """
    st = _require_safetensors()
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} exists; pass overwrite=True to replace it.")
    parent = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    _clean_leftovers(parent, name)
    tmp = tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{name}-", dir=parent)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a model is a plain folder
        weights = os.path.join(tmp, WEIGHTS_FILE)
        st.save_file(tensors, weights)
        config = {**config, "weights": {"file": WEIGHTS_FILE, "sha256": file_sha256(weights)}}
        config["checksum"] = config_sha256(config)
        with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
            json.dump(config, f, indent=1)
        _publish(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish(tmp: str, path: str) -> None:
    """Move the finished directory ``tmp`` to ``path`` by renames.

    An old model is replaced only once the new one is complete (a crash leaves either the old or the
    new model).
    """
    if os.path.exists(path):
        old = path + ".old-" + os.path.basename(tmp)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def read_config(path) -> dict:
    """The config of a model directory, its format checked (not yet its checksums)."""
    path = os.fspath(path)
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
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFormatError(f"{cfg_path} has an invalid format version {version!r}.")
    if version > FORMAT_VERSION:
        from .._version import __version__

        raise ModelFormatError(
            f"{path!r} uses model format {version}, newer than this sk_autoencoder "
            f"({__version__}) reads (format {FORMAT_VERSION}); upgrade sk_autoencoder."
        )
    return config


def verify(path, config: dict) -> None:
    """Check the weights file against its SHA-256 and the config against its own."""
    path = os.fspath(path)
    weights = os.path.join(path, WEIGHTS_FILE)
    if not os.path.isfile(weights):
        raise ModelFormatError(f"{weights} is missing.")
    expected = config.get("weights") if isinstance(config.get("weights"), dict) else {}
    if file_sha256(weights) != expected.get("sha256"):
        raise ModelFormatError(
            f"{weights} does not match the checksum in {CONFIG_FILE}: the weights are "
            "truncated or were modified after saving. Re-save the model from its source."
        )
    if config["format"]["version"] >= 2 and config.get("checksum") != config_sha256(config):
        raise ModelFormatError(
            f"{os.path.join(path, CONFIG_FILE)} does not match its checksum: the config was "
            "edited after saving. Re-save the model from its source."
        )


def read_tensors(path) -> dict:
    """All tensors of the weights file, on the CPU (call :func:`verify` first)."""
    st = _require_safetensors()
    weights = os.path.join(os.fspath(path), WEIGHTS_FILE)
    try:
        return st.load_file(weights, device="cpu")
    except Exception as exc:
        raise ModelFormatError(f"{weights} cannot be read: {exc}") from exc
