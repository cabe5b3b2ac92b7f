"""Where a floating-point evaluation of the model may round: a sound bound per layer.

A float with ``p`` significant bits holds a dyadic value exactly when its mantissa, counted in
units of its lowest bit, has at most ``p`` bits.  Every op of the IR computes sums of products
of dyadic values; a framework may add the terms in any order, so every *partial* sum must fit,
not only the result.  Propagating, through each op, the symmetric interval ``[-M, M]`` of the
largest magnitude ``M`` each input can take bounds every partial sum: each product term then
spans an interval around zero, so any subset of terms (and the bias added last or first) stays
within the bound of the whole.  The bound is computed from the actual constants (pruned weights
count nothing), so it is tight for the layer as built.
"""

from __future__ import annotations

import numpy as np

from ..ir.graph import Graph
from ..ir.ops import get_op
from ..ir.ops.base import Interval
from ..ir.ranges import output_ranges

FLOAT32_BITS = 24
FLOAT64_BITS = 53
# Ops whose float evaluation is an approximation anyway (hls4ml tables): not bounded here.
_TABLE_OPS = frozenset({"lut", "softmax"})


def _symmetric(r: Interval) -> Interval:
    m = np.maximum(np.abs(r.lo), np.abs(r.hi))
    return Interval(-m, m, r.frac)


def needed_bits(graph: Graph) -> dict[str, int]:
    """For every computing node, the significant bits its partial sums may need."""
    after_cast = output_ranges(graph)
    bits: dict[str, int] = {}
    for node in graph.nodes:
        if node.op == "input":
            r = after_cast[node.output.name]
        elif node.op in _TABLE_OPS:
            continue
        else:
            inputs = [_symmetric(after_cast[name]) for name in node.inputs]
            r = get_op(node.op).exact_range(node, inputs)
        bits[node.name] = int(max(abs(r.min), abs(r.max))).bit_length()
    return bits


def float_risks(graph: Graph, mantissa_bits: int, what: str) -> list[str]:
    """One line per layer whose exact values may need more than ``mantissa_bits``."""
    need_by_layer: dict[str, int] = {}
    bits = needed_bits(graph)
    for node in graph.nodes:  # one line per model layer (several IR nodes may share one)
        layer = node.origin or node.name
        need_by_layer[layer] = max(need_by_layer.get(layer, 0), bits.get(node.name, 0))
    risks = []
    for layer, need in need_by_layer.items():
        if need > mantissa_bits:
            risks.append(
                f"layer {layer!r}: exact values need up to {need} significant "
                f"bits; {what} ({mantissa_bits} bits) may round there"
            )
    return risks
