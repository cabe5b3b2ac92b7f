"""The state of reading an ONNX graph, and what every ONNX op handler shares.

:class:`OnnxReader` walks the graph's nodes in order: nodes whose inputs are all constants are
evaluated (:meth:`OnnxReader.fold`: weights, their ``Quant``/``BipolarQuant``, transposes);
every other node is handed to the handler its op type has in the table it was given
(:data:`trigc.compiler.frontends.onnx.frontend.HANDLERS`), which appends layer records
(:mod:`.layers`, :mod:`.layers_tensor`) and updates the current tensor's IR shape and layout.
Nodes reading several tensors are merges (:meth:`OnnxReader.merge`).  Where each ONNX axis
is in the IR (channels first in ONNX, channels last in the IR, transposes that cost nothing) is
the tensor's layout (:mod:`.onnx_layout`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.fixed import FixedType
from ..layers.records import Layer, Weights
from ..layers.tensor import MergeLayer, RearrangeLayer, ReshapeLayer
from ..layers.where import onnx_node_where
from . import layout as lay
from .fold import evaluate
from .inputs import input_dims, input_layout, ir_input_shape
from .layout import Layout
from .quant import QUANT_OPS, QuantNode, power_of_two_exponent

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
class TensorState:
    """An ONNX tensor as the IR holds it: the layer (or input) it is the output of, its IR
    shape, where its ONNX axes are in the IR (:mod:`.onnx_layout`), a pending flatten
    permutation, and zero padding waiting for the next convolution."""

    source: str
    shape: tuple[int, ...]
    layout: Layout
    perm: np.ndarray | None
    pads: tuple[tuple[int, int], ...] | None = None


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
        self.layers: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []  # what each layer reads (layers or input)
        self.any_quant = False
        self.uses = Counter(n for node in graph.node for n in node.input)
        self.uses.update(o.name for o in graph.output)
        # The tensor the node being read reads: the layer it comes from, its IR shape, where
        # its ONNX axes are in the IR, the permutation a Flatten of a tensor in another order
        # left for the next dense layer, and padding waiting for a convolution.
        self.input_layouts: dict[str, Layout | None] = {}
        self.input_shapes: dict[str, tuple[int, ...]] = {}
        self.state: dict[str, TensorState] = {}
        for value in self.inputs:
            dims = input_dims(value)
            if not dims or any(d is None for d in dims):
                raise UnsupportedModelError(
                    f"{path.name}: input {value.name!r} has shape [batch, {list(dims)}]; every "
                    "axis but the batch needs a size"
                )
            layout = input_layout(model, value)
            shape = ir_input_shape(dims, layout)  # type: ignore[arg-type]
            self.input_layouts[value.name] = layout
            self.input_shapes[value.name] = shape
            self.state[value.name] = TensorState(value.name, shape, layout or (0,), None)
        self.src = self.input.name
        self.reading = self.input.name  # the ONNX tensor the node being read reads
        self.input_layout = self.input_layouts[self.input.name]
        self.layout: Layout = self.input_layout or (0,)
        self.perm: np.ndarray | None = None
        self.pads: tuple[tuple[int, int], ...] | None = None
        self.shape = self.input_shapes[self.input.name]

    def reads_flattened_input(self) -> bool:
        """Whether the current tensor is an input the IR takes flattened (its first node
        flattens it)."""
        return self.reading in self.input_layouts and self.input_layouts[self.reading] is None

    @property
    def channels_first(self) -> bool:
        """Whether ONNX holds the current tensor ``[C, *spatial]`` and the IR ``(*spatial, C)``."""
        rank = len(self.shape)
        return rank >= 2 and self.layout == lay.channels_first(rank)

    def onnx_shape(self) -> tuple[int, ...]:
        """The current tensor's ONNX shape, without the batch."""
        if self.reads_flattened_input():
            value = next(v for v in self.inputs if v.name == self.reading)
            return tuple(int(d) for d in input_dims(value))  # type: ignore[arg-type]
        return lay.onnx_shape(self.shape, self.layout)

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
            self.any_quant = True
            return
        if op == "BipolarQuant":
            scale = ins[1]
            power_of_two_exponent(scale, where)
            self.set_const(node.output[0], np.where(ins[0] >= 0, 1.0, -1.0) * scale)
            self.quantized[node.output[0]] = None
            self.any_quant = True
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

    def step(self, node: Any) -> None:
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
        st = self.state[data[0]]
        self.reading = data[0]
        self.src, self.shape, self.layout, self.perm, self.pads = (
            st.source,
            st.shape,
            st.layout,
            st.perm,
            st.pads,
        )
        if op == "Shape":  # static: the batch counts as 1, the IR runs one event at a time
            self.set_const(node.output[0], self.shape_of(node))
            return
        if self.reads_flattened_input() and op not in ("Flatten", "Reshape"):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads the {len(self.onnx_shape()) + 1}-D input "
                f"{self.reading!r} directly; only flat inputs, or N-D inputs that a Flatten/"
                "Reshape or a windowed node reads first, are supported"
            )
        if self.pads is not None and op != "Conv":
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a padded tensor; trigc folds a Pad only into "
                "the Conv that reads it"
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
        self.state[node.output[0]] = TensorState(
            source, self.shape, self.layout, self.perm, self.pads
        )

    def shape_of(self, node: Any) -> np.ndarray:
        shape = np.array([1, *self.onnx_shape()], dtype=np.int64)
        attrs = node_attrs(node)
        start, end = int(attrs.get("start", 0)), attrs.get("end")
        return shape[start : None if end is None else int(end)]

    def consumers(self, name: str) -> list[Any]:
        return [n for n in self.model.graph.node if name in n.input]

    def features(self) -> int:
        """Features (channels of an N-D tensor) of the current tensor."""
        return int(self.shape[-1])

    def feature_axis(self, onnx_axis: int, where: str) -> None:
        """Check that ONNX axis ``onnx_axis`` (batch counted) is the IR's channels."""
        k = onnx_axis % (len(self.layout) + 1) - 1
        if k < 0 or self.layout[k] != len(self.shape) - 1:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} works along ONNX axis {onnx_axis} of a tensor of "
                f"ONNX shape {list(self.onnx_shape())}, which the IR does not hold as its "
                "channels (last axis)"
            )

    def per_feature(self, node: Any, where: str) -> Weights:
        other = [n for n in node.input if n in self.consts]
        if len(other) != 1:
            raise UnsupportedModelError(f"{where}: needs one constant operand")
        w = self.weights(other[0])
        return Weights(self.feature_values(w.values, where), w.quantized, None)

    def feature_values(self, values: np.ndarray, where: str) -> np.ndarray:
        """A constant that broadcasts against the current tensor as one value per IR
        channel (per element of a flat tensor, in the IR's order)."""
        values = np.asarray(values, dtype=np.float64)
        shape = self.onnx_shape()
        while values.ndim > len(shape) and values.shape[0] == 1:
            values = values[0]  # the batch axis
        try:
            full = lay.to_ir(values, self.shape, self.layout)
        except ValueError:
            raise UnsupportedModelError(
                f"{where}: constant of shape {list(np.shape(values))} does not broadcast "
                f"against the tensor's ONNX shape {list(shape)}"
            ) from None
        per_channel = full.reshape(-1, self.features())
        if not np.all(per_channel == per_channel[:1]):
            raise UnsupportedModelError(
                f"{where}: the constant varies along the spatial axes of a tensor of ONNX "
                f"shape {list(shape)}; trigc supports one value per channel"
            )
        return self.take_perm(per_channel[0].copy())

    def dense_rows(self, kernel: Weights, where: str) -> Weights:
        """A dense kernel with its rows in the IR's order of the flat input; the layer's
        output is a flat vector in the same order in ONNX and in the IR.  On an N-D tensor
        (a MatMul with leading axes) the kernel multiplies the IR's last axis."""
        n_out = int(kernel.values.shape[1])
        if kernel.values.shape[0] != self.features() or (
            len(self.shape) == 1 and int(np.prod(self.onnx_shape())) != self.features()
        ):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} multiplies a tensor of ONNX shape "
                f"{list(self.onnx_shape())} by a {list(kernel.values.shape)} weight; trigc "
                "multiplies over the last axis (Flatten an N-D tensor first)"
            )
        if len(self.shape) > 1:
            self.feature_axis(-1, where)
            self.shape = (*self.shape[:-1], n_out)
            return kernel
        rows = self.take_perm(kernel.values)
        self.perm = None
        self.shape = (n_out,)
        self.layout = tuple(0 if a is not None else None for a in self.layout)
        return Weights(rows, kernel.quantized, kernel.nominal)

    def take_perm(self, values: np.ndarray) -> np.ndarray:
        """Rows (or per-feature values) of the next layer in the IR's element order."""
        return values if self.perm is None else np.asarray(values)[self.perm]

    def flatten(self, name: str, cls: str) -> None:
        """Flatten to ``[batch, n]``: a reshape in the IR, the ONNX order kept in ``perm``."""
        if self.reads_flattened_input():
            return  # the IR's input is this flat vector
        if len(self.shape) > 1:
            perm = lay.flatten_permutation(self.shape, self.layout)
            self.perm = None if np.array_equal(perm, np.arange(perm.size)) else perm
            self.layers.append(ReshapeLayer(name, cls, (-1,)))
            self.shape = (int(np.prod(self.shape)),)
        self.layout = (0,)

    def relabel(self, name: str, cls: str, shape: tuple[int, ...], layout: Layout) -> None:
        """Hold the same elements, in the same IR order, under a new shape and layout."""
        if shape != self.shape:
            self.layers.append(ReshapeLayer(name, cls, shape))
        self.shape, self.layout = shape, layout

    def to_channels_first(self, name: str, cls: str) -> None:
        """Hold an ONNX ``[C, *spatial]`` tensor as the IR's ``(*spatial, C)`` where only a
        reshape is needed (an Unsqueeze'd channel axis of one, say)."""
        shape = self.onnx_shape()
        if self.channels_first or self.perm is not None or len(shape) < 2:
            return
        target, layout = (*shape[1:], shape[0]), lay.channels_first(len(shape))
        before = lay.flatten_permutation(self.shape, self.layout)
        if np.array_equal(before, lay.flatten_permutation(target, layout)):
            self.relabel(name, cls, target, layout)
            return
        if None in self.layout or len(shape) > 3:
            return  # the windowed op explains what it needs
        # Move the data: the IR axes holding ONNX's spatial axes, then its channels.
        order = [self.layout[k] for k in range(1, len(shape))] + [self.layout[0]]
        self.layers.append(
            RearrangeLayer(name, cls, "transpose", (("perm", [int(a) for a in order]),))
        )
        self.shape, self.layout = target, layout

    def to_onnx_order(self, name: str, cls: str) -> None:
        """Make the IR hold the current tensor in ONNX's own element order (a transpose of
        the data where a relabelling cannot do it)."""
        if lay.is_identity_order(self.shape, self.layout) or self.perm is not None:
            return
        if None in self.layout or len(self.shape) > 3:
            return
        order = [int(a) for a in lay.ir_axes(self.layout)]
        self.layers.append(RearrangeLayer(name, cls, "transpose", (("perm", order),)))
        self.shape = tuple(int(self.shape[a]) for a in order)
        self.layout = lay.identity(len(self.shape))

    def window(self, where: str, attrs: dict[str, Any], kernel: list[int]) -> list[int]:
        """Check the attributes every windowed op shares; return the strides."""
        if not self.channels_first or self.perm is not None:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a tensor of ONNX shape "
                f"{list(self.onnx_shape())} that the IR does not hold channels last; windowed "
                "ops need the [batch, C, *spatial] tensors of the model's input, of another "
                "windowed op, or of a Transpose to that order"
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
        self.layers.append(MergeLayer(name, MERGES[node.op_type], axis))
        self.sources.append(tuple(s.source for s in states))
        self.state[node.output[0]] = TensorState(name, shape, first.layout, None)
