"""What every frontend shares: options, safe identifiers, and the IR node builder.

A frontend walks its model's layers in order and calls :class:`GraphBuilder` to append IR
nodes; each node's ``origin`` names the model layer it came from, for messages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.fixed import FixedType
from ...ir.graph import PRECISION_INFER, PRECISION_MODEL, Const, Node, Tensor
from ...names import identifier
from ..config.precision import PrecisionConfig
from .quantizers import ActivationSpec

DEFAULT_INPUT_TYPE = FixedType(16, 6)
FALLBACK_TYPE = FixedType(16, 6, True, "RND_CONV", "SAT")
PLACEHOLDER_TYPE = FixedType(1, 1)


@dataclass(frozen=True)
class FrontendOptions:
    """How to read a model: the input type when the model has no input quantizer, whether
    inexact constants may be rounded, the precision configuration for float layers, and
    whether a float model without one is refused rather than given hls4ml's default."""

    input_type: FixedType | None = None
    allow_inexact: bool = False
    precision: PrecisionConfig | None = None
    strict: bool = False  # refuse a float model without a configuration (no default)


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
        # The model inputs several layers read (a quantizer on one of them then cannot
        # define the input type for all).
        self.shared_inputs: set[str] = set()

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

    def add_input(
        self,
        shape: tuple[int, ...],
        in_type: FixedType,
        origin: str = "input",
        name: str = "model_input",
    ) -> Node:
        """An input node of the graph (``model_input`` when the model has one)."""
        name = self.unique(name)
        node = Node(
            name,
            "input",
            (),
            Tensor(name, shape, in_type),
            origin=origin,
            precision=PRECISION_MODEL,
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
            origin=origin,
            precision=precision,
        )
        self.nodes.append(node)
        self.cursor = None
        return node

    def activation(self, spec: ActivationSpec, name: str, origin: str) -> None:
        """Append an activation; a quantizer right at the input defines the input type."""
        shape = self.last.output.shape
        if spec.kind == "identity":
            return
        inp = self.last
        at_input = (
            inp.op == "input"
            and inp.origin not in self.shared_inputs
            and not any(inp.output.name in n.inputs for n in self.nodes)
        )
        if spec.elements is not None:
            self._per_element(spec.elements, name, origin, at_input)
            return
        if spec.kind == "requantize" and at_input:
            if self.options.input_type is None:
                k = self.nodes.index(inp)
                self.nodes[k] = Node(
                    inp.name,
                    "input",
                    (),
                    Tensor(inp.name, shape, spec.type or inp.output.type),
                    origin=origin,
                    precision=PRECISION_MODEL,
                )
                self.cursor = self.nodes[k]
                self._scale(spec, f"{name}_alpha", origin)
                return
        if spec.kind == "function":
            self._function(spec.function, name, origin, spec.type)
            return
        node = self.add(name, spec.kind, shape, spec.type, origin)
        if spec.kind == "leaky_relu":
            self.set_attrs(node, shift=spec.slope_shift)
        elif spec.kind == "relu_max":
            self.set_attrs(node, max_value=spec.max_value)
        self._scale(spec, f"{name}_alpha", origin)

    def _per_element(self, elements: ElementTypes, name: str, origin: str, at_input: bool) -> None:
        """A quantizer with a type per element (HGQ): a ``requantize`` node carrying them.  At
        the graph input, the input takes their container type, so that every value the
        quantizer can see is a legal input, and the requantize casts it element by element."""
        inp = self.last
        shape = inp.output.shape
        try:
            elements = elements.broadcast_to(shape)
        except ValueError:
            raise UnsupportedModelError(
                f"layer {origin!r}: per-element quantizer of shape {elements.shape} on a tensor "
                f"of shape {shape}"
            ) from None
        if at_input and self.options.input_type is None:
            k = self.nodes.index(inp)
            self.nodes[k] = inp.with_output_type(elements.container())
            self.cursor = self.nodes[k]
        node = self.add(name, "requantize", shape, elements.container(), origin)
        self.nodes[-1] = node.with_element_types(elements)

    def _function(self, function: str, name: str, origin: str, out: FixedType | None) -> None:
        """A sigmoid, tanh or softmax as the model defines it (a real-valued ``function`` node,
        tabulated by the ``tabulate_functions`` pass); the model computes it in float, so the
        layer is recorded as approximated."""
        node = self.add(name, "function", self.last.output.shape, out, origin)
        self.set_attrs(node, function=function)
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
