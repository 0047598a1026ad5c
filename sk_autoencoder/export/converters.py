"""skl2onnx registrations: a parser, a shape calculator and a converter per estimator.

After :func:`register_converters`, ``skl2onnx.to_onnx`` converts the package's estimators on
their own and inside scikit-learn pipelines (``make_pipeline(StandardScaler(),
AutoencoderTransformer())``, :func:`~sk_autoencoder.make_tabular_pipeline`):

- ``AutoencoderTransformer`` / ``VAEGenerator``: output ``variable`` = ``transform`` (n, k), so
  a next step can read it; the options ``reconstruction=True`` (``inverse_transform`` of the
  code, (n, d)) and ``score_samples=True`` ((n, 1)) add outputs of those names (for a final
  step);
- ``AutoencoderOutlierDetector``: ``label`` (``predict``, int64 (n, 1), the fitted
  ``offset_`` built in), ``scores`` (``decision_function``) and ``score_samples``, float (n, 1)
  each, as skl2onnx's ``IsolationForest`` with its ``score_samples`` option;
- ``TabularPreprocessor``: ``variable`` (n, n_features_out_), one input per column.
"""

from __future__ import annotations

import numpy as np
import torch

from ..autoencoder import AutoencoderTransformer
from ..outliers import AutoencoderOutlierDetector
from ..preprocessing import TabularPreprocessor
from ..vae import VAEGenerator
from . import detector as detector_graph
from . import tables
from .dependencies import require
from .graph import export_torch, main_opset, splice
from .isolation import isolation_scores
from .methods import AutoencoderMethods
from .ops import Ops, as_float

_AUTOENCODER_OPTIONS = {"reconstruction": [False, True], "score_samples": [False, True]}


def _types():
    return require("skl2onnx.common.data_types")


def _declare(scope, model, inputs, alias, outputs) -> list:
    operator = scope.declare_local_operator(alias, model)
    operator.inputs = inputs
    for name, var_type in outputs:
        operator.outputs.append(scope.declare_local_variable(name, var_type))
    return operator.outputs


def _autoencoder_options(scope_or_container, model) -> dict:
    return scope_or_container.get_options(model, dict.fromkeys(_AUTOENCODER_OPTIONS, False))


# --------------------------------------------------------------------------- autoencoders
def _parse_autoencoder(scope, model, inputs, custom_parsers=None):
    t = _types()
    options = _autoencoder_options(scope, model)
    outputs = [("variable", t.FloatTensorType())]
    outputs += [(n, t.FloatTensorType()) for n in _AUTOENCODER_OPTIONS if options[n]]
    return _declare(scope, model, inputs, _alias(type(model)), outputs)


def _shape_autoencoder(operator) -> None:
    t = _types()
    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    widths = {
        "variable": int(est.n_components_),
        "reconstruction": int(est.n_features_in_),
        "score_samples": 1,
    }
    for out in operator.outputs:
        out.type = t.FloatTensorType([n, widths[out.raw_name]])


def _convert_autoencoder(scope, operator, container) -> None:
    est = operator.raw_operator
    options = _autoencoder_options(container, est)
    x = as_float(scope, container, operator.inputs)
    module = AutoencoderMethods(est, **options)
    example = torch.zeros(2, int(est.n_features_in_))
    model = export_torch(module, (example,), len(operator.outputs), main_opset(container))
    splice(scope, container, model, [x], [out.full_name for out in operator.outputs])


# --------------------------------------------------------------------------- preprocessor
def _parse_preprocessor(scope, model, inputs, custom_parsers=None):
    return _declare(
        scope, model, inputs, _alias(type(model)), [("variable", _types().FloatTensorType())]
    )


def _shape_preprocessor(operator) -> None:
    n = operator.inputs[0].get_first_dimension()
    width = int(operator.raw_operator.n_features_out_)
    operator.outputs[0].type = _types().FloatTensorType([n, width])


def _convert_preprocessor(scope, operator, container) -> None:
    pre = operator.raw_operator
    table, _ = tables.encode_table(scope, container, pre, operator.inputs)
    container.add_node(
        "Identity",
        [table],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("ska_Identity"),
    )


# --------------------------------------------------------------------------- detector
def _parse_detector(scope, model, inputs, custom_parsers=None):
    t = _types()
    outputs = [
        ("label", t.Int64TensorType()),
        ("scores", t.FloatTensorType()),
        ("score_samples", t.FloatTensorType()),
    ]
    return _declare(scope, model, inputs, _alias(type(model)), outputs)


def _shape_detector(operator) -> None:
    t = _types()
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = t.Int64TensorType([n, 1])
    operator.outputs[1].type = t.FloatTensorType([n, 1])
    operator.outputs[2].type = t.FloatTensorType([n, 1])


def _convert_detector(scope, operator, container) -> None:
    det = operator.raw_operator
    n_in = int(det.n_features_in_)
    ops = Ops(scope, container)
    if det.preprocessor_ is not None:
        z, unseen = tables.encode_table(scope, container, det.preprocessor_, operator.inputs)
        z = detector_graph.recode_unseen(ops, det, z, unseen)
    else:  # an array has no unseen cells: the traced graph does not read the mask
        x = as_float(scope, container, operator.inputs, np.float64)
        z = ops(
            "Div",
            ops("Sub", x, np.asarray(det.mean_, np.float64)),
            np.asarray(det.scale_, np.float64),
        )
        z, unseen = ops.cast(z, np.float32), None
    forest = getattr(det, "_isolation", None)
    forest = None if forest is None else isolation_scores(ops, z, forest)
    module = detector_graph.DetectorScores(det)
    d = int(det.estimators_[0].n_features_in_)
    examples = (
        torch.zeros(2, d),
        torch.zeros(2, n_in, dtype=torch.float64),
        torch.zeros(2, 1, dtype=torch.float64),
    )
    model = export_torch(module, examples, 3, main_opset(container))
    outputs = [out.full_name for out in operator.outputs]
    splice(scope, container, model, [z, unseen, forest], outputs)


# --------------------------------------------------------------------------- registry
_REGISTRY = {
    AutoencoderTransformer: (_parse_autoencoder, _shape_autoencoder, _convert_autoencoder),
    VAEGenerator: (_parse_autoencoder, _shape_autoencoder, _convert_autoencoder),
    AutoencoderOutlierDetector: (_parse_detector, _shape_detector, _convert_detector),
    TabularPreprocessor: (_parse_preprocessor, _shape_preprocessor, _convert_preprocessor),
}


def _alias(cls) -> str:
    return f"SkAutoencoder{cls.__name__}"


def register_converters() -> None:
    """Register the package's converters with skl2onnx (idempotent)."""
    skl2onnx = require("skl2onnx")
    for cls, (parser, shape, convert) in _REGISTRY.items():
        skl2onnx.update_registered_converter(
            cls,
            _alias(cls),
            shape,
            convert,
            overwrite=True,
            parser=parser,
            options=_AUTOENCODER_OPTIONS if parser is _parse_autoencoder else None,
        )
