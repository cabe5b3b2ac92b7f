"""IR legality: what a legal graph looks like after each phase.

``structural`` holds for every graph: unique names, inputs defined before use, known ops with
consistent shapes and constants, existing outputs, and per-element types only on
``requantize`` nodes whose precision the model fixed (a frontend puts one after the layer it
quantizes, so every other op and every backend lowering sees per-tensor types).  ``typed``
(after precision inference) adds: every type is resolved, and no tensor whose type trigc
chose can overflow — only a type the model itself asked for may wrap or saturate.
"""

from __future__ import annotations

from ..errors import IRError
from .graph import PRECISION_INFER, PRECISION_INFERRED, PRECISION_MODEL, Graph, Node
from .ops import get_op
from .ranges import exact_ranges

PHASES = ("structural", "typed")

__all__ = ["PHASES", "PRECISION_INFER", "PRECISION_INFERRED", "PRECISION_MODEL", "check_legal"]


def check_legal(graph: Graph, phase: str = "typed") -> Graph:
    """Raise :class:`IRError` unless ``graph`` is legal for ``phase``; return it otherwise."""
    if phase not in PHASES:
        raise ValueError(f"unknown verifier phase {phase!r}; valid: {', '.join(PHASES)}")
    _check_structure(graph)
    if phase == "typed":
        _check_types(graph)
    return graph


def _check_structure(graph: Graph) -> None:
    shapes: dict[str, tuple[int, ...]] = {}
    node_names: set[str] = set()
    if not graph.inputs:
        raise IRError(f"graph {graph.name!r} has no input")
    for node in graph.nodes:
        if node.name in node_names or node.output.name in shapes:
            raise IRError(f"duplicate node or tensor name {node.name!r}")
        node_names.add(node.name)
        for name in node.inputs:
            if name not in shapes:
                raise IRError(f"node {node.name!r} reads {name!r} before it is defined")
        get_op(node.op).check(node, [shapes[name] for name in node.inputs])
        if node.output.elements is not None:
            _check_elements(node)
        shapes[node.output.name] = node.output.shape
    for name in graph.outputs:
        if name not in shapes:
            raise IRError(f"graph output {name!r} is not defined by any node")


ELEMENT_TYPED_OPS = ("requantize",)
"""The ops whose output may carry per-element types."""


def _check_elements(node: Node) -> None:
    if node.op not in ELEMENT_TYPED_OPS:
        raise IRError(
            f"node {node.name!r} ({node.op}) has per-element types; only "
            f"{', '.join(ELEMENT_TYPED_OPS)} nodes may (quantize the layer's output with one)"
        )
    if node.precision != PRECISION_MODEL:
        raise IRError(f"node {node.name!r}: per-element types must come from the model")


def _check_types(graph: Graph) -> None:
    for node in graph.nodes:
        if get_op(node.op).real_valued:
            raise IRError(
                f"node {node.name!r} ({node.op}) has no fixed-point semantics: a pass must "
                "replace it before types are inferred"
            )
        if node.precision == PRECISION_INFER:
            raise IRError(f"node {node.name!r} still has an uninferred type")
    ranges = exact_ranges(graph)
    for node in graph.nodes:
        if node.op == "input" or node.precision == PRECISION_MODEL:
            continue
        r, t = ranges[node.output.name], node.output.type
        if r.frac > t.frac or r.min < t.min_int or r.max > t.max_int:
            raise IRError(
                f"node {node.name!r}: type {t} chosen by trigc cannot hold its exact values "
                f"[{r.min}, {r.max}] * 2^-{r.frac}"
            )
