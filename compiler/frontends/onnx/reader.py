"""The walk through an ONNX graph, and what every ONNX op handler may read.

:class:`OnnxReader` walks the graph's nodes in order: nodes whose inputs are all constants are
evaluated (:meth:`OnnxReader.fold`: weights, their ``Quant``/``BipolarQuant``, transposes);
every other node is handed to the handler its op type has in the table it was given
(:data:`.frontend.HANDLERS`) as ``handler(node, reader) -> OnnxRead``: the handler reads the
constants and the state of the tensor the node reads (:attr:`OnnxReader.tensor`,
:class:`.state.TensorState`) and returns its layer records and the state of its output, which
the reader appends and records.  Nodes reading several tensors are merges
(:meth:`OnnxReader.merge`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.fixed import FixedType
from ..layers.handler import Handler
from ..layers.records import Layer, Weights
from ..layers.tensor import MergeLayer
from ..layers.where import onnx_node_where
from .fold import evaluate
from .inputs import input_dims, input_layout, ir_input_shape
from .quant import QUANT_OPS, QuantNode, power_of_two_exponent
from .state import OnnxRead, TensorState

# Ops that only move or relabel values: a quantized constant stays quantized through them.
SHAPE_ONLY = ("Identity", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten")


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


def external_data_files(path: Path) -> tuple[Path, ...]:
    """The external data files an ONNX file's initializers are stored in (beside it)."""
    onnx = onnx_module()
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # not readable: the reader says so
        return ()
    names = set()
    for tensor in model.graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            entries = {e.key: e.value for e in tensor.external_data}
            if entries.get("location"):
                names.add(entries["location"])
    return tuple(Path(path).parent / n for n in sorted(names))


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
class OnnxNode:
    """One ONNX node as a handler gets it: the node, its layer name and where it is."""

    proto: Any
    name: str
    where: str

    @property
    def input(self) -> Any:
        return self.proto.input

    @property
    def output(self) -> Any:
        return self.proto.output

    @property
    def op_type(self) -> str:
        return str(self.proto.op_type)

    @property
    def attribute(self) -> Any:
        return self.proto.attribute


class OnnxReader:
    """Walks the ONNX graph in order, folding constants and collecting the layer records."""

    def __init__(
        self, model: Any, path: Path, handlers: Mapping[str, Handler], supported: str
    ) -> None:
        self.handlers, self.supported = handlers, supported
        onnx = onnx_module()
        self.path = path
        graph = model.graph
        self.raw: dict[str, np.ndarray] = {  # constants as ONNX types them
            t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer
        }
        self.consts = {n: v.astype(np.float64) for n, v in self.raw.items()}
        self.quantized: dict[str, FixedType | None] = {}  # const name → nominal type
        self.inputs = [i for i in graph.input if i.name not in self.consts]
        if not self.inputs:
            raise UnsupportedModelError(f"{path.name}: the graph has no input")
        self.input = self.inputs[0]
        self.model = model
        self.records: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []  # what each record reads (records or input)
        self.uses = Counter(n for node in graph.node for n in node.input)
        self.uses.update(o.name for o in graph.output)
        self.input_shapes: dict[str, tuple[int, ...]] = {}
        self.state: dict[str, TensorState] = {}  # ONNX tensor name -> how the IR holds it
        for value in self.inputs:
            dims = input_dims(value)
            if not dims or any(d is None for d in dims):
                raise UnsupportedModelError(
                    f"{path.name}: input {value.name!r} has shape [batch, {list(dims)}]; every "
                    "axis but the batch needs a size"
                )
            layout = input_layout(model, value)
            shape = ir_input_shape(dims, layout)  # type: ignore[arg-type]
            self.input_shapes[value.name] = shape
            flat = tuple(int(d) for d in dims) if layout is None else None  # type: ignore[arg-type]
            self.state[value.name] = TensorState(
                value.name, shape, layout or (0,), None, None, flat, path.name
            )
        self.tensor = self.state[self.input.name]
        """The state of the tensor the node being read reads."""

    # -- what handlers read ---------------------------------------------------------------
    def weights(self, name: str) -> Weights:
        values = self.consts[name]
        if name in self.quantized:
            return Weights(values, True, self.quantized[name])
        return Weights(values)

    def const_input(self, node: OnnxNode, index: int, where: str) -> str:
        if len(node.input) <= index or node.input[index] not in self.consts:
            raise UnsupportedModelError(f"{where}: input {index} must be a constant")
        return node.input[index]

    def per_feature(self, node: OnnxNode, where: str) -> Weights:
        """The node's one constant operand as one value per IR channel."""
        other = [n for n in node.input if n in self.consts]
        if len(other) != 1:
            raise UnsupportedModelError(f"{where}: needs one constant operand")
        w = self.weights(other[0])
        return Weights(self.tensor.feature_values(w.values, where), w.quantized, None)

    def consumers(self, name: str) -> list[Any]:
        return [n for n in self.model.graph.node if name in n.input]

    # -- constants ------------------------------------------------------------------------
    def fold(self, node: Any) -> None:
        """Evaluate a node whose inputs are all constants."""
        op, where = node.op_type, onnx_node_where(node)
        ins = [self.consts[n] for n in node.input if n]
        if op == "Constant":
            onnx = onnx_module()
            value = node_attrs(node).get("value")
            if value is None:
                raise UnsupportedModelError(f"{where}: only tensor constants are supported")
            self.set_const(node.output[0], onnx.numpy_helper.to_array(value))
            return
        if op in QUANT_OPS:
            q = QuantNode(node, self.consts)
            self.set_const(node.output[0], q.apply(ins[0]))
            nominal = None
            if q.exp.size == 1 and not (q.bits == 1 and q.signed):
                nominal = q.fixed_type().with_modes()
            self.quantized[node.output[0]] = nominal
            return
        if op == "BipolarQuant":
            scale = ins[1]
            power_of_two_exponent(scale, where)
            self.set_const(node.output[0], np.where(ins[0] >= 0, 1.0, -1.0) * scale)
            self.quantized[node.output[0]] = None
            return
        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} of domain {node.domain!r} on constants is not "
                "supported; supported on weights: Quant, BipolarQuant and the standard ONNX ops"
            )
        raw = [self.raw[n] if n else None for n in node.input]
        out = evaluate(node, raw, self.model.opset_import, f"{self.path.name}: {where}")
        self.set_const(node.output[0], out)
        if op in SHAPE_ONLY and node.input[0] in self.quantized:
            self.quantized[node.output[0]] = self.quantized[node.input[0]]

    def set_const(self, name: str, value: np.ndarray) -> None:
        self.raw[name] = value
        self.consts[name] = np.asarray(value).astype(np.float64)

    # -- the walk -------------------------------------------------------------------------
    def step(self, node: Any) -> None:
        """Read one node that reads a tensor (not only constants)."""
        op, where = node.op_type, onnx_node_where(node)
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
        self.tensor = t = self.state[data[0]]
        if op == "Shape":  # static: the batch counts as 1, the IR runs one event at a time
            self.set_const(node.output[0], self.shape_of(node))
            return
        if t.reads_flattened_input() and op not in ("Flatten", "Reshape"):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads the {len(t.onnx_shape()) + 1}-D input "
                f"{data[0]!r} directly; only flat inputs, or N-D inputs that a Flatten/"
                "Reshape or a windowed node reads first, are supported"
            )
        if t.pads is not None and op != "Conv":
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a padded tensor; trigc folds a Pad only into "
                "the Conv that reads it"
            )
        handler = self.handlers.get(op)
        if handler is None:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} is not supported. Supported ops: {self.supported}."
            )
        read = handler(OnnxNode(node, name, where), self)
        self.state[node.output[0]] = self._apply(read, t)

    def _apply(self, read: OnnxRead, t: TensorState) -> TensorState:
        """Append a handler's records; the state of the node's output."""
        if read.replaces_previous:
            (self.records[-1],) = read.records
            source = self.records[-1].name
        else:
            for record, reads in read.wired((t.source,)):
                self.records.append(record)
                self.sources.append(reads)
            source = read.output_of((t.source,))
        # the output is no model input any more: it is not read as one (flat_dims)
        return replace(read.state or t, source=source, flat_dims=None)

    def shape_of(self, node: Any) -> np.ndarray:
        shape = np.array([1, *self.tensor.onnx_shape()], dtype=np.int64)
        attrs = node_attrs(node)
        start, end = int(attrs.get("start", 0)), attrs.get("end")
        return shape[start : None if end is None else int(end)]

    def merge(self, node: Any, name: str, where: str, states: list[TensorState]) -> None:
        """Add/Sub/Mul of two tensors of one shape, or Concat along one axis."""
        first = states[0]
        if any(s.layout != first.layout or s.perm is not None or s.pads for s in states):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} merges tensors in different layouts (channels "
                "first and flat, flattened from channels-first tensors, or padded); merge "
                "before the Flatten"
            )
        shapes = [s.shape for s in states]
        shape = first.shape
        axis = None
        if node.op_type == "Concat":
            rank = len(first.layout) + 1  # with the batch axis
            onnx_axis = int(node_attrs(node).get("axis", 1)) % rank
            ir_axis = first.layout[onnx_axis - 1] if onnx_axis else None
            if ir_axis is None:
                raise UnsupportedModelError(
                    f"{where}: concatenation along the batch axis or an axis of size one"
                )
            axis = ir_axis
            shape = (*shape[:axis], sum(s[axis] for s in shapes), *shape[axis + 1 :])
        elif len(states) != 2 or shapes[0] != shapes[1]:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads tensors of IR shapes {shapes}; trigc merges "
                "two tensors of one shape (no broadcasting)"
            )
        self.records.append(MergeLayer(name, MERGES[node.op_type], axis))
        self.sources.append(tuple(s.source for s in states))
        self.state[node.output[0]] = TensorState(
            name, shape, first.layout, None, None, None, self.path.name
        )
