"""The fitted state of an ``AutoencoderOutlierDetector`` for ``sk_autoencoder.save``.

The members' network(s) and the fitted ``TabularPreprocessor`` (DataFrame input) are child
nodes; every statistic is an array through ``writer.array``, scalars as 0-d arrays so that
their numpy type (which sets the precision of later arithmetic) comes back unchanged, stored
as 1-element arrays.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ensemble import AutoencoderEnsemble
from .isolation import IsolationScorer

__all__ = ["load_detector_state", "save_detector_state"]

_LATENT_SCALARS = ("rec_center", "rec_scale", "center", "scale")


def _scalar_array(value) -> np.ndarray:
    """A numpy scalar as a 1-element array of its dtype (read back by :func:`_scalar`)."""
    return np.asarray(value).reshape(1)


def _scalar(reader, key):
    a = reader.array(key)
    if a.shape != (1,):
        raise ValueError(f"expected a 1-element array, got shape {a.shape}")
    return a[0]


def _vector(reader, key, n: int) -> np.ndarray:
    a = reader.array(key)
    if a.shape != (n,):
        raise ValueError(f"expected an array of shape ({n},), got {a.shape}")
    return a


def _int(value, low: int = 0, key: str = "a count") -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{key} must be an int >= {low}, got {value!r}")
    return int(value)


# Every key of the saved state; ``mean_``/``scale_`` for array input, ``unseen`` for DataFrames.
_STATE_KEYS = {
    "n_features_in_",
    "code_sizes_",
    "estimators_",
    "preprocessor_",
    "col_stats",
    "row_stats",
    "latent_stats",
    "holdout_scores_",
    "offset_",
    "threshold_",
    "mean_",
    "scale_",
    "feature_names_in_",
    "unseen",
    "isolation",
}


def _unseen_state(det, entry, reader, p: int):
    """The unseen-value statistics (rarest levels, per-member error floors), checked.

    A model saved without them (an older version) gets None and refuses unseen values.
    """
    if entry is None:
        return None, None
    if det.preprocessor_ is None:
        raise ValueError("unseen-value statistics without a preprocessor")
    levels = [_int(v, -1, "a rarest level") for v in entry["levels"]]
    floors = [_vector(reader, f, p) for f in entry["error_floor"]]
    if len(levels) != p or len(floors) != len(det._col_stats):
        raise ValueError("the unseen-value statistics do not match the columns and members")
    pre = det.preprocessor_
    for name, pos in zip(pre.feature_names_in_, levels):
        a, b = pre.column_slices_[name]
        if (pos >= 0) != (name in pre.categories_) or pos >= b - a:
            raise ValueError(f"rarest level {pos} does not fit column {name!r}")
    return levels, floors


def _load_isolation(det, entry, reader, p: int) -> None:
    """The isolation term, checked; a model saved without one is scored without it."""
    det._isolation = None
    if entry is None:
        det.isolation_weight = 0.0  # saved without the forest (an older version): scored so
        return
    if not (isinstance(entry, dict) and set(entry) == {"forest", "center", "scale"}):
        raise ValueError("the saved isolation term must have forest, center and scale")
    width = det.preprocessor_.n_features_out_ if det.preprocessor_ is not None else p
    det._isolation = IsolationScorer.from_state(entry["forest"], reader, width)
    det._isolation_stats = (_scalar(reader, entry["center"]), _scalar(reader, entry["scale"]))


def save_detector_state(det, writer) -> dict:
    """Fitted state of the detector ``det`` as a JSON-able dict (see the module docstring)."""
    arr = writer.array
    latent = []
    for lat in det._latent_stats:
        if lat is None:
            latent.append(None)
            continue
        values = (*lat["rec"], lat["center"], lat["scale"])
        entry = {"mean": arr(lat["mean"]), "precision": arr(lat["precision"])}
        entry.update({k: arr(_scalar_array(v)) for k, v in zip(_LATENT_SCALARS, values)})
        latent.append(entry)
    state = {
        "n_features_in_": int(det.n_features_in_),
        "code_sizes_": [int(k) for k in det.code_sizes_],
        "estimators_": [writer.child(m) for m in det.estimators_],
        "preprocessor_": None if det.preprocessor_ is None else writer.child(det.preprocessor_),
        "col_stats": [[arr(med), arr(scale)] for med, scale in det._col_stats],
        "row_stats": [[arr(_scalar_array(m)), arr(_scalar_array(s))] for m, s in det._row_stats],
        "latent_stats": latent,
        "holdout_scores_": arr(det.holdout_scores_),
        "offset_": float(det.offset_),
        "threshold_": str(det.threshold_),
    }
    if det.preprocessor_ is None:
        state["mean_"], state["scale_"] = arr(det.mean_), arr(det.scale_)
    elif getattr(det, "_error_floor", None) is not None:
        state["unseen"] = {
            "levels": [int(v) for v in det._unseen_levels],
            "error_floor": [arr(f) for f in det._error_floor],
        }
    if hasattr(det, "feature_names_in_"):
        state["feature_names_in_"] = [str(c) for c in det.feature_names_in_]
    if getattr(det, "_isolation", None) is not None:
        center, scale = det._isolation_stats
        state["isolation"] = {
            "forest": det._isolation.state(writer),
            "center": arr(_scalar_array(center)),
            "scale": arr(_scalar_array(scale)),
        }
    return state


def load_detector_state(det, state: dict, reader) -> None:
    """Restore the fitted attributes of ``det`` from ``state``, checking shapes and sizes."""
    unknown = sorted(set(state) - _STATE_KEYS)
    if unknown:
        raise ValueError(f"unknown state keys {unknown}")
    p = _int(state["n_features_in_"], 1, "n_features_in_")
    sizes = [_int(k, 1, "code_sizes_") for k in state["code_sizes_"]]
    n_members = len(sizes)
    if n_members < 1:
        raise ValueError("no member code sizes")
    members = [reader.child(node) for node in state["estimators_"]]
    expected = n_members if det.model == "vae" else 1
    if len(members) != expected:
        raise ValueError(f"{len(members)} member networks for model={det.model!r}")
    if det.model == "ae" and not (
        isinstance(members[0], AutoencoderEnsemble) and list(members[0].code_sizes) == sizes
    ):
        raise ValueError("the member network does not match code_sizes_")
    pre = state["preprocessor_"]
    det.preprocessor_ = None if pre is None else reader.child(pre)
    if det.preprocessor_ is None:
        det.mean_ = _vector(reader, state["mean_"], p)
        det.scale_ = _vector(reader, state["scale_"], p)
    if "feature_names_in_" in state:
        names = [str(c) for c in state["feature_names_in_"]]
        if len(names) != p:
            raise ValueError(f"{len(names)} feature names for {p} features")
        det.feature_names_in_ = np.asarray(names, dtype=object)
    col, row, latent = state["col_stats"], state["row_stats"], state["latent_stats"]
    if not len(col) == len(row) == len(latent) == n_members:
        raise ValueError("the per-member statistics do not match the members")
    det._col_stats = [(_vector(reader, m, p), _vector(reader, s, p)) for m, s in col]
    det._row_stats = [(_scalar(reader, m), _scalar(reader, s)) for m, s in row]
    det._latent_stats = []
    for entry, k in zip(latent, sizes):
        if entry is None:
            det._latent_stats.append(None)
            continue
        precision = reader.array(entry["precision"])
        if precision.shape != (k, k):
            raise ValueError(f"a code precision of shape {precision.shape}, not ({k}, {k})")
        lat = {"mean": _vector(reader, entry["mean"], k), "precision": precision}
        rc, rs, c, s = (_scalar(reader, entry[name]) for name in _LATENT_SCALARS)
        lat.update(rec=(rc, rs), center=c, scale=s)
        det._latent_stats.append(lat)
    det._unseen_levels, det._error_floor = _unseen_state(det, state.get("unseen"), reader, p)
    _load_isolation(det, state.get("isolation"), reader, p)
    det.holdout_scores_ = reader.array(state["holdout_scores_"])
    det.offset_ = float(state["offset_"])
    det.threshold_ = str(state["threshold_"])
    det.n_features_in_ = p
    det.code_sizes_ = sizes
    det.estimators_ = members
    det._groups = det._column_groups(p)
