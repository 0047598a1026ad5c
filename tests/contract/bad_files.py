"""Bad files: damaged model directories for ``sk_autoencoder.load``, bad calls of
``sk_autoencoder.save``, and damaged inputs of the dataset loaders.

:data:`LOAD_CASES`: each case edits a freshly saved model directory (``mutate(path)``) and
``load`` must refuse it with a ``ModelFormatError`` whose message matches ``match``
(``mutate`` may return the pattern instead, when it depends on the file, e.g. the name of the
parameter it removed). Edits of the config recompute its checksum with
``persistence.envelope.config_sha256`` (and edits of the weights the weights' SHA-256), so
the checksums do not catch them: what is checked is that the loader reads only what it can
trust.

:data:`SAVE_CASES`: calls of ``save`` that must raise ``error`` matching ``match``.

:data:`LOADER_CASES`: ``(subject, case id, build(tmp_path) -> (args, kwargs), error, match)``
for ``datasets.load_idx`` and ``datasets.load_image_folder``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import safetensors.torch
import torch
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

from sk_autoencoder import AutoencoderTransformer
from sk_autoencoder.persistence import CONFIG_FILE, WEIGHTS_FILE
from sk_autoencoder.persistence.envelope import config_sha256, file_sha256

# One entry of each savable class (and a pipeline): the model files they write differ.
FILE_ENTRIES = (
    "ae-undercomplete",
    "ae-conv2d",
    "vae-undercomplete",
    "detector-frame",
    "detector-vae",
    "series-detector",
    "windows-frame",
    "preprocessor-frame",
    "image-scaler",
    "pipeline-ae",
)
AUTOENCODERS = ("ae-undercomplete", "ae-conv2d", "vae-undercomplete")
WITHOUT_TENSORS = ("preprocessor-frame", "image-scaler")  # their state is all JSON


# ------------------------------------------------------------------------------ editing
def read_config(path) -> dict:
    with open(os.path.join(path, CONFIG_FILE)) as f:
        return json.load(f)


def write_config(path, config: dict, *, checksum: bool = True) -> None:
    if checksum:
        config["checksum"] = config_sha256(config)
    with open(os.path.join(path, CONFIG_FILE), "w") as f:
        json.dump(config, f)


def edit_config(edit: Callable[[dict], str | None]):
    """A mutation: ``edit(config)`` in place (returning the match, or None), checksum redone."""

    def mutate(path):
        config = read_config(path)
        match = edit(config)
        write_config(path, config)
        return match

    return mutate


def edit_weights(edit: Callable[[dict], str | None]):
    """A mutation of the tensors, with the weights' SHA-256 and the config checksum redone."""

    def mutate(path):
        weights = os.path.join(path, WEIGHTS_FILE)
        tensors = dict(safetensors.torch.load_file(weights))
        match = edit(tensors)
        safetensors.torch.save_file(tensors, weights)
        config = read_config(path)
        config["weights"]["sha256"] = file_sha256(weights)
        write_config(path, config)
        return match

    return mutate


def _first(mapping: dict, kinds=None) -> str:
    for key in sorted(mapping):
        value = mapping[key]
        if kinds is None or (isinstance(value, kinds) and not isinstance(value, bool)):
            return key
    raise LookupError(f"no value of type {kinds} in {sorted(mapping)}")


def _drop_param(config):
    name = _first(config["params"])
    del config["params"][name]
    return rf"\b{name}\b"


def _retype_param(config):
    """The first number parameter becomes text; without one, the first other value a list."""
    params = config["params"]
    try:
        name = _first(params, (int, float))
        params[name] = "bogus"
    except LookupError:
        name = _first(params, (str, list, dict))
        params[name] = ["bogus"]
    return rf"\b{name}\b"


def _drop_state_key(config):
    name = next(iter(config["state"]))
    del config["state"][name]
    return rf"\b{name}\b"


def _retype_state(config):
    name = next(k for k, v in config["state"].items() if v is not None)
    config["state"][name] = 12345 if isinstance(config["state"][name], str) else "bogus"
    return rf"\b{name}\b"


def _set(where: str, key: str, value):
    def edit(config):
        (config if where == "top" else config[where])[key] = value

    return edit


def _drop(key: str):
    def edit(config):
        del config[key]

    return edit


def _float_tensor(tensors: dict) -> str:
    return next(k for k in sorted(tensors) if tensors[k].is_floating_point())


def _grow_tensor(tensors):
    key = _float_tensor(tensors)
    t = tensors[key]
    tensors[key] = torch.zeros((t.shape[0] + 1, *t.shape[1:]) if t.dim() else (2,), dtype=t.dtype)


def _nan_tensor(tensors):
    key = _float_tensor(tensors)
    tensors[key] = torch.full_like(tensors[key], float("nan"))


def _drop_tensor(tensors):
    del tensors[_float_tensor(tensors)]


def _add_tensor(tensors):
    tensors["bogus"] = torch.zeros(3)


def _truncate_weights(path):
    weights = os.path.join(path, WEIGHTS_FILE)
    data = Path(weights).read_bytes()
    Path(weights).write_bytes(data[: len(data) // 2])


def _remove_weights(path):
    os.remove(os.path.join(path, WEIGHTS_FILE))


def _empty_directory(path):
    for name in os.listdir(path):
        os.remove(os.path.join(path, name))


def _not_json(path):
    Path(path, CONFIG_FILE).write_text("{")


def _edited_without_checksum(path):
    config = read_config(path)
    config["package_version"] = "0.0.0-edited"
    write_config(path, config, checksum=False)


@dataclasses.dataclass(frozen=True, eq=False)
class LoadCase:
    id: str
    mutate: Callable[[str], str | None]  # edits the saved directory; may return the match
    match: str = ""
    applies: Callable[[str], bool] = lambda entry_id: True


def _with_state(entry_id: str) -> bool:
    return not entry_id.startswith("pipeline")


def _autoencoder(entry_id: str) -> bool:
    return entry_id in AUTOENCODERS


def _with_tensors(entry_id: str) -> bool:
    return entry_id not in WITHOUT_TENSORS


LOAD_CASES = (
    LoadCase("empty-directory", _empty_directory, CONFIG_FILE),
    LoadCase("not-json", _not_json, "JSON"),
    LoadCase("edited-without-checksum", _edited_without_checksum, "edited after saving"),
    LoadCase("extra-top-key", edit_config(_set("top", "bogus_key", 1)), "bogus_key"),
    LoadCase("missing-class", edit_config(_drop("class")), "class"),
    LoadCase("unknown-class", edit_config(_set("top", "class", "Evil")), "class"),
    LoadCase("missing-params", edit_config(_drop("params")), "params|parameters"),
    LoadCase("missing-param", edit_config(_drop_param)),
    LoadCase("extra-param", edit_config(_set("params", "bogus_param", 1)), "bogus_param"),
    LoadCase("wrong-type-param", edit_config(_retype_param)),
    LoadCase("missing-state", edit_config(_drop("state")), "state", _with_state),
    LoadCase("state-not-a-dict", edit_config(_set("top", "state", [])), "state", _with_state),
    LoadCase("missing-state-key", edit_config(_drop_state_key), applies=_with_state),
    LoadCase("extra-state-key", edit_config(_set("state", "bogus_", 1)), "bogus_", _with_state),
    LoadCase("wrong-type-state", edit_config(_retype_state), applies=_with_state),
    LoadCase(
        "absurd-sizes-float",
        edit_config(_set("params", "hidden_layer_sizes", [1e6, 1e6])),
        "hidden_layer_sizes",
        _autoencoder,
    ),
    LoadCase(
        "absurd-sizes",
        edit_config(_set("params", "hidden_layer_sizes", [10**6, 10**6])),
        r"hidden_layer_sizes|weights|shape",
        _autoencoder,
    ),
    LoadCase("truncated-weights", _truncate_weights, r"checksum|truncated"),
    LoadCase("missing-weights", _remove_weights, r"missing"),
    LoadCase(
        "tensor-shape",
        edit_weights(_grow_tensor),
        r"shape|size|do not (fit|match)",
        _with_tensors,
    ),
    LoadCase("missing-tensor", edit_weights(_drop_tensor), r"no tensor|missing", _with_tensors),
    LoadCase("extra-tensor", edit_weights(_add_tensor), r"bogus|unused|extra", _with_tensors),
    LoadCase("nan-tensor", edit_weights(_nan_tensor), r"NaN|finite", _with_tensors),
)


# ------------------------------------------------------------------------------ save
@dataclasses.dataclass(frozen=True, eq=False)
class SaveCase:
    id: str
    call: Callable[[Path], None]  # given an empty tmp_path
    error: type[Exception] | tuple[type[Exception], ...]
    match: str


def _small_ae():
    X = np.random.default_rng(0).normal(size=(32, 4))
    return AutoencoderTransformer(n_components=2, max_epochs=1, random_state=0).fit(X)


def _save_twice(tmp: Path):
    from sk_autoencoder import save

    ae = _small_ae()
    save(ae, tmp / "m")
    save(ae, tmp / "m")


def _save_over_file(tmp: Path):
    from sk_autoencoder import save

    (tmp / "m").write_text("not a model")
    save(_small_ae(), tmp / "m")


def _save_under_file(tmp: Path):
    from sk_autoencoder import save

    (tmp / "f").write_text("not a directory")
    save(_small_ae(), tmp / "f" / "m")


def _save(obj):
    def call(tmp: Path):
        from sk_autoencoder import save

        save(obj() if callable(obj) else obj, tmp / "m")

    return call


SAVE_CASES = (
    SaveCase("not-an-estimator", _save({"a": 1}), TypeError, r"save\(\) supports"),
    SaveCase(
        "foreign-estimator",
        _save(lambda: PCA(2).fit(np.random.default_rng(0).normal(size=(8, 3)))),
        TypeError,
        "PCA",
    ),
    SaveCase("unfitted", _save(AutoencoderTransformer), NotFittedError, "not fitted"),
    SaveCase("existing-path", _save_twice, FileExistsError, "overwrite"),
    SaveCase("path-is-a-file", _save_over_file, FileExistsError, "overwrite"),
    SaveCase("parent-is-a-file", _save_under_file, (OSError, ValueError), r"not a directory|f"),
)


# ------------------------------------------------------------------------------ loaders
def _idx_file(data: bytes, name="x.idx"):
    def build(tmp: Path):
        path = tmp / name
        path.write_bytes(data)
        return (path,), {}

    return build


def _idx(shape, payload: bytes, code=0x08) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


def _png(folder: Path, name: str, size=(8, 8), value=128):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, value, dtype=np.uint8)).save(folder / name)


def _images(layout: Callable[[Path], None], **kwargs):
    def build(tmp: Path):
        layout(tmp / "images")
        return (tmp / "images",), kwargs

    return build


def _two_images(folder: Path):
    _png(folder, "a.png")
    _png(folder, "b.png")


def _mixed_sizes(folder: Path):
    _png(folder, "a.png", (8, 8))
    _png(folder, "b.png", (9, 7))


def _corrupt_image(folder: Path):
    _png(folder, "a.png")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")


def _truncated_image(folder: Path):
    _png(folder, "a.png", (32, 32))
    data = (folder / "a.png").read_bytes()
    _png(folder, "b.png", (32, 32), value=7)
    (folder / "b.png").write_bytes(data[: len(data) // 2])


def _loose_and_classes(folder: Path):
    _png(folder / "cat", "a.png")
    _png(folder, "loose.png")


def _no_images(folder: Path):
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("no images here")


def _a_file(tmp: Path):
    (tmp / "file.png").write_bytes(b"")
    return (tmp / "file.png",), {}


LOADER_CASES = (
    ("load_idx", "missing-file", lambda tmp: ((tmp / "nope.idx",), {}), FileNotFoundError, "IDX"),
    ("load_idx", "a-directory", lambda tmp: ((tmp,), {}), (FileNotFoundError, ValueError), "IDX"),
    ("load_idx", "empty-file", _idx_file(b""), ValueError, "not an IDX file"),
    ("load_idx", "bad-magic", _idx_file(b"\x01\x02\x08\x01" + b"\x00" * 8), ValueError, "magic"),
    ("load_idx", "bad-type-code", _idx_file(_idx((2,), b"ab", code=0x07)), ValueError, "type code"),
    (
        "load_idx",
        "truncated-header",
        _idx_file(b"\x00\x00\x08\x03\x00\x00"),
        ValueError,
        "truncated",
    ),
    ("load_idx", "truncated-data", _idx_file(_idx((10,), b"\x00" * 5)), ValueError, "truncated"),
    ("load_idx", "trailing-bytes", _idx_file(_idx((2,), b"\x00" * 5)), ValueError, "longer"),
    (
        "load_idx",
        "absurd-shape",
        _idx_file(_idx((2**32 - 1,) * 3, b"")),
        ValueError,
        "truncated",
    ),
    (
        "load_idx",
        "corrupt-gzip",
        _idx_file(b"\x1f\x8b" + b"garbage" * 4, "x.idx.gz"),
        ValueError,
        "gzip|corrupt",
    ),
    (
        "load_idx",
        "truncated-gzip",
        _idx_file(gzip.compress(_idx((64,), bytes(range(64))))[:-12], "x.idx.gz"),
        ValueError,
        "truncated|corrupt",
    ),
    (
        "load_image_folder",
        "missing-folder",
        lambda tmp: ((tmp / "nope",), {}),
        ValueError,
        "folder",
    ),
    ("load_image_folder", "a-file", _a_file, ValueError, "folder"),
    ("load_image_folder", "no-images", _images(_no_images), ValueError, "No images"),
    ("load_image_folder", "corrupt-image", _images(_corrupt_image), ValueError, r"b\.png"),
    ("load_image_folder", "truncated-image", _images(_truncated_image), ValueError, r"b\.png"),
    ("load_image_folder", "mixed-sizes", _images(_mixed_sizes), ValueError, "different sizes"),
    ("load_image_folder", "loose-and-classes", _images(_loose_and_classes), ValueError, "label"),
    *(
        ("load_image_folder", f"size={size!r}", _images(_two_images, size=size), ValueError, "size")
        for size in ((0, 8), (8,), "8", (8.5, 8), (True, 8), (-1, 8))
    ),
    ("load_image_folder", "mode='CMYK'", _images(_two_images, mode="CMYK"), ValueError, "mode"),
)
