"""Give every tensor whose type the model leaves open the narrowest type that never overflows.

Ranges come from the actual constants and the input types (interval arithmetic per element,
see :mod:`trigc.compiler.ir.ranges`), so a pruned or small-weight layer gets a narrow accumulator.
Types fixed by the model (quantizers) are kept, with their rounding and overflow modes; ops that
only move data (``keeps_input_type``) take their input's type as it is.
"""

from __future__ import annotations

from dataclasses import replace

from ..ir.fixed import smallest_type
from ..ir.graph import PRECISION_INFER, PRECISION_INFERRED, Graph
from ..ir.ops import get_op
from ..ir.ops.base import cast_interval_to_tensor


def run(graph: Graph) -> Graph:
    """Resolve every ``precision="infer"`` node to its exact, never-overflowing type."""
    after_cast = {}
    types = {}
    nodes = []
    for node in graph.nodes:
        op = get_op(node.op)
        if node.op == "input":
            r = op.exact_range(node, [])
        else:
            r = op.exact_range(node, [after_cast[name] for name in node.inputs])
        if node.precision == PRECISION_INFER:
            if op.keeps_input_type:  # data movement: the input's type, modes and all
                new_type = types[node.inputs[0]]
            else:
                new_type = smallest_type(r.min, r.max, r.frac)
            node = node.with_output_type(new_type)
            node = replace(node, precision=PRECISION_INFERRED)
        after_cast[node.output.name] = cast_interval_to_tensor(r, node.output)
        types[node.output.name] = node.output.type
        nodes.append(node)
    return graph.replace_nodes(nodes)
