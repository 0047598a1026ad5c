"""The fitted state of :class:`TabularPreprocessor` as plain JSON, for safe saving.

Layout (every value tagged, every dtype named, see :mod:`.codec`)::

    {"input": {"frame": true, "columns": <index>}   # or {"frame": false, "dtype": <dtype>}
     "columns": [                                    # one node per input column, in order
        {"kind": "numeric", "name": v, "dtype": d, "fill": f, "center": f, "scale": f,
         "indicator": bool},
        {"kind": "categorical", "name": v, "dtype": d, "levels": [v...],
         "infrequent": [v...], "has_missing": bool, "missing_value": v}],
     "running": null                                 # or, while partial_fit can go on:
        {"n_rows": int, "columns": [{"count": int, "mean": f, "m2": f, "n_missing": int}
                                    | {"levels": [v...], "counts": [int...],
                                       "n_missing": int, "missing_value": v}]},
     "n_samples_seen": null or int}                  # set by partial_fit

Output positions (``start``) are not stored: they follow from the columns' widths, as in fit.
Running statistics take their column name and dtype from the column node at the same place
(partial_fit builds each column's encoding from them). No arrays are needed.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .codec import (
    _decode_dtype,
    _decode_index,
    _decode_value,
    _encode_dtype,
    _encode_index,
    _encode_value,
    _float,
    _unfloat,
)
from .columns import N_QUANTILES, _CategoricalSpec, _NumericSpec
from .fitted import _store_specs
from .running import _RunningCategorical, _RunningNumeric, _RunningStats

_NUMERIC_KEYS = {"kind", "name", "dtype", "fill", "center", "scale", "indicator"}
_CATEGORICAL_KEYS = {"kind", "name", "dtype", "levels", "infrequent", "has_missing"}
_CATEGORICAL_KEYS |= {"missing_value"}


# --------------------------------------------------------------------------- checks


def _keys(node, keys: set, what: str) -> dict:
    if not isinstance(node, dict) or set(node) != keys:
        got = sorted(node) if isinstance(node, dict) else type(node).__name__
        raise ValueError(f"{what} must have the keys {sorted(keys)}, got {got}")
    return node


def _bool(node, what: str) -> bool:
    if type(node) is not bool:
        raise TypeError(f"{what} must be true or false, got {node!r}")
    return node


def _count(node, what: str) -> int:
    if type(node) is not int or node < 0:
        raise ValueError(f"{what} must be an int >= 0, got {node!r}")
    return node


def _values(node, what: str) -> list:
    if not isinstance(node, list):
        raise TypeError(f"{what} must be a list, got {type(node).__name__}")
    return [_decode_value(v) for v in node]


# --------------------------------------------------------------------------- columns


def _quantiles(node):
    """A numeric column's saved training quantiles: None, or a sorted finite float array."""
    if node is None:
        return None
    if not isinstance(node, list) or not 1 <= len(node) <= N_QUANTILES:
        raise ValueError(
            f"a numeric column's quantiles must be a list of 1 to {N_QUANTILES} numbers"
        )
    q = np.asarray([_unfloat(v) for v in node], dtype=np.float64)
    if not (np.isfinite(q).all() and (np.diff(q) >= 0).all()):
        raise ValueError("a numeric column's quantiles must be finite and sorted")
    return q


def _spec_state(spec) -> dict:
    what = f"column {spec.name!r}:"
    node = {
        "kind": spec.kind,
        "name": _encode_value(spec.name, "column name"),
        "dtype": _encode_dtype(spec.dtype, f"{what} dtype"),
    }
    if spec.kind == "numeric":
        node.update(
            fill=_float(spec.fill),
            center=_float(spec.center),
            scale=_float(spec.scale),
            indicator=bool(spec.indicator),
        )
        if spec.quantiles is not None:
            node["quantiles"] = [_float(v) for v in spec.quantiles]
    else:
        node.update(
            levels=[_encode_value(v, f"{what} level") for v in spec.levels],
            infrequent=[_encode_value(v, f"{what} level") for v in spec.infrequent],
            has_missing=bool(spec.has_missing),
            missing_value=_encode_value(spec.missing_value, f"{what} missing value"),
        )
    return node


def _spec_from_state(node, start: int):
    kind = node.get("kind") if isinstance(node, dict) else None
    if kind == "numeric":
        quantiles = _quantiles(node.get("quantiles"))
        plain = {k: v for k, v in node.items() if k != "quantiles"}
        _keys(plain, _NUMERIC_KEYS, "a numeric column")
        scale = _unfloat(node["scale"])
        if not scale > 0:
            raise ValueError(f"a numeric column's scale must be > 0, got {scale!r}")
        return _NumericSpec(
            name=_decode_value(node["name"]),
            dtype=_decode_dtype(node["dtype"]),
            fill=_unfloat(node["fill"]),
            center=_unfloat(node["center"]),
            scale=scale,
            indicator=_bool(node["indicator"], "indicator"),
            start=start,
            quantiles=quantiles,
        )
    if kind == "categorical":
        _keys(node, _CATEGORICAL_KEYS, "a categorical column")
        return _CategoricalSpec(
            name=_decode_value(node["name"]),
            dtype=_decode_dtype(node["dtype"]),
            levels=_values(node["levels"], "levels"),
            infrequent=_values(node["infrequent"], "infrequent"),
            has_missing=_bool(node["has_missing"], "has_missing"),
            missing_value=_decode_value(node["missing_value"]),
            start=start,
        )
    raise ValueError(f"a column's kind must be 'numeric' or 'categorical', got {kind!r}")


# --------------------------------------------------------------------------- running stats


def _running_state(running: _RunningStats) -> dict:
    columns = []
    for stats in running.columns:
        what = f"column {stats.name!r}:"
        if isinstance(stats, _RunningNumeric):
            node = {"count": stats.count, "mean": _float(stats.mean), "m2": _float(stats.m2)}
        else:
            node = {
                # Counter order (first-seen) decides ties when the level cap prunes counts.
                "levels": [_encode_value(v, f"{what} level") for v in stats.counts],
                "counts": [int(c) for c in stats.counts.values()],
                "missing_value": _encode_value(stats.missing_value, f"{what} missing value"),
            }
        node["n_missing"] = int(stats.n_missing)
        columns.append(node)
    return {"n_rows": int(running.n_rows), "columns": columns}


def _running_from_state(node, specs) -> _RunningStats:
    _keys(node, {"n_rows", "columns"}, "running statistics")
    nodes = node["columns"]
    if not isinstance(nodes, list) or len(nodes) != len(specs):
        raise ValueError("running statistics must have one entry per column")
    columns = []
    for spec, col in zip(specs, nodes):
        if spec.kind == "numeric":
            _keys(col, {"count", "mean", "m2", "n_missing"}, "a numeric column's statistics")
            stats = _RunningNumeric(
                spec.name,
                spec.dtype,
                count=_count(col["count"], "count"),
                mean=_unfloat(col["mean"]),
                m2=_unfloat(col["m2"]),
                n_missing=_count(col["n_missing"], "n_missing"),
            )
        else:
            keys = {"levels", "counts", "n_missing", "missing_value"}
            _keys(col, keys, "a categorical column's statistics")
            levels = _values(col["levels"], "levels")
            counts = col["counts"]
            if not isinstance(counts, list) or len(counts) != len(levels):
                raise ValueError("a categorical column needs one count per level")
            counter = Counter()
            for level, n in zip(levels, counts):
                counter[level] = _count(n, "a level count")
            if len(counter) != len(levels):
                raise ValueError("a categorical column's levels must be distinct")
            stats = _RunningCategorical(
                spec.name,
                spec.dtype,
                counts=counter,
                n_missing=_count(col["n_missing"], "n_missing"),
                missing_value=_decode_value(col["missing_value"]),
            )
        columns.append(stats)
    return _RunningStats(n_rows=_count(node["n_rows"], "n_rows"), columns=columns)


# --------------------------------------------------------------------------- preprocessor


def _preprocessor_state(pre) -> dict:
    """The JSON state of a fitted TabularPreprocessor (see the module docstring)."""
    if pre._fitted_on_frame:
        source = {"frame": True, "columns": _encode_index(pre._columns_index)}
    else:
        source = {"frame": False, "dtype": _encode_dtype(pre._array_dtype, "input dtype")}
    running = getattr(pre, "_running", None)
    if running is not None and running.specs is not pre._specs:
        running = None  # a fit() after partial_fit: partial_fit cannot continue (it raises)
    seen = getattr(pre, "n_samples_seen_", None)
    return {
        "input": source,
        "columns": [_spec_state(spec) for spec in pre._specs],
        "running": None if running is None else _running_state(running),
        "n_samples_seen": None if seen is None else int(seen),
    }


def _restore_preprocessor(pre, state) -> None:
    """Set every fitted attribute of ``pre`` from a state made by :func:`_preprocessor_state`."""
    keys = {"input", "columns", "running", "n_samples_seen"}
    _keys(state, keys, "the TabularPreprocessor state")
    nodes = state["columns"]
    if not isinstance(nodes, list) or not nodes:
        raise ValueError("the TabularPreprocessor state needs a non-empty list of columns")
    specs, start = [], 0
    for node in nodes:
        spec = _spec_from_state(node, start)
        specs.append(spec)
        start += spec.width
    source = state["input"]
    if isinstance(source, dict) and source.get("frame") is True:
        _keys(source, {"frame", "columns"}, "the input description")
        columns_index, array_dtype = _decode_index(source["columns"]), None
        if len(columns_index) != len(specs):
            raise ValueError(
                f"the saved columns index has {len(columns_index)} entries for {len(specs)} columns"
            )
    elif isinstance(source, dict) and source.get("frame") is False:
        _keys(source, {"frame", "dtype"}, "the input description")
        columns_index, array_dtype = None, _decode_dtype(source["dtype"])
        if not isinstance(array_dtype, np.dtype):
            raise ValueError(f"an array input needs a numpy dtype, got {array_dtype}")
    else:
        raise ValueError("the input description must say frame: true or false")
    running = None if state["running"] is None else _running_from_state(state["running"], specs)
    seen = state["n_samples_seen"]
    seen = None if seen is None else _count(seen, "n_samples_seen")

    pre._fitted_on_frame = columns_index is not None
    pre._columns_index = columns_index
    pre._array_dtype = array_dtype
    pre.feature_names_in_ = np.asarray([spec.name for spec in specs], dtype=object)
    pre.n_features_in_ = len(specs)
    _store_specs(pre, specs)
    if running is not None:
        running.specs = pre._specs
        pre._running = running
    if seen is not None:
        pre.n_samples_seen_ = seen
