"""JSON encoding of the values a fitted :class:`TabularPreprocessor` holds, without pickle.

Three kinds of things are encoded, each faithfully enough that decoding gives an identical
object (the encoders check this and raise ``TypeError`` for anything they cannot reproduce):

- **values** (levels, missing sentinels, column names) as tagged lists, so that ``1``,
  ``1.0``, ``"1"``, ``True`` and ``np.int64(1)`` stay distinct: ``["int", 1]``,
  ``["float", 1.0]`` (``"nan"``, ``"inf"``, ``"-inf"`` for non-finite floats), ``["str", "1"]``,
  ``["bool", true]``, ``["none"]``, ``["bytes", hex]``, ``["tuple", [...]]``,
  ``["numpy", dtype, value]``, ``["NA"]``, ``["NaT"]``, ``["timestamp", utc, unit, tz]``,
  ``["timedelta", iso, unit]``;
- **dtypes** as ``{"numpy": dtype.str}`` (parsed back only if it matches a plain-dtype
  pattern), ``{"pandas": name}`` for a fixed list of nullable dtypes, ``{"string": storage,
  "na": "nan"|"NA"}``, ``{"datetimetz": unit, "tz": name}`` and ``{"category": index,
  "ordered": bool}``;
- **indexes** (a DataFrame's columns, a categorical's categories) as ``{"range": [start,
  stop, step]}``, ``{"tuples": [...], "names": [...]}`` (MultiIndex) or ``{"values": [...],
  "dtype": ..., "name": ...}``.

Nothing is ever evaluated: tags, dtype names and patterns come from fixed tables.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .._core.frames import import_pandas, pandas_if_loaded

_FEATURE = "Loading a saved TabularPreprocessor"
#: numpy dtypes a state may name: bool, ints, floats, object, text, bytes, datetimes.
_NUMPY_DTYPE = re.compile(r"[<>|=][biufOUSmM]\d*(\[\d*(Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\])?")
#: pandas extension dtypes a state may name (nullable integers, floats and booleans).
_PANDAS_DTYPES = frozenset(
    [f"Int{b}" for b in (8, 16, 32, 64)]
    + [f"UInt{b}" for b in (8, 16, 32, 64)]
    + ["Float32", "Float64", "boolean"]
)
_STRING_STORAGE = frozenset(["python", "pyarrow"])


# --------------------------------------------------------------------------- floats


def _float(x: float):
    """A Python float as JSON: itself if finite (exact), else "nan" / "inf" / "-inf"."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def _unfloat(node) -> float:
    if isinstance(node, str) and node in ("nan", "inf", "-inf"):
        return float(node)
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return float(node)
    raise TypeError(f"expected a float, got {node!r}")


# --------------------------------------------------------------------------- values


_MALFORMED = object()  # what the decoders below return for a node they do not decode


def _encode_raw(v):
    if v is None:
        return ["none"]
    t = type(v)
    encoded = _encode_builtin(v, t)
    if encoded is not None:
        return encoded
    if isinstance(v, np.generic) and v.dtype.kind in "biufUSmM":
        if v.dtype.kind in "mM":
            return ["numpy", v.dtype.str, int(np.array(v).view("i8"))]
        return ["numpy", v.dtype.str, _encode_raw(v.item())]
    pd = pandas_if_loaded()
    if pd is not None:
        encoded = _encode_pandas_scalar(pd, v, t)
        if encoded is not None:
            return encoded
    raise TypeError(f"values of type {t.__name__} are not supported")


def _encode_builtin(v, t):
    """The tagged list of a bool, int, float, str, bytes or tuple ``v`` of type ``t``, else None."""
    if t is bool:
        return ["bool", v]
    if t is int:
        return ["int", v]
    if t is float:
        return ["float", _float(v)]
    if t is str:
        return ["str", v]
    if t is bytes:
        return ["bytes", v.hex()]
    if t is tuple:
        return ["tuple", [_encode_raw(x) for x in v]]
    return None


def _encode_pandas_scalar(pd, v, t):
    """The tagged list of ``pd.NA``, ``pd.NaT``, a Timestamp or a Timedelta, else None."""
    if v is pd.NA:
        return ["NA"]
    if v is pd.NaT:
        return ["NaT"]
    if t is pd.Timestamp:
        tz = None if v.tz is None else str(v.tz)
        utc = v if v.tz is None else v.tz_convert("UTC").tz_localize(None)
        return ["timestamp", utc.isoformat(), v.unit, tz]
    if t is pd.Timedelta:
        return ["timedelta", v.isoformat(), v.unit]
    return None


def _decode_value(node):
    """The value of a tagged list made by :func:`_encode_value`."""
    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise TypeError(f"expected a tagged value, got {node!r}")
    tag, args = node[0], node[1:]
    value = _decode_builtin(tag, args)
    if value is not _MALFORMED:
        return value
    if tag == "numpy" and len(args) == 2:
        return _decode_numpy_scalar(node, args)
    if tag in ("NA", "NaT", "timestamp", "timedelta"):
        value = _decode_pandas_scalar(tag, args)
        if value is not _MALFORMED:
            return value
    raise ValueError(f"unknown or malformed tagged value {node!r}")


def _decode_builtin(tag: str, args: list):
    """The value of a ``none``, ``bool``, ``int``, ``float``, ``str``, ``bytes`` or ``tuple`` node.

    ``_MALFORMED`` for any other node.
    """
    if tag == "none" and not args:
        return None
    if tag == "bool" and len(args) == 1 and type(args[0]) is bool:
        return args[0]
    if tag == "int" and len(args) == 1 and type(args[0]) is int:
        return args[0]
    if tag == "float" and len(args) == 1:
        return _unfloat(args[0])
    if tag == "str" and len(args) == 1 and type(args[0]) is str:
        return args[0]
    if tag == "bytes" and len(args) == 1 and type(args[0]) is str:
        return bytes.fromhex(args[0])
    if tag == "tuple" and len(args) == 1 and isinstance(args[0], list):
        return tuple(_decode_value(x) for x in args[0])
    return _MALFORMED


def _decode_numpy_scalar(node: list, args: list):
    """The numpy scalar of a ``["numpy", dtype, value]`` node."""
    dtype = _numpy_dtype(args[0])
    try:
        if dtype.kind in "mM":
            if type(args[1]) is not int:
                raise TypeError(f"expected an int, got {args[1]!r}")
            return np.array([args[1]], dtype=np.int64).view(dtype)[0]
        if dtype.kind == "O":
            raise ValueError("numpy object scalars do not exist")
        return dtype.type(_decode_value(args[1]))
    except OverflowError as exc:
        raise ValueError(f"{node!r} is out of range for {dtype}: {exc}") from None


def _decode_pandas_scalar(tag: str, args: list):
    """The value of an ``NA``, ``NaT``, ``timestamp`` or ``timedelta`` node, else ``_MALFORMED``."""
    pd = import_pandas(_FEATURE)
    if tag == "NA" and not args:
        return pd.NA
    if tag == "NaT" and not args:
        return pd.NaT
    if tag == "timestamp" and len(args) == 3 and all(isinstance(a, str) for a in args[:2]):
        ts = pd.Timestamp(args[0]).as_unit(args[1])
        return ts if args[2] is None else ts.tz_localize("UTC").tz_convert(str(args[2]))
    if tag == "timedelta" and len(args) == 2 and all(isinstance(a, str) for a in args):
        return pd.Timedelta(args[0]).as_unit(args[1])
    return _MALFORMED


def _identical(a, b) -> bool:
    """Same type and value.

    NaN equal to NaN; tuples element-wise; numpy dtypes, units and time zones included.
    """
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, np.generic) and a.dtype != b.dtype:
        return False
    if isinstance(a, (float, np.floating)) and a != a:
        return b != b
    if isinstance(a, (np.datetime64, np.timedelta64)) and np.isnat(a):
        return bool(np.isnat(b))
    try:
        same = bool(a == b)
    except (TypeError, ValueError):
        return False
    return same and repr(a) == repr(b) and getattr(a, "unit", None) == getattr(b, "unit", None)


def _encode_value(v, what: str = "value"):
    """A tagged JSON list for ``v``; ``TypeError`` naming ``what`` if it cannot round-trip."""
    try:
        node = _encode_raw(v)
        ok = _identical(_decode_value(node), v)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"cannot save {what} {v!r}: {exc}") from None
    if not ok:
        raise TypeError(f"cannot save {what} {v!r} of type {type(v).__name__} exactly")
    return node


# --------------------------------------------------------------------------- dtypes


def _numpy_dtype(text) -> np.dtype:
    if not isinstance(text, str) or not _NUMPY_DTYPE.fullmatch(text):
        raise ValueError(f"not a supported numpy dtype: {text!r}")
    dtype = np.dtype(text)
    if dtype.fields is not None or dtype.str != text:
        raise ValueError(f"not a supported numpy dtype: {text!r}")
    return dtype


def _encode_dtype_raw(dtype) -> dict:
    if isinstance(dtype, np.dtype):
        return {"numpy": dtype.str}
    pd = import_pandas(_FEATURE)
    if isinstance(dtype, pd.CategoricalDtype):
        return {"category": _encode_index(dtype.categories), "ordered": bool(dtype.ordered)}
    if isinstance(dtype, pd.StringDtype):
        na = "NA" if dtype.na_value is pd.NA else "nan"
        return {"string": dtype.storage, "na": na}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"datetimetz": dtype.unit, "tz": str(dtype.tz)}
    if str(dtype) in _PANDAS_DTYPES:
        return {"pandas": str(dtype)}
    raise TypeError(f"dtype {dtype} is not supported")


def _decode_dtype(node):
    """The numpy or pandas dtype of a node made by :func:`_encode_dtype`."""
    if not isinstance(node, dict):
        raise TypeError(f"expected a dtype node, got {node!r}")
    if set(node) == {"numpy"}:
        return _numpy_dtype(node["numpy"])
    pd = import_pandas(_FEATURE)
    if set(node) == {"category", "ordered"} and type(node["ordered"]) is bool:
        return pd.CategoricalDtype(_decode_index(node["category"]), ordered=node["ordered"])
    if set(node) == {"string", "na"} and node["string"] in _STRING_STORAGE:
        if node["na"] not in ("NA", "nan"):
            raise ValueError(f"unknown string na_value {node['na']!r}")
        na_value = pd.NA if node["na"] == "NA" else np.nan
        return pd.StringDtype(storage=node["string"], na_value=na_value)
    if set(node) == {"datetimetz", "tz"} and node["datetimetz"] in ("s", "ms", "us", "ns"):
        if not isinstance(node["tz"], str):
            raise TypeError(f"expected a time zone name, got {node['tz']!r}")
        return pd.DatetimeTZDtype(unit=node["datetimetz"], tz=node["tz"])
    if set(node) == {"pandas"} and node["pandas"] in _PANDAS_DTYPES:
        return pd.api.types.pandas_dtype(node["pandas"])
    raise ValueError(f"unknown or malformed dtype node {node!r}")


def _same_dtype(a, b) -> bool:
    if type(a) is not type(b) or a != b or str(a) != str(b):
        return False
    pd = pandas_if_loaded()
    if pd is not None and isinstance(a, pd.CategoricalDtype):
        # Unordered categoricals compare equal whatever the category order; the order matters.
        return a.ordered == b.ordered and _same_index(a.categories, b.categories)
    return True


def _encode_dtype(dtype, what: str = "dtype") -> dict:
    """A JSON node for ``dtype``; ``TypeError`` naming ``what`` if it cannot round-trip."""
    try:
        node = _encode_dtype_raw(dtype)
        ok = _same_dtype(_decode_dtype(node), dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot save {what} {dtype}: {exc}") from None
    if not ok:
        raise TypeError(f"cannot save {what} {dtype} exactly")
    return node


# --------------------------------------------------------------------------- indexes


def _encode_index(index) -> dict:
    """A JSON node for a pandas Index (checked to decode to an identical index)."""
    pd = import_pandas(_FEATURE)
    if type(index) is pd.RangeIndex:
        node = {"range": [index.start, index.stop, index.step]}
    elif isinstance(index, pd.MultiIndex):
        node = {
            "tuples": [_encode_value(t, "column name") for t in index],
            "names": [_encode_value(n, "index name") for n in index.names],
        }
        return _checked_index(node, index)
    else:
        node = {
            "values": [_encode_value(v, "index value") for v in index.tolist()],
            "dtype": _encode_dtype(index.dtype, "index dtype"),
        }
    node["name"] = _encode_value(index.name, "index name")
    return _checked_index(node, index)


def _checked_index(node: dict, index) -> dict:
    if not _same_index(_decode_index(node), index):
        raise TypeError(f"cannot save the index {index!r} exactly")
    return node


def _same_index(a, b) -> bool:
    pd = import_pandas(_FEATURE)
    try:
        pd.testing.assert_index_equal(a, b, exact=True, check_names=True, check_exact=True)
    except AssertionError:
        return False
    return True


def _decode_index(node):
    """The pandas Index of a node made by :func:`_encode_index`."""
    pd = import_pandas(_FEATURE)
    if not isinstance(node, dict):
        raise TypeError(f"expected an index node, got {node!r}")
    if set(node) == {"range", "name"}:
        bounds = node["range"]
        if not (isinstance(bounds, list) and len(bounds) == 3):
            raise ValueError(f"malformed range index {bounds!r}")
        if not all(type(b) is int for b in bounds) or bounds[2] == 0:
            raise ValueError(f"malformed range index {bounds!r}")
        return pd.RangeIndex(*bounds, name=_decode_value(node["name"]))
    if set(node) == {"tuples", "names"}:
        tuples = [_decode_value(t) for t in _list(node["tuples"])]
        names = [_decode_value(n) for n in _list(node["names"])]
        if not tuples or not all(isinstance(t, tuple) for t in tuples):
            raise ValueError("a MultiIndex needs tuples")
        return pd.MultiIndex.from_tuples(tuples, names=names)
    if set(node) == {"values", "dtype", "name"}:
        values = [_decode_value(v) for v in _list(node["values"])]
        dtype = _decode_dtype(node["dtype"])
        return pd.Index(values, dtype=dtype, name=_decode_value(node["name"]))
    raise ValueError(f"unknown or malformed index node {sorted(node)}")


def _list(node) -> list:
    if not isinstance(node, list):
        raise TypeError(f"expected a list, got {type(node).__name__}")
    return node
