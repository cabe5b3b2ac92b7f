"""What every frontend shares: options, safe identifiers, and the IR node builder.

A frontend walks its model's layers in order and calls :class:`GraphBuilder` to append IR
nodes; each node's ``origin`` names the model layer it came from, for messages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..ir.fixed import FixedType
from ..ir.graph import Const, Node, Tensor
from ..ir.legality import PRECISION_INFER, PRECISION_MODEL
from ..names import identifier
from .lut_tables import (
    DEFAULT_TABLE_SIZE,
    DEFAULT_TABLE_TYPE,
    SOFTMAX_TABLE_TYPE,
    TABLES,
    hls4ml_softmax_tables,
    hls4ml_table,
)
from .precision_config import PrecisionConfig
from .quantizers import ActivationSpec

DEFAULT_INPUT_TYPE = FixedType(16, 6)
FALLBACK_TYPE = FixedType(16, 6, True, "RND_CONV", "SAT")
PLACEHOLDER_TYPE = FixedType(1, 1)
SOFTMAX_INPUT = FixedType(16, 6, True, "RND", "SAT")  # a softmax input trigc would infer


@dataclass(frozen=True)
class FrontendOptions:
    """How to read a model: the input type when the model has no input quantizer, whether
    inexact constants may be rounded, and the precision configuration for float layers."""

    input_type: FixedType | None = None
    allow_inexact: bool = False
    precision: PrecisionConfig | None = None


class GraphBuilder:
    """Accumulates IR nodes while a frontend walks the layers in topological order.

    Each new node reads :attr:`last`: the node appended before it, unless the frontend has
    pointed :attr:`cursor` at another one (the input of a layer in a branching model).
    """

    def __init__(self, model_name: str, options: FrontendOptions) -> None:
        self.options = options
        self.nodes: list[Node] = []
        self.model_name = model_name
        self.used: set[str] = set()
        self.cursor: Node | None = None
        # Layers whose IR approximates the model (lookup tables for sigmoid and tanh).
        self.approximated: list[str] = []
        # Whether several layers read the model input (a quantizer on one of them then
        # cannot define the input type for all).
        self.input_shared = False

    @property
    def last(self) -> Node:
        return self.cursor if self.cursor is not None else self.nodes[-1]

    def set_attrs(self, node: Node, **attrs: object) -> Node:
        """Replace ``node`` (already appended) by a copy with more attributes."""
        new = replace(node, attrs={**node.attrs, **attrs})
        self.nodes[self.nodes.index(node)] = new
        if self.cursor is node:
            self.cursor = new
        return new

    def unique(self, name: str) -> str:
        base, k = identifier(name), 1
        name = base
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def add_input(self, shape: tuple[int, ...], in_type: FixedType, origin: str = "input") -> Node:
        """The graph's input node ``model_input``."""
        self.used.add("model_input")
        node = Node(
            "model_input",
            "input",
            (),
            Tensor("model_input", shape, in_type),
            {},
            {"precision": PRECISION_MODEL},
            origin,
        )
        self.nodes.append(node)
        return node

    def add(
        self,
        name: str,
        op: str,
        shape: tuple[int, ...],
        out_type: FixedType | None,
        origin: str,
        consts: dict[str, Const] | None = None,
        inputs: tuple[Node, ...] | None = None,
    ) -> Node:
        """Append a node reading :attr:`last` (or ``inputs``); ``out_type=None`` leaves its
        type to inference."""
        name = self.unique(name)
        precision = PRECISION_INFER if out_type is None else PRECISION_MODEL
        if inputs is None:
            inputs = (self.last,) if self.nodes else ()
        node = Node(
            name,
            op,
            tuple(n.output.name for n in inputs),
            Tensor(name, shape, out_type or PLACEHOLDER_TYPE),
            consts or {},
            {"precision": precision},
            origin,
        )
        self.nodes.append(node)
        self.cursor = None
        return node

    def activation(self, spec: ActivationSpec, name: str, origin: str) -> None:
        """Append an activation; a quantizer right at the input defines the input type."""
        shape = self.last.output.shape
        if spec.kind == "identity":
            return
        at_input = self.last.op == "input" and len(self.nodes) == 1 and not self.input_shared
        if spec.kind == "requantize" and at_input:
            if self.options.input_type is None:
                inp = self.nodes[0]
                self.nodes[0] = Node(
                    inp.name,
                    "input",
                    (),
                    Tensor(inp.name, shape, spec.type or inp.output.type),
                    {},
                    {"precision": PRECISION_MODEL},
                    origin,
                )
                self.cursor = None
                self._scale(spec, f"{name}_alpha", origin)
                return
        if spec.kind == "lut":
            self._lut(spec, name, origin)
            return
        if spec.kind == "softmax":
            self._softmax(name, origin)
            return
        node = self.add(name, spec.kind, shape, spec.type, origin)
        if spec.kind == "leaky_relu":
            self.set_attrs(node, shift=spec.slope_shift)
        elif spec.kind == "relu_max":
            self.set_attrs(node, max_value=spec.max_value)
        self._scale(spec, f"{name}_alpha", origin)

    def _lut(self, spec: ActivationSpec, name: str, origin: str) -> None:
        """A sigmoid or tanh as hls4ml's default lookup table (1024 entries of fixed<18,8>);
        the model computes it in float, so the layer is recorded as approximated."""
        entries = hls4ml_table(spec.function, DEFAULT_TABLE_SIZE, DEFAULT_TABLE_TYPE)
        table = Const(np.array(entries, dtype=np.int64), DEFAULT_TABLE_TYPE)
        node = self.add(name, "lut", self.last.output.shape, None, origin, {"table": table})
        self.set_attrs(node, function=spec.function, range=TABLES[spec.function][1])
        self.approximated.append(origin)

    def _softmax(self, name: str, origin: str) -> None:
        """hls4ml's latency softmax with its default tables (``fixed<18,8,RND,SAT>``, up to
        1024 entries).  The exponential table is addressed by the top bits of the input type:
        an input whose type trigc would infer is first cast to ``fixed<16,6,RND,SAT>``."""
        if self.last.attrs.get("precision") != PRECISION_MODEL:
            self.add(f"{name}_in", "requantize", self.last.output.shape, SOFTMAX_INPUT, origin)
        in_t = self.last.output.type
        exp_size = min(DEFAULT_TABLE_SIZE, 1 << in_t.width)
        tt = SOFTMAX_TABLE_TYPE
        exp_table, inv_table = hls4ml_softmax_tables(in_t, exp_size, tt, tt, DEFAULT_TABLE_SIZE, tt)
        consts = {
            "exp_table": Const(np.array(exp_table, dtype=np.int64), tt),
            "inv_table": Const(np.array(inv_table, dtype=np.int64), tt),
        }
        node = self.add(name, "softmax", self.last.output.shape, None, origin, consts)
        self.set_attrs(node, sum_type=str(tt), input_width=in_t.width)
        self.approximated.append(origin)

    def _scale(self, spec: ActivationSpec, name: str, origin: str) -> None:
        """Multiply by a quantizer's power-of-two ``alpha``: an exact per-channel scale."""
        if spec.scale_log2 == 0:
            return
        n = self.last.output.shape[-1]
        one = FixedType(2, 2 + spec.scale_log2)  # mantissa 1 is 2**scale_log2
        consts = {
            "scale": Const(np.ones(n, dtype=np.int64), one),
            "shift": Const(np.zeros(n, dtype=np.int64), one),
        }
        self.add(name, "scale_shift", self.last.output.shape, None, origin, consts)
