"""``TabularPreprocessor`` in ONNX operators: imputation, indicators, scaling, one-hot.

The graph takes one input per column, as skl2onnx does for a ``ColumnTransformer`` fed a
DataFrame: numeric columns as float or double tensors of shape (n, 1), NaN for missing
(standardised, or turned into normal scores for ``numeric_transform="quantile"``);
categorical columns as string tensors of shape (n, 1), the empty string for missing
(:func:`sk_autoencoder.onnx_inputs` builds these from a DataFrame). A table of numeric columns
only may also come as one matrix (n, n_features_in_). Levels never seen in fit go where
``transform`` puts them (the infrequent column, else the missing one, else nowhere).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..preprocessing.columns import P_BOUND
from .ops import Ops, as_float, variable_dtype
from .quantile import normal_scores

#: The ONNX input value of a missing categorical cell.
MISSING_TEXT = ""
# LabelEncoder results that are not block positions
_UNSEEN, _MISSING = -2, -3


def level_key(value) -> str:
    """The string an ONNX input carries for a categorical level."""
    return str(value)


def check_convertible(pre) -> None:
    """Raise a ``ValueError`` naming what in a fitted preprocessor has no ONNX form."""
    for spec in pre._specs:
        if spec.kind == "categorical":
            keys = [level_key(v) for v in list(spec.levels) + list(spec.infrequent)]
            if MISSING_TEXT in keys or len(set(keys)) < len(keys):
                raise ValueError(
                    f"TabularPreprocessor: the levels of column {spec.name!r} cannot be told "
                    "apart as ONNX strings (an empty-string level, which ONNX inputs use for "
                    "missing, or two levels with the same text); recode them before fitting."
                )


def _column_inputs(pre, inputs) -> list:
    """Per input column: ``(variable, column index or None)`` of the ONNX inputs."""
    names = [str(c) for c in pre.feature_names_in_]
    if len(inputs) == 1 and len(names) > 1:
        shape = inputs[0].type.shape
        width = shape[1] if len(shape) > 1 else None
        if width == len(names) and all(s.kind == "numeric" for s in pre._specs):
            return [(inputs[0], j) for j in range(len(names))]
    by_name = {var.raw_name: var for var in inputs}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(
            f"TabularPreprocessor: the ONNX inputs {sorted(by_name)} do not include the "
            f"columns {missing}; convert with one input per column, named as in fit (e.g. "
            "sk_autoencoder.to_onnx(model, X_frame) or skl2onnx.to_onnx(model, X_frame[:1]))."
        )
    return [(by_name[n], None) for n in names]


def _numeric(ops: Ops, spec, value: str):
    """The encoded column(s) and the unseen flag of a numeric column (double (n, 1) each)."""
    nan = ops("IsNaN", value)
    if spec.quantiles is not None:  # numeric_transform="quantile"
        parts = [normal_scores(ops, value, spec.quantiles, P_BOUND)]
    else:
        filled = ops("Where", nan, [spec.fill], value)
        parts = [ops("Div", ops("Sub", filled, [spec.center]), [spec.scale])]
    nan_flag = ops.cast(nan, np.float64)
    if spec.indicator:
        return [*parts, nan_flag], ops("Mul", nan_flag, [0.0])
    return parts, nan_flag  # a missing value where training had none is unseen


def _categorical(ops: Ops, spec, text: str):
    """The one-hot block and the unseen flag of a categorical column."""
    keys = [level_key(v) for v in spec.levels] + [level_key(v) for v in spec.infrequent]
    positions = list(range(len(spec.levels))) + [spec.infrequent_pos] * len(spec.infrequent)
    code = ops(
        "LabelEncoder",
        text,
        op_domain="ai.onnx.ml",
        op_version=2,
        keys_strings=keys + [MISSING_TEXT],
        values_int64s=positions + [_MISSING],
        default_int64=_UNSEEN,
    )
    is_new = ops("Equal", code, np.array([_UNSEEN], np.int64))
    is_missing = ops("Equal", code, np.array([_MISSING], np.int64))
    code = ops("Where", is_new, np.array([spec.unseen_pos], np.int64), code)
    code = ops("Where", is_missing, np.array([spec.missing_code], np.int64), code)
    onehot = ops.cast(ops("Equal", code, np.arange(spec.width, dtype=np.int64)), np.float64)
    unseen = is_new if spec.has_missing else ops("Or", is_new, is_missing)
    return [onehot], ops.cast(unseen, np.float64)


def _text(ops: Ops, spec, var) -> str:
    """The categorical input ``var`` as strings (integer levels may come as int64)."""
    kind = variable_dtype(var)
    if kind is object:
        return var.full_name
    integer_levels = all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool)
        for v in list(spec.levels) + list(spec.infrequent)
    )
    if kind is not None and np.issubdtype(np.dtype(kind), np.integer) and integer_levels:
        return ops.cast(var.full_name, object)
    raise TypeError(
        f"TabularPreprocessor: categorical column {spec.name!r} arrives as "
        f"{type(var.type).__name__}; its levels are matched as text: convert with "
        "sk_autoencoder.to_onnx(model, X), which types such columns as strings, or "
        "pass initial_types with a StringTensorType([None, 1]) for it."
    )


def _side_by_side(ops: Ops, names: list[str]) -> str:
    return names[0] if len(names) == 1 else ops("Concat", *names, axis=1)


def encode_table(scope, container, pre, inputs) -> tuple[str, str]:
    """ONNX names of the encoded table (float (n, n_features_out_)) and the unseen mask.

    The mask is double (n, n_features_in_): 1 where a cell holds a level never seen in fit, or
    a missing value where the training column had none.
    """
    check_convertible(pre)
    ops = Ops(scope, container)
    parts, flags = [], []
    for spec, (var, j) in zip(pre._specs, _column_inputs(pre, inputs)):
        if spec.kind == "numeric":
            value = as_float(scope, container, [var], np.float64)
            if j is not None:  # column j of a matrix input
                value = ops("Slice", value, *(np.array([v], np.int64) for v in (j, j + 1, 1)))
            cols, flag = _numeric(ops, spec, value)
        else:
            cols, flag = _categorical(ops, spec, _text(ops, spec, var))
        parts += cols
        flags.append(flag)
    return ops.cast(_side_by_side(ops, parts), np.float32), _side_by_side(ops, flags)
