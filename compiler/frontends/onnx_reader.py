"""The state of reading an ONNX graph, and what every ONNX op handler shares.

:class:`OnnxReader` walks the graph's nodes in order: nodes whose inputs are all constants are
evaluated (:meth:`OnnxReader.fold`: weights, their ``Quant``/``BipolarQuant``, transposes);
every other node is handed to the handler its op type has in the table it was given
(:data:`trigc.compiler.frontends.onnx.HANDLERS`), which appends layer records
(:mod:`.layers`, :mod:`.layers_tensor`) and updates the current tensor's IR shape and layout.
Nodes reading several tensors are merges (:meth:`OnnxReader.merge`).  Layout conventions
(channels first in ONNX, channels last in the IR) are described in :mod:`.onnx_tensor`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrigcError, UnsupportedModelError
from ..ir.fixed import FixedType
from .layers import Layer, Weights
from .layers_tensor import MergeLayer, ReshapeLayer
from .onnx_quant import QUANT_OPS, QuantNode, power_of_two_exponent


def onnx_module() -> Any:
    import onnx  # noqa: PLC0415

    return onnx


def load_onnx_model(path: Path) -> Any:
    """Read an ONNX file, with a message a user can act on when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise TrigcError(f"{path}: no such file. Pass the path of an ONNX model (.onnx).")
    onnx = onnx_module()
    try:
        return onnx.load(str(path))
    except Exception as exc:  # protobuf raises several kinds for a bad file
        raise TrigcError(f"{path}: could not be read as an ONNX model ({exc})") from None


def where_of(node: Any) -> str:
    return f"node {node.name or node.output[0]!r} ({node.op_type})"


def per_column(values: np.ndarray, n: int, where: str) -> np.ndarray:
    """A constant broadcast over the features: shape (), (1,), (n,), (1, n) → (n,)."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if flat.size not in (1, n):
        raise UnsupportedModelError(
            f"{where}: constant of shape {np.shape(values)} is not one value per feature ({n})"
        )
    return np.broadcast_to(flat, (n,)).copy()


# ONNX merges of two (Concat: two or more) tensors → the shared merge layers' classes.
MERGES = {"Add": "Add", "Sub": "Subtract", "Mul": "Multiply", "Concat": "Concatenate"}


def node_attrs(node: Any) -> dict[str, Any]:
    """An ONNX node's attributes as Python values."""
    import onnx  # noqa: PLC0415

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


@dataclass(frozen=True)
class TensorState:
    """An ONNX tensor as the IR holds it: the layer (or input) it is the output of, its IR
    shape, whether ONNX holds it channels first, and a pending flatten permutation."""

    source: str
    shape: tuple[int, ...]
    channels_first: bool
    perm: np.ndarray | None


def channels_last_input(model: Any) -> bool:
    """Whether the IR takes this ONNX model's N-D input channels last (see the module doc)."""
    consts = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in consts]
    if len(inputs) != 1 or len(inputs[0].type.tensor_type.shape.dim) < 3:
        return False
    name = inputs[0].name
    first = next((n for n in model.graph.node if name in n.input), None)
    return first is not None and first.op_type not in ("Flatten", "Reshape")


def flatten_permutation(shape: tuple[int, ...]) -> np.ndarray:
    """For an IR tensor of channels-last ``shape``: the index into ONNX's channels-first
    flattening of each element of the IR's flattening."""
    channels_first = (shape[-1], *shape[:-1])
    order = np.arange(int(np.prod(shape))).reshape(channels_first)
    return np.moveaxis(order, 0, -1).reshape(-1)


def ints(attrs: dict[str, Any], key: str, default: list[int]) -> list[int]:
    return [int(v) for v in attrs.get(key, default)]


Handler = Callable[["OnnxReader", Any, str, str], None]
"""An op's handler: ``handler(reader, node, layer name, where)`` appends its layer records."""


class OnnxReader:
    """Walks the ONNX graph in order, folding constants and collecting the layer chain."""

    def __init__(
        self, model: Any, path: Path, handlers: Mapping[str, Handler], supported: str
    ) -> None:
        self.handlers, self.supported = handlers, supported
        onnx = onnx_module()
        self.path = path
        graph = model.graph
        self.consts: dict[str, np.ndarray] = {
            t.name: onnx.numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer
        }
        self.quantized: dict[str, FixedType | None] = {}  # const name → nominal type
        inputs = [i for i in graph.input if i.name not in self.consts]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise UnsupportedModelError(
                f"{path.name}: the graph has {len(inputs)} inputs and {len(graph.output)} "
                "outputs; trigc supports one input and one output for now"
            )
        self.input = inputs[0]
        self.model = model
        self.layers: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []  # what each layer reads (layers or input)
        self.any_quant = False
        self.uses = Counter(n for node in graph.node for n in node.input)
        self.uses.update(o.name for o in graph.output)
        # The tensor the node being read reads: the layer it comes from, its IR shape, whether
        # ONNX holds it channels first, and the permutation a Flatten of a channels-first
        # tensor left for the next dense layer.
        self.src = self.input.name
        self.channels_first = channels_last_input(model)
        self.perm: np.ndarray | None = None
        self.shape = self.input_shape()
        self.state = {self.src: TensorState(self.src, self.shape, self.channels_first, None)}

    def input_shape(self) -> tuple[int, ...]:
        dims = self.input.type.tensor_type.shape.dim
        values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if len(values) < 2 or any(v is None for v in values[1:]):
            raise UnsupportedModelError(
                f"{self.path.name}: input {self.input.name!r} has shape {values}; only flat "
                "inputs [batch, features] (or flattened right away) are supported for now"
            )
        if channels_last_input(self.model):
            return (*values[2:], values[1])
        return (int(np.prod(values[1:])),)

    @property
    def flat_input(self) -> bool:
        return len(self.input.type.tensor_type.shape.dim) == 2

    def weights(self, name: str) -> Weights:
        values = self.consts[name]
        if name in self.quantized:
            return Weights(values, True, self.quantized[name])
        return Weights(values)

    def const_input(self, node: Any, index: int, where: str) -> str:
        if len(node.input) <= index or node.input[index] not in self.consts:
            raise UnsupportedModelError(f"{where}: input {index} must be a constant")
        return node.input[index]

    def fold(self, node: Any) -> None:
        """Evaluate a node whose inputs are all constants."""
        op, where = node.op_type, where_of(node)
        ins = [self.consts[n] for n in node.input if n]
        if op == "Constant":
            onnx = onnx_module()
            value = node_attrs(node).get("value")
            if value is None:
                raise UnsupportedModelError(f"{where}: only tensor constants are supported")
            self.consts[node.output[0]] = onnx.numpy_helper.to_array(value).astype(np.float64)
            return
        if op in QUANT_OPS:
            q = QuantNode(node, self.consts)
            self.consts[node.output[0]] = q.apply(ins[0])
            nominal = None
            if q.exp.size == 1 and not (q.bits == 1 and q.signed):
                nominal = q.fixed_type().with_modes()
            self.quantized[node.output[0]] = nominal
            self.any_quant = True
            return
        if op == "BipolarQuant":
            scale = ins[1]
            power_of_two_exponent(scale, where)
            self.consts[node.output[0]] = np.where(ins[0] >= 0, 1.0, -1.0) * scale
            self.quantized[node.output[0]] = None
            self.any_quant = True
            return
        if op in ("Identity", "Transpose"):
            perm = node_attrs(node).get("perm")
            out = ins[0] if op == "Identity" else np.transpose(ins[0], perm)
            self.consts[node.output[0]] = out
            if node.input[0] in self.quantized:
                self.quantized[node.output[0]] = self.quantized[node.input[0]]
            return
        raise UnsupportedModelError(
            f"{self.path.name}: {where} on constants is not supported; supported on weights: "
            "Constant, Identity, Transpose, Quant, BipolarQuant"
        )

    def step(self, node: Any) -> None:
        op, where = node.op_type, where_of(node)
        data = [n for n in node.input if n and n not in self.consts]
        name = node.name or node.output[0]
        if len(node.output) != 1 and any(node.output[1:]) and op != "MaxPool":
            raise UnsupportedModelError(f"{self.path.name}: {where} has several outputs")
        if len(data) > 1:
            if op not in MERGES:
                raise UnsupportedModelError(
                    f"{self.path.name}: {where} reads several tensors {data}; trigc merges "
                    "tensors with Add, Sub, Mul and Concat only"
                )
            self.merge(node, name, where, [self.state[d] for d in data])
            return
        st = self.state[data[0]]
        self.src, self.shape, self.channels_first, self.perm = (
            st.source,
            st.shape,
            st.channels_first,
            st.perm,
        )
        if (
            data[0] == self.input.name
            and not self.flat_input
            and not self.channels_first
            and op not in ("Flatten", "Reshape")
        ):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads the {len(self.input.type.tensor_type.shape.dim)}"
                "-D input directly; only flat inputs (or a Flatten/Reshape first) are supported"
            )
        handler = self.handlers.get(op)
        if handler is None:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} is not supported. Supported ops: {self.supported}."
            )
        before = len(self.layers)
        handler(self, node, name, where)
        for k in range(before, len(self.layers)):
            self.sources.append((self.src,) if k == before else (self.layers[k - 1].name,))
        source = self.layers[-1].name if len(self.layers) > before else self.src
        self.state[node.output[0]] = TensorState(source, self.shape, self.channels_first, self.perm)

    def features(self) -> int:
        """Features (channels of an N-D tensor) of the current tensor."""
        return int(self.shape[-1])

    def per_feature(self, node: Any, where: str) -> Weights:
        other = [n for n in node.input if n in self.consts]
        if len(other) != 1:
            raise UnsupportedModelError(f"{where}: needs one constant operand")
        w = self.weights(other[0])
        values = per_column(w.values, self.features(), where)
        return Weights(self.take_perm(values), w.quantized, None)

    def dense_rows(self, kernel: Weights, where: str) -> Weights:
        """A dense kernel with its rows in the IR's order of the flat input; the layer's
        output is a flat vector in the same order in ONNX and in the IR."""
        if self.channels_first:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a [batch, C, *spatial] tensor; Flatten it first"
            )
        rows = self.take_perm(kernel.values)
        self.perm = None
        self.shape = (int(kernel.values.shape[1]),)
        return Weights(rows, kernel.quantized, kernel.nominal)

    def take_perm(self, values: np.ndarray) -> np.ndarray:
        """Rows (or per-feature values) of the next layer in the IR's element order."""
        return values if self.perm is None else np.asarray(values)[self.perm]

    def flatten_channels_first(self, name: str, cls: str) -> None:
        """Flatten a channels-first tensor: a reshape in the IR, the order kept in ``perm``."""
        perm = flatten_permutation(self.shape)
        self.perm = None if np.array_equal(perm, np.arange(perm.size)) else perm
        self.layers.append(ReshapeLayer(name, cls, (-1,)))
        self.shape = (int(np.prod(self.shape)),)
        self.channels_first = False

    def window(self, where: str, attrs: dict[str, Any], kernel: list[int]) -> list[int]:
        """Check the attributes every windowed op shares; return the strides."""
        if not self.channels_first:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a flat tensor; windowed ops need the "
                "[batch, C, *spatial] tensors of the model's input or of another windowed op"
            )
        if len(kernel) != len(self.shape) - 1:
            raise UnsupportedModelError(
                f"{where}: a {len(kernel)}-D window on a tensor of IR shape {self.shape}"
            )
        auto_pad = attrs.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
        if auto_pad not in ("NOTSET", "VALID"):
            raise UnsupportedModelError(f"{where}: auto_pad {auto_pad!r} is not supported")
        if any(d != 1 for d in ints(attrs, "dilations", [])):
            raise UnsupportedModelError(f"{where}: dilated windows are not supported")
        return ints(attrs, "strides", [1] * len(kernel))

    def merge(self, node: Any, name: str, where: str, states: list[TensorState]) -> None:
        """Add/Sub/Mul of two tensors of one shape, or Concat along one axis."""
        first = states[0]
        if any(s.channels_first != first.channels_first or s.perm is not None for s in states):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} merges tensors in different layouts (channels "
                "first and flat, or flattened from channels-first tensors); merge before the "
                "Flatten"
            )
        shapes = [s.shape for s in states]
        shape = first.shape
        axis = None
        if node.op_type == "Concat":
            rank = len(shape) + 1  # with the batch axis
            onnx_axis = int(node_attrs(node).get("axis", 1)) % rank
            if onnx_axis == 0:
                raise UnsupportedModelError(f"{where}: concatenation along the batch axis")
            if first.channels_first:  # ONNX [batch, C, *spatial] → IR (*spatial, C)
                axis = len(shape) - 1 if onnx_axis == 1 else onnx_axis - 2
            else:
                axis = onnx_axis - 1
            shape = (*shape[:axis], sum(s[axis] for s in shapes), *shape[axis + 1 :])
        elif len(states) != 2 or shapes[0] != shapes[1]:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads tensors of IR shapes {shapes}; trigc merges "
                "two tensors of one shape (no broadcasting)"
            )
        self.layers.append(MergeLayer(name, MERGES[node.op_type], axis))
        self.sources.append(tuple(s.source for s in states))
        self.state[node.output[0]] = TensorState(name, shape, first.channels_first, None)
