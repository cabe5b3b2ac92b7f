"""An ONNX graph's inputs: their shapes, and how the IR holds each of them.

An N-D input whose first node flattens it is the IR's flat vector; one that a convolution
reads is held channels last (ONNX's ``[C, *spatial]`` as ``(*spatial, C)``); one that is
transposed or multiplied over its last axis first stays in ONNX's own order
(:mod:`.layout`).  :func:`input_layout` looks past element-wise nodes to decide.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import layout as lay
from .layout import Layout

# Ops that keep every element where it is: the input's layout decides nothing.
ELEMENTWISE = (
    "Relu",
    "LeakyRelu",
    "Clip",
    "Sigmoid",
    "Tanh",
    "HardSigmoid",
    "Quant",
    "IntQuant",
    "BipolarQuant",
    "Cast",
    "Identity",
    "Dropout",
    "Add",
    "Sub",
    "Mul",
    "Div",
)
WINDOWED = (
    "Conv",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Pad",
    "BatchNormalization",
)


def graph_inputs(model: Any) -> list[Any]:
    """The graph's data inputs (not the initializers some exporters list as inputs too)."""
    consts = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in consts]


def graph_input(model: Any) -> Any:
    return graph_inputs(model)[0]


def input_dims(value: Any) -> tuple[int | None, ...]:
    """An input's shape without the batch axis (None: a dimension without a size)."""
    dims = value.type.tensor_type.shape.dim[1:]
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)


def input_layout(model: Any, value: Any | None = None) -> Layout | None:
    """How the IR holds input ``value`` (default: the first): ``None`` when its first node
    flattens it (the IR input is then the flat vector); otherwise channels first unless the
    first node past element-wise ones transposes it or multiplies over its last axis (then
    ONNX's order)."""
    first = value if value is not None else graph_input(model)
    rank = len(first.type.tensor_type.shape.dim) - 1
    if rank <= 1:
        return lay.identity(max(rank, 1))
    consumers = [n for n in model.graph.node if first.name in n.input]
    if consumers and consumers[0].op_type in ("Flatten", "Reshape"):
        return None
    name, node = first.name, consumers[0] if consumers else None
    while node is not None and node.op_type in ELEMENTWISE:
        name = node.output[0]
        node = next((n for n in model.graph.node if name in n.input), None)
    if node is not None and node.op_type in ("Transpose", "MatMul", "Softmax"):
        return lay.identity(rank)
    return lay.channels_first(rank)


def ir_input_shape(dims: tuple[int, ...], layout: Layout | None) -> tuple[int, ...]:
    """The IR shape of an input of ONNX ``dims`` held in ``layout``."""
    if layout is None:
        return (int(np.prod(dims)),)
    order = np.argsort(lay.ir_axes(layout))
    return tuple(int(dims[k]) for k in order)
