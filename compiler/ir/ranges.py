"""Exact value ranges of every tensor, propagated through the graph with interval arithmetic
(the walk of :mod:`.walk` under :data:`RANGES`)."""

from __future__ import annotations

from .graph import Graph
from .ops import get_op
from .ops.base import Interval, cast_interval_to_tensor
from .walk import Semantics, walk

RANGES: Semantics[Interval] = Semantics(
    input=lambda node: get_op("input").exact_range(node, []),  # the whole input type
    apply=lambda node, ranges, tensors: get_op(node.op).exact_range(node, ranges),
    cast=cast_interval_to_tensor,
)
"""Intervals: an op's exact interval from its inputs' intervals after their casts."""


def exact_ranges(graph: Graph) -> dict[str, Interval]:
    """For every node, the exact interval of its result *before* the cast to its output type.

    Inputs span their whole type.  Intervals are per element (tight for the given constants).
    """
    return walk(graph, RANGES).exact


def output_ranges(graph: Graph) -> dict[str, Interval]:
    """For every node, the interval of its output after the cast to its type."""
    return walk(graph, RANGES).cast
