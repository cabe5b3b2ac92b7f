"""Lowering of an IR graph into the shift-and-add netlist, node by node.

``dense`` and ``scale_shift`` become *linear layers*: per output a sum over inputs of
``x * c`` with integer ``c`` (weights aligned to the exact accumulator's fractional bits),
plus a constant (the aligned bias).  Zero weights contribute nothing.  The constant
multiplications are shared between outputs in one of three ways (:data:`SHARING`): not at all
(every CSD digit is a term of the output's adder tree), per input and odd multiple
(``x * m`` made once, :func:`.csd.plan_products`), or as two-digit subexpressions common to
several outputs (:mod:`.cse`, the default).  A ``conv`` is a linear layer per output pixel
over the elements its window reads (:mod:`.window`).  Every node's output then goes through its
cast (:mod:`.cast`); ``relu``, ``requantize`` and ``reshape`` are that cast alone.  Merges,
pooling and the other activations are built in :mod:`.merge` and :mod:`.window`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...errors import TrigcError
from ...ir.fixed import FixedType
from ...ir.graph import Graph, Node, Tensor
from ...ir.ops.conv import ConvOp, window_index
from ...ir.ops.lut import index_shift, index_type
from ...ir.ops.rearrange import source_index
from ...names import verilog_identifier
from .argmax import argmax_onehot
from .cast import cast_value
from .linear import linear
from .merge import add, align, concatenate, multiply
from .netlist import Netlist, Signal, Value
from .rom import lookup, read, top_bits
from .window import binary, convolution, leaky_relu, pooling, relu_max, windows


@dataclass(frozen=True)
class TensorValues:
    """The lowered elements (C order) of one tensor and their number of fractional bits."""

    values: tuple[Value, ...]
    frac: int


@dataclass(frozen=True)
class PortLayout:
    """A graph input or output on ``in_data`` / ``out_data``."""

    tensor: Tensor
    offset: int
    values: tuple[Value, ...]
    group: str = ""  # the IR node whose layer module holds the port's register

    @property
    def end(self) -> int:
        return self.offset + self.tensor.size * self.tensor.type.width


@dataclass(frozen=True)
class Lowered:
    """The netlist of a graph and where its inputs and outputs sit on the buses."""

    netlist: Netlist
    inputs: tuple[PortLayout, ...]
    outputs: tuple[PortLayout, ...]
    layers: tuple[str, ...] = ()
    """The IR nodes in graph order: each one's signals (``Signal.group``) form a layer module."""
    tensors: dict[str, tuple[tuple[str, ...], tuple[Value, ...]]] = field(default_factory=dict)
    """Tensor name -> the tensors it is computed from and its elements, in graph order."""

    def live(self) -> list[Signal]:
        """The signals some graph output reads (through any path), in creation order."""
        seen: set[int] = set()
        stack = [v.sig for p in self.outputs for v in p.values if v.sig is not None]
        while stack:
            sig = stack.pop()
            if sig.index not in seen:
                seen.add(sig.index)
                stack.extend(sig.cell.inputs)
        return [s for s in self.netlist.signals if s.index in seen]

    @property
    def ready(self) -> dict[str, int]:
        """Tensor name -> the pipeline stage at whose end all its elements are computed."""
        ready: dict[str, int] = {}
        for name, (sources, values) in self.tensors.items():
            after = max((ready[s] for s in sources), default=1)
            ready[name] = max([after, *(v.sig.stage for v in values if v.sig is not None)])
        return ready


# -- ops ----------------------------------------------------------------------------------------
def _batches(node: Node, x: TensorValues, n: int) -> list[tuple[str, Sequence[Value]]]:
    """Rows of ``n`` elements along the last axis, with a name suffix for each."""
    rows = len(x.values) // n
    prefix = verilog_identifier(node.name)
    return [
        (prefix if rows == 1 else f"{prefix}_r{r}", x.values[r * n : (r + 1) * n])
        for r in range(rows)
    ]


def _dense(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,) = xs
    w, b = node.consts["weight"], node.consts["bias"]
    prod_frac = x.frac + w.type.frac
    frac = max(prod_frac, b.type.frac)
    weights = [[int(v) for v in row] for row in w.values.tolist()]
    n_in, n_out = len(weights), len(weights[0]) if weights else 0
    columns = [
        [(i, weights[i][o] << (frac - prod_frac)) for i in range(n_in) if weights[i][o]]
        for o in range(n_out)
    ]
    consts = [int(v) << (frac - b.type.frac) for v in b.values.tolist()]
    out: list[Value] = []
    for name, row in _batches(node, x, n_in):
        out += linear(nl, row, columns, consts, name, sharing)
    return TensorValues(tuple(out), frac)


def _scale_shift(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,) = xs
    scale, shift = node.consts["scale"], node.consts["shift"]
    prod_frac = x.frac + scale.type.frac
    frac = max(prod_frac, shift.type.frac)
    coeffs = [int(v) << (frac - prod_frac) for v in scale.values.tolist()]
    consts = [int(v) << (frac - shift.type.frac) for v in shift.values.tolist()]
    n = len(coeffs)
    columns = [[(j, coeffs[j])] if coeffs[j] else [] for j in range(n)]
    out: list[Value] = []
    for name, row in _batches(node, x, n):
        out += linear(nl, row, columns, consts, name, sharing)
    return TensorValues(tuple(out), frac)


def _identity(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    return xs[0]


def _relu(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    """ReLU and its cast together (see :mod:`.cast`)."""
    (x,) = xs
    name, dst = verilog_identifier(node.name), node.output.type
    values = tuple(
        cast_value(nl, v, x.frac, dst, f"{name}_o{j}", relu=True) for j, v in enumerate(x.values)
    )
    return TensorValues(values, dst.frac)


def _aligned_inputs(xs: list[TensorValues]) -> tuple[list[list[Value]], int]:
    frac = max(x.frac for x in xs)
    return [align(x.values, x.frac, frac) for x in xs], frac


def _concatenate(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    parts, frac = _aligned_inputs(xs)
    axis, out_shape = node.attrs["axis"], node.output.shape
    others = node.output.size // out_shape[axis]  # elements per index along the axis
    shapes = [(*out_shape[:axis], len(p) // others, *out_shape[axis + 1 :]) for p in parts]
    return TensorValues(tuple(concatenate(parts, shapes, axis)), frac)


def _rearrange(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    """Wiring: each output is one input element or the constant zero."""
    (x,) = xs
    index = source_index(node.attrs, tuple(node.attrs["in_shape"]))
    zero = Value.constant(0)
    return TensorValues(tuple(x.values[i] if i >= 0 else zero for i in index), x.frac)


def _add(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (a, b), frac = _aligned_inputs(xs)
    values = add(nl, a, b, node.op == "subtract", verilog_identifier(node.name))
    return TensorValues(tuple(values), frac)


def _multiply(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    a, b = xs
    values = multiply(nl, a.values, b.values, verilog_identifier(node.name), sharing)
    return TensorValues(tuple(values), a.frac + b.frac)


def _conv(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,) = xs
    w, b = node.consts["weight"], node.consts["bias"]
    in_shape = tuple(node.attrs["in_shape"])
    prod_frac, bias_frac, frac = ConvOp.fracs(node, x.frac)
    rows = windows(x.values, window_index(node.attrs, in_shape), in_shape[-1])
    kernel = w.values.reshape(-1, w.values.shape[-1])
    consts = [int(v) << (frac - bias_frac) for v in b.values.tolist()]
    values = convolution(
        nl, rows, kernel, frac - prod_frac, consts, verilog_identifier(node.name), sharing
    )
    return TensorValues(tuple(values), frac)


def _pool(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,) = xs
    in_shape = tuple(node.attrs["in_shape"])
    rows = windows(x.values, window_index(node.attrs, in_shape), in_shape[-1])
    average = node.op == "avg_pool"
    values = pooling(nl, rows, in_shape[-1], average, verilog_identifier(node.name))
    extra = int(np.prod(node.attrs["kernel"])).bit_length() - 1 if average else 0
    return TensorValues(tuple(values), x.frac + extra)


def _leaky_relu(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,), k = xs, node.attrs["shift"]
    return TensorValues(
        tuple(leaky_relu(nl, x.values, k, verilog_identifier(node.name))), x.frac + k
    )


def _binary(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    return TensorValues(tuple(binary(nl, xs[0].values, verilog_identifier(node.name))), 0)


def _relu_max(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,) = xs
    frac = max(x.frac, 0)
    values = align(x.values, x.frac, frac) if frac > x.frac else list(x.values)
    top = node.attrs["max_value"] << frac
    return TensorValues(tuple(relu_max(nl, values, top, verilog_identifier(node.name))), frac)


def _argmax(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,), n = xs, node.output.shape[-1]
    prefix = verilog_identifier(node.name)
    values: list[Value] = []
    for r in range(len(x.values) // n):
        values += argmax_onehot(nl, x.values[r * n : (r + 1) * n], f"{prefix}_r{r}")
    return TensorValues(tuple(values), 0)


def _lut(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    (x,), table = xs, node.consts["table"]
    entries = [int(v) for v in table.values.tolist()]
    src_frac, dst = x.frac - index_shift(node), index_type(len(entries))
    prefix = verilog_identifier(node.name)
    values = []
    for j, v in enumerate(x.values):
        index = cast_value(nl, v, src_frac, dst, f"{prefix}_i{j}")
        values.append(lookup(nl, index, entries, f"{prefix}_t{j}"))
    return TensorValues(tuple(values), table.type.frac)


def _softmax(nl: Netlist, node: Node, xs: list[TensorValues], sharing: str) -> TensorValues:
    """``nnet::softmax_latency``: exponentials from a table addressed by each input's top
    bits, their exact sum cast to ``sum_type``, its inverse from a table, and the products."""
    (x,), n = xs, node.output.shape[-1]
    exp_c, inv_c = node.consts["exp_table"], node.consts["inv_table"]
    exp_table = [int(v) for v in exp_c.values.tolist()]
    inv_table = [int(v) for v in inv_c.values.tolist()]
    in_width = node.attrs["input_width"]
    sum_t = FixedType.parse(node.attrs["sum_type"])
    prefix = verilog_identifier(node.name)
    out: list[Value] = []
    for r in range(len(x.values) // n):
        name = f"{prefix}_r{r}"
        e = [
            read(nl, top_bits(nl, v, in_width, len(exp_table).bit_length() - 1, f"{name}_a{j}"),
                 exp_table, f"{name}_e{j}")
            for j, v in enumerate(x.values[r * n : (r + 1) * n])
        ]  # fmt: skip
        total = cast_value(nl, nl.sum_tree(e, f"{name}_sum"), exp_c.type.frac, sum_t, f"{name}_s")
        address = top_bits(nl, total, sum_t.width, len(inv_table).bit_length() - 1, f"{name}_b")
        inv = read(nl, address, inv_table, f"{name}_inv")

        def one_term(nl: Netlist, row: Sequence[Value], columns, consts, nm: str) -> list[Value]:
            return linear(nl, row, columns, consts, nm, sharing)

        out += multiply(nl, e, [inv] * len(e), f"{name}_y", one_term)
    return TensorValues(tuple(out), exp_c.type.frac + inv_c.type.frac)


Lowering = Callable[[Netlist, Node, list[TensorValues], str], TensorValues]

LOWERINGS: dict[str, tuple[Lowering, bool]] = {
    # op: (exact value, whether the lowering already applied the output cast)
    "dense": (_dense, False),
    "scale_shift": (_scale_shift, False),
    "requantize": (_identity, False),
    "relu": (_relu, True),
    "reshape": (_identity, False),
    "concatenate": (_concatenate, False),
    "rearrange": (_rearrange, False),
    "add": (_add, False),
    "subtract": (_add, False),
    "multiply": (_multiply, False),
    "conv": (_conv, False),
    "max_pool": (_pool, False),
    "avg_pool": (_pool, False),
    "leaky_relu": (_leaky_relu, False),
    "binary": (_binary, False),
    "relu_max": (_relu_max, False),
    "argmax": (_argmax, False),
    "lut": (_lut, False),
    "softmax": (_softmax, False),
}


def _unsupported(node: Node) -> TrigcError:
    return TrigcError(
        f"the rtl backend cannot express node {node.name!r} (op {node.op!r}, from layer "
        f"{node.origin or '<unknown>'!r}); it supports "
        f"{', '.join(sorted(['input', *LOWERINGS]))}. Use the hls backend for this model, or "
        "rewrite the layer with supported ops."
    )


def _cast_all(nl: Netlist, node: Node, x: TensorValues) -> TensorValues:
    dst: FixedType = node.output.type
    name = verilog_identifier(node.name)
    if node.output.elements is not None:
        return _cast_per_element(nl, node, x)
    values = tuple(cast_value(nl, v, x.frac, dst, f"{name}_o{j}") for j, v in enumerate(x.values))
    return TensorValues(values, dst.frac)


def _cast_per_element(nl: Netlist, node: Node, x: TensorValues) -> TensorValues:
    """Each element cast to its own type, then placed at the container's fractional bits by
    wiring (trailing zeros); a 0-bit element is the constant 0 and costs nothing."""
    elements, container = node.output.elements, node.output.type
    assert elements is not None
    name = verilog_identifier(node.name)
    values: list[Value] = []
    for j, v in enumerate(x.values):
        t = elements.type_at(j)
        if t is None:
            values.append(Value.constant(0))
            continue
        cast = cast_value(nl, v, x.frac, t, f"{name}_o{j}")
        values.append(cast.shifted(container.frac - t.frac))
    return TensorValues(tuple(values), container.frac)


def build_netlist(graph: Graph, nl: Netlist, sharing: str = "pairs") -> Lowered:
    """Build the netlist of ``graph``: inputs at ``in_data`` offsets, outputs in order."""
    env: dict[str, TensorValues] = {}
    inputs: list[PortLayout] = []
    tensors: dict[str, tuple[tuple[str, ...], tuple[Value, ...]]] = {}
    owner: dict[str, str] = {}
    offset = 0
    for node in graph.nodes:
        nl.group = owner[node.output.name] = node.name
        if node.op == "input":
            t = node.output.type
            base = verilog_identifier(node.output.name)
            values = tuple(
                nl.input(f"{base}_{j}", offset + j * t.width, t.min_int, t.max_int)
                for j in range(node.output.size)
            )
            inputs.append(PortLayout(node.output, offset, values, node.name))
            offset += node.output.size * t.width
            env[node.output.name] = TensorValues(values, t.frac)
            tensors[node.output.name] = ((), ())
            continue
        if node.op not in LOWERINGS:
            raise _unsupported(node)
        lowering, casts = LOWERINGS[node.op]
        result = lowering(nl, node, [env[name] for name in node.inputs], sharing)
        env[node.output.name] = result if casts else _cast_all(nl, node, result)
        tensors[node.output.name] = (tuple(node.inputs), tuple(env[node.output.name].values))
    outputs: list[PortLayout] = []
    offset = 0
    for name in graph.outputs:
        tensor = graph.tensor(name)
        prefix = verilog_identifier(name)
        nl.group = owner[name]
        values = tuple(
            nl.materialize(v, f"{prefix}_out{j}") for j, v in enumerate(env[name].values)
        )
        outputs.append(PortLayout(tensor, offset, values, owner[name]))
        offset += tensor.size * tensor.type.width
    nl.group = ""
    layers = tuple(node.name for node in graph.nodes)
    return Lowered(nl, tuple(inputs), tuple(outputs), layers, tensors)
