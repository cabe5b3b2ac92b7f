"""The one walk through a graph: each node's exact value from its inputs' cast values, then its
cast value.

The executor (integer mantissas), the range analysis (intervals) and precision inference (which
chooses a node's type from its exact interval) are the same walk over different
:class:`Semantics`: what an input node is, what an op computes before the cast, and the cast.
``retype`` may replace a node once its exact value is known and before it is cast (precision
inference); the walk returns the graph it walked, with those replacements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .graph import Graph, Node, Tensor

V = TypeVar("V")


@dataclass(frozen=True)
class Semantics(Generic[V]):
    """What a walk computes: ``input(node)`` for input nodes, ``apply(node, args, tensors)``
    the exact value of any other node from its inputs' cast values (and their tensors), and
    ``cast(value, tensor)`` the value cast to a node's output."""

    input: Callable[[Node], V]
    apply: Callable[[Node, list[V], list[Tensor]], V]
    cast: Callable[[V, Tensor], V]


@dataclass(frozen=True)
class Walked(Generic[V]):
    """A walk's result: the graph walked, each tensor's exact value before its cast, and its
    value after the cast (inputs: the same)."""

    graph: Graph
    exact: dict[str, V]
    cast: dict[str, V]


Retype = Callable[[Node, V, list[Tensor]], Node]
"""``retype(node, exact value, input tensors)``: the node to keep (the same, or a copy)."""


def walk(
    graph: Graph,
    semantics: Semantics[V],
    retype: Retype | None = None,
    keep_exact: bool = True,
) -> Walked[V]:
    """Walk ``graph`` in order under ``semantics`` (``keep_exact=False``: only the cast values
    are kept, as the executor needs)."""
    exact: dict[str, V] = {}
    cast: dict[str, V] = {}
    tensors: dict[str, Tensor] = {}
    nodes: list[Node] = []
    for node in graph.nodes:
        name = node.output.name
        if node.op == "input":
            exact[name] = cast[name] = semantics.input(node)
        else:
            ins = [tensors[i] for i in node.inputs]
            value = semantics.apply(node, [cast[i] for i in node.inputs], ins)
            if retype is not None:
                node = retype(node, value, ins)
            if keep_exact:
                exact[name] = value
            cast[name] = semantics.cast(value, node.output)
        tensors[name] = node.output
        nodes.append(node)
    walked = graph if retype is None else graph.replace_nodes(nodes)
    return Walked(walked, exact, cast)
