"""ONNX and QONNX frontend: a ``.onnx`` file → IR, read with the ``onnx`` package.

Float models (exported from Keras or PyTorch) take their precision from a configuration
(:mod:`..config.precision`, default ``fixed<16,6>``).  QONNX ``Quant`` nodes with a power-of-two
scale and zero point 0 are exact fixed-point casts; on weights they are evaluated here, and
``BipolarQuant`` on weights gives ±scale.  The graph may branch (one input, one output); each
tensor remembers which layer it is the output of, and a graph that is not a chain is lowered
with its wiring.  Nodes on constants only (weights, exporters' static shape arithmetic) are
folded by onnx's reference implementation (:mod:`.fold`); transposes, squeezes and
unsqueezes change only where the tensor's axes are in the IR (:mod:`.layout`).  The ops
on the data path are :data:`SUPPORTED_OPS`; anything else is refused with the node's name and
op type.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import UnsupportedModelError
from ...ir.graph import Graph
from ...names import identifier
from ..layers.builder import FrontendOptions
from ..layers.handler import Handler
from ..layers.lower import Wiring, lower_layers
from . import ops, tensor
from .reader import OnnxReader, load_onnx_model

HANDLERS: dict[str, Handler] = {
    "Gemm": ops.gemm,
    "MatMul": ops.matmul,
    "Add": ops.add,
    "Mul": ops.mul,
    "Sub": ops.sub,
    "Div": ops.div,
    "Relu": ops.relu,
    "LeakyRelu": ops.leaky_relu,
    "Clip": ops.clip,
    "HardSigmoid": ops.hard_sigmoid,
    "Sigmoid": ops.function("sigmoid"),
    "Tanh": ops.function("tanh"),
    "Softmax": ops.softmax,
    "BatchNormalization": ops.batch_normalization,
    "Quant": ops.quant,
    "IntQuant": ops.quant,
    "BipolarQuant": ops.bipolar_quant,
    "Identity": ops.identity,
    "Dropout": ops.identity,
    "Cast": ops.cast,
    "Flatten": ops.flatten,
    "Reshape": ops.reshape,
    "Transpose": ops.transpose,
    "Squeeze": ops.squeeze,
    "Unsqueeze": ops.unsqueeze,
    "Pad": tensor.pad,
    "Conv": tensor.conv,
    "MaxPool": tensor.max_pool,
    "AveragePool": tensor.average_pool,
    "GlobalAveragePool": tensor.global_average_pool,
    "GlobalMaxPool": tensor.global_max_pool,
    "ReduceMean": tensor.reduce_mean,
    "ReduceMax": tensor.reduce_max,
}
"""ONNX op type -> its handler (one tensor read; merges of several are the reader's)."""
SUPPORTED_OPS = (
    "Gemm, MatMul (also with leading axes), Add/Sub/Mul/Div by a constant per channel, Relu, "
    "LeakyRelu (power-of-two slope), Clip (0, whole max), HardSigmoid, Sigmoid, Tanh, Softmax, "
    "BatchNormalization, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Identity, Dropout, "
    "Cast (float to float), Conv (1-D/2-D, grouped and depthwise), Pad (zeros, before a Conv), "
    "MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean/ReduceMax (over the "
    "spatial axes), Add/Sub/Mul of two tensors, "
    "Concat, Quant and BipolarQuant (QONNX); any standard op on constants (shape arithmetic)"
)


def from_onnx(path: Path, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Read an ONNX/QONNX file into an untyped IR graph.

    Without a precision configuration, a float model (no Quant node) uses the default
    ``fixed<16,6>``; a QONNX model infers exact types for what its Quant nodes leave open.
    Returns the graph and the layers the configuration approximated.
    """
    path = Path(path)
    options = options or FrontendOptions()
    model = load_onnx_model(path)
    reader = OnnxReader(model, path, HANDLERS, SUPPORTED_OPS)
    for node in model.graph.node:
        if all(n in reader.consts for n in node.input if n):
            reader.fold(node)
        else:
            reader.step(node)
    outs = []
    for value in model.graph.output:
        out = reader.state.get(value.name)
        if out is None:
            raise UnsupportedModelError(
                f"{path.name}: the graph output {value.name!r} is not computed from the "
                "inputs by supported nodes"
            )
        outs.append(out.source)
    if not reader.records or any(o in reader.input_shapes for o in outs):
        raise UnsupportedModelError(f"{path.name}: the graph has no node trigc can compile")
    name = identifier(model.graph.name or path.stem)
    chain = [(reader.input.name,)] + [(layer.name,) for layer in reader.records[:-1]]
    wiring = None
    if len(outs) > 1 or len(reader.inputs) > 1 or reader.sources != chain:
        wiring = Wiring(tuple(reader.sources), outs[0], tuple(outs[1:]))
    elif outs[0] != reader.records[-1].name:
        wiring = Wiring(tuple(reader.sources), outs[0])
    first = reader.input.name
    more = tuple((v.name, reader.input_shapes[v.name]) for v in reader.inputs[1:])
    return lower_layers(
        name, reader.input_shapes[first], first, reader.records, options, wiring, more
    )
