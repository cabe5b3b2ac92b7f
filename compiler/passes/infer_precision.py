"""Give every tensor whose type the model leaves open the narrowest type that never overflows.

Ranges come from the actual constants and the input types (interval arithmetic per element,
see :mod:`trigc.compiler.ir.ranges`), so a pruned or small-weight layer gets a narrow accumulator.
Types fixed by the model (quantizers) are kept, with their rounding and overflow modes; ops that
only move data (``keeps_input_type``) take their input's type as it is.  The pass is the range
walk (:mod:`trigc.compiler.ir.walk`) with a retyping step.
"""

from __future__ import annotations

from dataclasses import replace

from ..ir.fixed import smallest_type
from ..ir.graph import PRECISION_INFER, PRECISION_INFERRED, Graph, Node, Tensor
from ..ir.ops import get_op
from ..ir.ops.base import Interval
from ..ir.ranges import RANGES
from ..ir.walk import walk


def _retype(node: Node, exact: Interval, inputs: list[Tensor]) -> Node:
    if node.precision != PRECISION_INFER:
        return node
    if get_op(node.op).keeps_input_type:  # data movement: the input's type, modes and all
        new_type = inputs[0].type
    else:
        new_type = smallest_type(exact.min, exact.max, exact.frac)
    return replace(node.with_output_type(new_type), precision=PRECISION_INFERRED)


def run(graph: Graph) -> Graph:
    """Resolve every ``precision="infer"`` node to its exact, never-overflowing type."""
    return walk(graph, RANGES, _retype).graph
