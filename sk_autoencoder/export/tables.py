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
from .ops import as_float, cast, constant, node, variable_dtype
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


def _numeric(scope, container, spec, value: str):
    """The encoded column(s) and the unseen flag of a numeric column (double (n, 1) each)."""
    nan = node(scope, container, "IsNaN", [value])
    if spec.quantiles is not None:  # numeric_transform="quantile"
        parts = [normal_scores(scope, container, value, spec.quantiles, P_BOUND)]
    else:
        fill = constant(scope, container, [spec.fill])
        filled = node(scope, container, "Where", [nan, fill, value])
        shifted = node(scope, container, "Sub", [filled, constant(scope, container, [spec.center])])
        parts = [node(scope, container, "Div", [shifted, constant(scope, container, [spec.scale])])]
    nan_flag = cast(scope, container, nan, np.float64)
    if spec.indicator:
        parts.append(nan_flag)
        return parts, node(scope, container, "Mul", [nan_flag, constant(scope, container, [0.0])])
    return parts, nan_flag  # a missing value where training had none is unseen


def _categorical(scope, container, spec, text: str):
    """The one-hot block and the unseen flag of a categorical column."""
    keys = [level_key(v) for v in spec.levels] + [level_key(v) for v in spec.infrequent]
    positions = list(range(len(spec.levels))) + [spec.infrequent_pos] * len(spec.infrequent)
    code = node(
        scope,
        container,
        "LabelEncoder",
        [text],
        op_domain="ai.onnx.ml",
        op_version=2,
        keys_strings=keys + [MISSING_TEXT],
        values_int64s=positions + [_MISSING],
        default_int64=_UNSEEN,
    )
    unseen_pos = spec.infrequent_pos if spec.infrequent else spec.missing_pos
    missing_pos = spec.missing_pos if spec.has_missing else spec.infrequent_pos
    is_new = node(
        scope, container, "Equal", [code, constant(scope, container, [_UNSEEN], np.int64)]
    )
    is_missing = node(
        scope, container, "Equal", [code, constant(scope, container, [_MISSING], np.int64)]
    )
    code = node(
        scope,
        container,
        "Where",
        [is_new, constant(scope, container, [unseen_pos], np.int64), code],
    )
    code = node(
        scope,
        container,
        "Where",
        [is_missing, constant(scope, container, [missing_pos], np.int64), code],
    )
    levels = constant(scope, container, np.arange(spec.width), np.int64)
    onehot = cast(scope, container, node(scope, container, "Equal", [code, levels]), np.float64)
    unseen = is_new
    if not spec.has_missing:
        unseen = node(scope, container, "Or", [is_new, is_missing])
    return [onehot], cast(scope, container, unseen, np.float64)


def encode_table(scope, container, pre, inputs) -> tuple[str, str]:
    """ONNX names of the encoded table (float (n, n_features_out_)) and the unseen mask.

    The mask is double (n, n_features_in_): 1 where a cell holds a level never seen in fit, or
    a missing value where the training column had none.
    """
    check_convertible(pre)
    parts, flags = [], []
    for spec, (var, j) in zip(pre._specs, _column_inputs(pre, inputs)):
        if spec.kind == "numeric":
            value = as_float(scope, container, [var], np.float64)
            if j is not None:
                value = node(
                    scope,
                    container,
                    "Slice",
                    [
                        value,
                        constant(scope, container, [j], np.int64),
                        constant(scope, container, [j + 1], np.int64),
                        constant(scope, container, [1], np.int64),  # axis 1
                    ],
                )
            cols, flag = _numeric(scope, container, spec, value)
        else:
            kind = variable_dtype(var)
            integer_levels = all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool)
                for v in list(spec.levels) + list(spec.infrequent)
            )
            if kind is object:
                text = var.full_name
            elif kind is not None and np.issubdtype(np.dtype(kind), np.integer) and integer_levels:
                text = cast(scope, container, var.full_name, object)  # integer levels as text
            else:
                raise TypeError(
                    f"TabularPreprocessor: categorical column {spec.name!r} arrives as "
                    f"{type(var.type).__name__}; its levels are matched as text: convert with "
                    "sk_autoencoder.to_onnx(model, X), which types such columns as strings, or "
                    "pass initial_types with a StringTensorType([None, 1]) for it."
                )
            cols, flag = _categorical(scope, container, spec, text)
        parts += cols
        flags.append(flag)
    table = parts[0] if len(parts) == 1 else node(scope, container, "Concat", parts, axis=1)
    if len(flags) > 1:
        unseen = node(scope, container, "Concat", flags, axis=1)
    else:
        unseen = flags[0]
    return cast(scope, container, table, np.float32), unseen
