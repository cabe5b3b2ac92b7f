"""The trigc intermediate representation: a small, typed, executable dataflow graph.

A :class:`Graph` is a list of :class:`Node` in topological order.  Every node produces one
:class:`Tensor` whose :class:`~trigc.compiler.ir.fixed.FixedType` is explicit; constants
(weights, biases) are :class:`Const` integer mantissas with their own type.  The op
semantics live in :mod:`trigc.compiler.ir.ops`; :mod:`~trigc.compiler.ir.executor` executes it on
integer mantissas and is the bit-exact reference for every backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import IRError
from .attrs import Attrs, attrs_of
from .element_types import ElementTypes
from .fixed import FixedType

PRECISION_MODEL = "model"  # a quantizer in the model (or the user) fixed the type
PRECISION_INFER = "infer"  # still to be inferred (placeholder type)
PRECISION_INFERRED = "inferred"  # chosen by infer_precision: must never overflow
PRECISIONS = ("", PRECISION_MODEL, PRECISION_INFER, PRECISION_INFERRED)
"""Who chose a node's output type (``""``: nobody said)."""


@dataclass(frozen=True)
class Tensor:
    """A value flowing between nodes: name, shape without the batch axis, and type.

    ``elements``, when set, gives every element its own type (high-granularity quantization);
    ``type`` is then their container (:meth:`ElementTypes.container`), the type the values are
    carried in.
    """

    name: str
    shape: tuple[int, ...]
    type: FixedType
    elements: ElementTypes | None = None

    def __post_init__(self) -> None:
        if self.elements is None:
            return
        if self.elements.shape != tuple(self.shape):
            raise ValueError(
                f"tensor {self.name!r}: per-element types of shape {self.elements.shape} for "
                f"a tensor of shape {tuple(self.shape)}"
            )
        if self.elements.container() != self.type:
            raise ValueError(
                f"tensor {self.name!r}: type {self.type} is not the container "
                f"{self.elements.container()} of its per-element types"
            )

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class Const:
    """A constant tensor of integer mantissas (``values * 2**-type.frac`` is its value)."""

    values: np.ndarray
    type: FixedType

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        if values.dtype.kind not in "iO":
            raise TypeError(f"Const mantissas must be integers, got dtype {values.dtype}")
        values = values.copy()
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Const)
            and self.type == other.type
            and self.values.shape == other.values.shape
            and bool(np.all(self.values == other.values))
        )

    def __hash__(self) -> int:
        return hash((self.type, self.values.shape, self.values.tobytes()))

    def as_float(self) -> np.ndarray:
        """Values as float64 (exact for widths up to 53 bits)."""
        return self.type.to_float(self.values)


@dataclass(frozen=True)
class Node:
    """One operation.

    ``op`` names an entry of :data:`trigc.compiler.ir.ops.OPS`; ``inputs`` are tensor names;
    ``output`` is the tensor the node defines; ``consts`` hold weights; ``attrs`` are the op's
    typed attributes (:mod:`.attrs`; given as a mapping, checked once here); ``origin`` names
    the model layer it came from (for messages); ``precision`` says who chose the output type
    (:data:`PRECISIONS`).  ``ir.json`` keeps ``precision`` among the attributes, and a mapping
    of attributes holding it sets the field.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    output: Tensor
    consts: Mapping[str, Const] = field(default_factory=dict)
    attrs: Attrs = field(default_factory=dict)  # type: ignore[assignment]
    origin: str = ""
    precision: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "consts", MappingProxyType(dict(self.consts)))
        # typed attributes pass as they are; a mapping may still hold "precision"
        given = self.attrs if isinstance(self.attrs, Attrs) else dict(self.attrs)
        precision = None if isinstance(given, Attrs) else given.pop("precision", None)
        if precision is not None:
            if self.precision and self.precision != precision:
                raise IRError(
                    f"node {self.name!r}: precision {self.precision!r} and attribute "
                    f"precision {precision!r} disagree"
                )
            object.__setattr__(self, "precision", precision)
        if self.precision not in PRECISIONS:
            raise IRError(
                f"node {self.name!r}: precision {self.precision!r}; valid: "
                f"{', '.join(repr(p) for p in PRECISIONS)}"
            )
        object.__setattr__(self, "attrs", attrs_of(self.op, given, self.name))

    def recorded_attrs(self) -> dict[str, Any]:
        """The attributes as ``ir.json`` and the text form hold them, ``precision`` among
        them, sorted by name."""
        recorded = dict(self.attrs)
        if self.precision:
            recorded["precision"] = self.precision
        return dict(sorted(recorded.items()))

    def with_output_type(self, new_type: FixedType) -> Node:
        """A copy whose output tensor has another (per-tensor) type."""
        return replace(self, output=replace(self.output, type=new_type, elements=None))

    def with_element_types(self, elements: ElementTypes) -> Node:
        """A copy whose output tensor has a type per element (and their container)."""
        output = replace(self.output, type=elements.container(), elements=elements)
        return replace(self, output=output)


@dataclass(frozen=True)
class Graph:
    """A model: nodes in topological order and the names of the output tensors."""

    name: str
    nodes: tuple[Node, ...]
    outputs: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "outputs", tuple(self.outputs))

    # -- lookup -------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The input nodes, in order."""
        return tuple(n for n in self.nodes if n.op == "input")

    def node(self, name: str) -> Node:
        """The node that defines tensor (or node) ``name``."""
        for n in self.nodes:
            if n.name == name or n.output.name == name:
                return n
        raise KeyError(f"no node or tensor named {name!r} in graph {self.name!r}")

    def tensor(self, name: str) -> Tensor:
        """The tensor called ``name``."""
        return self.node(name).output

    def consumers(self, tensor_name: str) -> list[Node]:
        """Nodes reading ``tensor_name``."""
        return [n for n in self.nodes if tensor_name in n.inputs]

    def replace_nodes(self, nodes: list[Node] | tuple[Node, ...]) -> Graph:
        """A copy with another node list."""
        return replace(self, nodes=tuple(nodes))
