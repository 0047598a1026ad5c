"""ONNX export of fitted models and whole pipelines, through skl2onnx.

``sk_autoencoder.to_onnx(model, X_sample)`` registers the package's skl2onnx converters and
converts an estimator or a pipeline in one call; after it (or after
:func:`register_converters`) ``skl2onnx.to_onnx`` converts them too. The networks are traced
with PyTorch's ONNX exporter and spliced into skl2onnx's graph, so preprocessing, network and
threshold run in one ONNX model (see :mod:`~sk_autoencoder.export.converters` for the outputs).
Needs the optional extra: ``pip install sk_autoencoder[onnx]`` (onnx, onnxruntime, skl2onnx).
"""

from __future__ import annotations

import json
import re

import numpy as np

from .._core.frames import is_dataframe
from .converters import register_converters
from .dependencies import require
from .graph import export_torch
from .methods import DecoderMethod
from .tables import MISSING_TEXT, level_key

__all__ = ["DEFAULT_OPSET", "onnx_inputs", "register_converters", "to_onnx"]

#: The opset of the default ONNX domain written unless ``target_opset`` says otherwise.
DEFAULT_OPSET = 18
_METHODS = ("predict", "inverse_transform")
#: Metadata key of the DataFrame columns behind the ONNX inputs, in input order.
COLUMNS_KEY = "sk_autoencoder.input_columns"


def _initial_types(X_sample):
    t = require("skl2onnx.common.data_types")
    if is_dataframe(X_sample):
        types = []
        for name in X_sample.columns:
            numeric = np.issubdtype(np.asarray(X_sample[name]).dtype, np.number)
            kind = t.DoubleTensorType if numeric else t.StringTensorType
            types.append((str(name), kind([None, 1])))
        return types
    X = np.asarray(X_sample)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number):
        raise ValueError(
            f"to_onnx: X_sample must be a DataFrame or a numeric 2-D array (n, n_features), "
            f"got an array of shape {X.shape} and dtype {X.dtype}; flatten images to "
            "(n, C*H*W) rows."
        )
    kind = t.DoubleTensorType if X.dtype == np.float64 else t.FloatTensorType
    return [("X", kind([None, X.shape[1]]))]


def _check_fitted(estimator) -> None:
    """``NotFittedError`` (naming the step) unless ``estimator`` and every step are fitted."""
    from sklearn.utils.validation import check_is_fitted

    steps = getattr(estimator, "steps", None)
    if steps is None:
        check_is_fitted(estimator)
        return
    for _, step in steps:
        if step is not None and step != "passthrough":
            _check_fitted(step)


def _decoder_model(estimator, opset: int):
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(estimator, "n_components_") or not hasattr(estimator, "module_"):
        raise ValueError(
            "to_onnx(method='inverse_transform') converts a fitted AutoencoderTransformer or "
            f"VAEGenerator on its own, got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    import torch

    example = torch.zeros(2, int(estimator.n_components_))
    names = (["codes"], ["variable"])
    return export_torch(DecoderMethod(estimator), (example,), 1, opset, names)


def to_onnx(estimator, X_sample, path=None, *, method="predict", target_opset=None, options=None):
    """Convert a fitted estimator or pipeline to an ONNX model (and write it to ``path``).

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        ``AutoencoderTransformer``, ``VAEGenerator``, ``AutoencoderOutlierDetector``,
        ``TabularPreprocessor``, a scikit-learn ``Pipeline`` of convertible steps (scikit-learn's
        own through skl2onnx) or a ``make_tabular_pipeline(...)``.
    X_sample : DataFrame or ndarray
        A few rows like the input; they set the ONNX inputs: one per column for a DataFrame
        (numeric columns double, others strings), one float matrix ``"X"`` for an array (double
        for float64). The batch size is dynamic.
    path : str or Path, optional
        Where to write the model (``.onnx``).
    method : {"predict", "inverse_transform"}, default="predict"
        ``"predict"``: the outputs listed in :mod:`sk_autoencoder.export.converters`;
        ``"inverse_transform"``: a graph from codes ``"codes"`` (n, n_components) to the
        decoded rows ``"variable"`` in model space (an autoencoder or VAE on its own).
    target_opset : int or dict, optional
        Default ``{"": DEFAULT_OPSET, "ai.onnx.ml": 3}``.
    options : dict, optional
        skl2onnx options, e.g. ``{AutoencoderTransformer: {"score_samples": True}}``.

    Returns
    -------
    onnx.ModelProto
    """
    onnx, skl2onnx = require("onnx", "skl2onnx")
    if method not in _METHODS:
        raise ValueError(f"to_onnx: method must be one of {_METHODS}, got {method!r}.")
    if target_opset is None:
        target_opset = {"": DEFAULT_OPSET, "ai.onnx.ml": 3}
    main = target_opset.get("", DEFAULT_OPSET) if isinstance(target_opset, dict) else target_opset
    if method == "inverse_transform":
        model = _decoder_model(estimator, int(main))
    else:
        _check_fitted(estimator)
        register_converters()
        exceptions = require("skl2onnx.common.exceptions")
        missing = (exceptions.MissingShapeCalculator, exceptions.MissingConverter)
        try:
            model = skl2onnx.to_onnx(
                estimator,
                initial_types=_initial_types(X_sample),
                target_opset=target_opset,
                options=options,
            )
        except missing as exc:
            found = re.search(r"type '<class '([\w.]+)'>'", str(exc))
            part = found.group(1).rsplit(".", 1)[-1] if found else "a step"
            raise ValueError(
                f"to_onnx: {part} has no ONNX converter. sk_autoencoder converts "
                "AutoencoderTransformer, VAEGenerator, AutoencoderOutlierDetector and "
                "TabularPreprocessor (alone or in pipelines with scikit-learn's own steps, which "
                "skl2onnx converts); export the steps that convert, or register a converter for "
                f"{part} with skl2onnx.update_registered_converter."
            ) from exc
    if is_dataframe(X_sample):
        # ONNX input names are sanitised ("my col!" -> "my_col_"): keep the columns' own names
        entry = model.metadata_props.add()
        entry.key, entry.value = COLUMNS_KEY, json.dumps([str(c) for c in X_sample.columns])
    if path is not None:
        onnx.save_model(model, str(path))
    return model


def _input_specs(model):
    """``(name, numpy dtype or object)`` of the inputs of a ModelProto or InferenceSession.

    Also the column names recorded by :func:`to_onnx` (or None).
    """
    if hasattr(model, "get_inputs"):
        kinds = {"tensor(float)": np.float32, "tensor(double)": np.float64}
        kinds["tensor(int64)"] = np.int64
        specs = [(i.name, kinds.get(i.type, object)) for i in model.get_inputs()]
        meta = model.get_modelmeta().custom_metadata_map
    else:
        onnx = require("onnx")
        kinds = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64}
        kinds[onnx.TensorProto.INT64] = np.int64
        graph = model.graph
        specs = [(i.name, kinds.get(i.type.tensor_type.elem_type, object)) for i in graph.input]
        meta = {p.key: p.value for p in model.metadata_props}
    columns = json.loads(meta[COLUMNS_KEY]) if COLUMNS_KEY in meta else None
    return specs, columns if columns is not None and len(columns) == len(specs) else None


def _column_of(X, name: str, recorded):
    """The column of ``X`` behind the ONNX input ``name`` (``recorded``: its column name)."""
    columns = {str(c): c for c in X.columns}
    for candidate in (recorded, name):
        if candidate in columns:
            return columns[candidate]
    sanitised = [c for t, c in columns.items() if re.sub(r"[^\w+]", "_", t) == name]
    if len(sanitised) == 1:
        return sanitised[0]
    raise ValueError(f"onnx_inputs: X has no column {recorded or name!r} (the model's input).")


def _strings(values) -> np.ndarray:
    from .._core.frames import import_pandas

    pd = import_pandas("String inputs")
    missing = np.asarray(pd.isna(values), dtype=bool)
    text = [MISSING_TEXT if m else level_key(v) for v, m in zip(values, missing)]
    return np.asarray(text, dtype=object).reshape(-1, 1)


def onnx_inputs(model, X) -> dict:
    """The ``onnxruntime`` feed of ``X`` for ``model`` (a ModelProto or InferenceSession).

    A DataFrame gives one (n, 1) array per input column: numeric columns as float (NaN for
    missing), the others as strings (the empty string for missing); an array gives ``{"X":
    X}`` in the input's float type.
    """
    specs, recorded = _input_specs(model)
    if is_dataframe(X):
        feed = {}
        for i, (name, dtype) in enumerate(specs):
            column = X[_column_of(X, name, None if recorded is None else recorded[i])]
            if dtype is object:
                feed[name] = _strings(column.to_numpy(dtype=object))
            else:
                numeric = column.astype("float64").to_numpy(na_value=np.nan)
                feed[name] = numeric.astype(dtype).reshape(-1, 1)
        return feed
    if len(specs) != 1 or specs[0][1] is object:
        raise ValueError(
            f"onnx_inputs: the model has the inputs {[n for n, _ in specs]}; pass a DataFrame "
            "with those columns."
        )
    name, dtype = specs[0]
    return {name: np.asarray(X, dtype=dtype).reshape(len(X), -1)}
