"""A torch computation spliced into the ONNX graph that skl2onnx is building.

The network (and the arithmetic after it) is traced with ``torch.onnx.export`` at the graph's
opset, with a dynamic batch axis; its nodes and initializers are then copied into skl2onnx's
container under fresh names, so a converter can chain it with the ONNX operators of the
preprocessing before it and of the threshold after it.
"""

from __future__ import annotations

import io
import warnings

import torch

from .dependencies import require

#: The newest opset the TorchScript-based exporter of torch writes.
TORCH_MAX_OPSET = 20
#: The oldest opset the converters are written for.
MIN_OPSET = 15


def main_opset(container) -> int:
    """The opset of the default ONNX domain the container builds for (checked)."""
    opset = container.target_opset
    if isinstance(opset, dict):
        opset = opset.get("", None)
    opset = TORCH_MAX_OPSET if opset is None else int(opset)
    if opset < MIN_OPSET:
        raise ValueError(
            f"sk_autoencoder's ONNX converters need target_opset >= {MIN_OPSET}, got {opset}; "
            f"pass target_opset={{'': {MIN_OPSET}}} or newer."
        )
    return opset


def export_torch(
    module: torch.nn.Module,
    examples: tuple,
    n_outputs: int,
    opset: int,
    names: tuple[list[str], list[str]] | None = None,
):
    """The ONNX model of ``module(*examples)`` with a dynamic first axis on every input/output.

    ``names``: the input and output names (default ``in0, ...`` and ``out0, ...``, which
    :func:`splice` maps).
    """
    onnx = require("onnx")
    names_in = [f"in{i}" for i in range(len(examples))] if names is None else names[0]
    names_out = [f"out{i}" for i in range(n_outputs)] if names is None else names[1]
    axes = {name: {0: "N"} for name in names_in + names_out}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # the TorchScript-based exporter is the one that needs no further package
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            examples,
            buffer,
            dynamo=False,
            input_names=names_in,
            output_names=names_out,
            dynamic_axes=axes,
            opset_version=min(opset, TORCH_MAX_OPSET),
            do_constant_folding=True,
        )
    return onnx.load_from_string(buffer.getvalue())


def splice(scope, container, model, inputs: list[str], outputs: list[str]) -> None:
    """Copy the graph of the ONNX ``model`` into ``container``.

    Its inputs are read from the variables ``inputs`` (None for one the traced graph does not
    read) and its outputs written to ``outputs`` (names in the container); every other name
    is made unique in ``scope``.
    """
    onnx = require("onnx")
    from onnx import helper, numpy_helper

    graph = model.graph
    initialised = {init.name for init in graph.initializer}
    real_inputs = [v.name for v in graph.input if v.name not in initialised]
    expected = {f"in{i}": name for i, name in enumerate(inputs) if name is not None}
    # the tracer drops an input the computation does not read (None: there is none to give)
    if not set(real_inputs) <= set(expected) or len(graph.output) != len(outputs):
        raise RuntimeError(
            f"traced graph has the inputs {real_inputs} and {len(graph.output)} outputs, "
            f"expected some of {sorted(expected)} and {len(outputs)}"
        )
    rename = {name: expected[name] for name in real_inputs}
    rename.update(zip([v.name for v in graph.output], outputs))

    def name_of(old: str) -> str:
        if old == "":
            return ""  # an omitted optional input
        if old not in rename:
            rename[old] = scope.get_unique_variable_name(f"ska_{old}".replace("::", "_"))
        return rename[old]

    for init in graph.initializer:
        value = numpy_helper.to_array(init)
        container.add_initializer(name_of(init.name), init.data_type, list(value.shape), value)
    for node in graph.node:
        attrs = {}
        for attr in node.attribute:
            if attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                raise RuntimeError(f"traced graph holds a sub-graph ({node.op_type})")
            attrs[attr.name] = helper.get_attribute_value(attr)
            if isinstance(attrs[attr.name], bytes):
                attrs[attr.name] = attrs[attr.name].decode()
        node_inputs = list(node.input)
        while node_inputs and node_inputs[-1] == "":
            node_inputs.pop()  # omitted trailing optional inputs (skl2onnx sorts by name)
        container.add_node(
            node.op_type,
            [name_of(n) for n in node_inputs],
            [name_of(n) for n in node.output],
            op_domain=node.domain or "",
            name=scope.get_unique_operator_name(f"ska_{node.op_type}"),
            **attrs,
        )
