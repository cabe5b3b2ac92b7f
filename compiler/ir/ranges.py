"""Exact value ranges of every tensor, propagated through the graph with interval arithmetic."""

from __future__ import annotations

from .graph import Graph
from .ops import get_op
from .ops.base import Interval, cast_interval_to_tensor


def exact_ranges(graph: Graph) -> dict[str, Interval]:
    """For every node, the exact interval of its result *before* the cast to its output type.

    Inputs span their whole type.  Intervals are per element (tight for the given constants).
    """
    exact: dict[str, Interval] = {}
    after_cast: dict[str, Interval] = {}
    for node in graph.nodes:
        op = get_op(node.op)
        if node.op == "input":
            r = op.exact_range(node, [])
            exact[node.output.name] = after_cast[node.output.name] = r
            continue
        r = op.exact_range(node, [after_cast[name] for name in node.inputs])
        exact[node.output.name] = r
        after_cast[node.output.name] = cast_interval_to_tensor(r, node.output)
    return exact


def output_ranges(graph: Graph) -> dict[str, Interval]:
    """For every node, the interval of its output after the cast to its type."""
    ranges = exact_ranges(graph)
    return {name: cast_interval_to_tensor(r, graph.tensor(name)) for name, r in ranges.items()}
