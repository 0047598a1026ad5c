"""Small helpers over skl2onnx's container: constants and single operators by name."""

from __future__ import annotations

import numpy as np

from .dependencies import require

_ONNX_TYPES = {
    np.dtype(np.float32): "FLOAT",
    np.dtype(np.float64): "DOUBLE",
    np.dtype(np.int64): "INT64",
    np.dtype(np.bool_): "BOOL",
    np.dtype(object): "STRING",
}


def onnx_type(dtype) -> int:
    """The ``TensorProto`` element type of a numpy ``dtype``."""
    onnx = require("onnx")
    return getattr(onnx.TensorProto, _ONNX_TYPES[np.dtype(dtype)])


def constant(scope, container, value, dtype=np.float64) -> str:
    """An initializer holding ``value`` (as ``dtype``); returns its name."""
    array = np.asarray(value, dtype=dtype)
    name = scope.get_unique_variable_name("ska_c")
    container.add_initializer(name, onnx_type(dtype), list(array.shape), array.ravel())
    return name


def node(scope, container, op: str, inputs: list[str], **attrs) -> str:
    """One operator of the default (or ``op_domain``) domain with a single new output."""
    out = scope.get_unique_variable_name(f"ska_{op.lower()}")
    domain = attrs.pop("op_domain", "")
    version = attrs.pop("op_version", None)
    kwargs = {"op_domain": domain} if domain else {}
    if version is not None:
        kwargs["op_version"] = version
    container.add_node(
        op, inputs, [out], name=scope.get_unique_operator_name(f"ska_{op}"), **kwargs, **attrs
    )
    return out


def cast(scope, container, name: str, dtype) -> str:
    """``name`` cast to ``dtype``."""
    return node(scope, container, "Cast", [name], to=onnx_type(dtype))


class Ops:
    """Operators by name on one container: ``ops("Add", a, [1.0])`` returns the output's name.

    An input that is not a name becomes a constant: an ndarray keeps its shape and dtype, any
    other value (a list, a float) becomes a double array.
    """

    def __init__(self, scope, container):
        self.scope, self.container = scope, container

    def __call__(self, op: str, *inputs, **attrs) -> str:
        """The output of ``op`` on ``inputs`` (names or constants) with ``attrs``."""
        names = [i if isinstance(i, str) else self.const(i) for i in inputs]
        return node(self.scope, self.container, op, names, **attrs)

    def const(self, value) -> str:
        """A constant holding ``value`` (see the class notes)."""
        array = value if isinstance(value, np.ndarray) else np.asarray(value, np.float64)
        return constant(self.scope, self.container, array, array.dtype)

    def cast(self, name: str, dtype) -> str:
        """``name`` cast to ``dtype``."""
        return cast(self.scope, self.container, name, dtype)


def variable_dtype(variable):
    """The numpy dtype of a skl2onnx variable's tensor type (``object`` for strings)."""
    kind = type(variable.type).__name__
    return {
        "FloatTensorType": np.float32,
        "DoubleTensorType": np.float64,
        "Int64TensorType": np.int64,
        "Int32TensorType": np.int32,
        "BooleanTensorType": np.bool_,
        "StringTensorType": object,
    }.get(kind)


def as_float(scope, container, variables, dtype=np.float32) -> str:
    """The inputs ``variables`` (numeric) as one ``dtype`` matrix: cast, then side by side."""
    names = []
    for var in variables:
        current = variable_dtype(var)
        if current is object or current is None:
            raise TypeError(
                f"input {var.raw_name!r} is of type {type(var.type).__name__}; a numeric "
                "tensor was expected (put a TabularPreprocessor before the model for strings)."
            )
        same = np.dtype(current) == np.dtype(dtype)
        names.append(var.full_name if same else cast(scope, container, var.full_name, dtype))
    if len(names) == 1:
        return names[0]
    return node(scope, container, "Concat", names, axis=1)
