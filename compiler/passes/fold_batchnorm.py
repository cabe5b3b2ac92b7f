"""Fold a per-channel scale/shift (an unfolded batch normalization) into the dense layer before it.

``scale_shift(dense(x, W, b), s, t) == dense(x, W * s, b * s + t)`` holds exactly in integer
arithmetic when the dense result is not rounded in between, i.e. when the dense output type is
one trigc infers (exact) and the scale/shift is its only consumer.  Otherwise the scale/shift
stays an op of its own.
"""

from __future__ import annotations

import numpy as np

from ..ir.fixed import smallest_type
from ..ir.graph import PRECISION_INFER, PRECISION_INFERRED, Const, Graph, Node


def _foldable(graph: Graph, node: Node) -> Node | None:
    """The dense node that ``node`` (a scale_shift) can be folded into, if any."""
    if node.op != "scale_shift":
        return None
    producer = graph.node(node.inputs[0])
    if producer.op != "dense" or producer.output.name in graph.outputs:
        return None
    if producer.precision not in (PRECISION_INFER, PRECISION_INFERRED):
        return None
    if len(graph.consumers(producer.output.name)) != 1:
        return None
    return producer


def _const(values: np.ndarray, frac: int) -> Const:
    flat = values.reshape(-1)
    lo = int(min(flat, default=0))
    hi = int(max(flat, default=0))
    t = smallest_type(min(lo, 0), hi, frac)
    return Const(values.astype(object if t.width > 62 else np.int64), t)


def fold(dense: Node, scale_shift: Node) -> Node:
    """The dense node equivalent to ``scale_shift(dense(...))``."""
    w, b = dense.consts["weight"], dense.consts["bias"]
    s, t = scale_shift.consts["scale"], scale_shift.consts["shift"]
    w_new = w.values.astype(object) * s.values.astype(object)[None, :]
    w_frac = w.type.frac + s.type.frac
    b_scaled = b.values.astype(object) * s.values.astype(object)
    b_frac = max(b.type.frac + s.type.frac, t.type.frac)
    b_new = (b_scaled << (b_frac - b.type.frac - s.type.frac)) + (
        t.values.astype(object) << (b_frac - t.type.frac)
    )
    return Node(
        name=dense.name,
        op="dense",
        inputs=dense.inputs,
        output=scale_shift.output,
        consts={"weight": _const(w_new, w_frac), "bias": _const(b_new, b_frac)},
        attrs=scale_shift.attrs,
        precision=scale_shift.precision,
        origin=f"{dense.origin} + {scale_shift.origin}",
    )


def run(graph: Graph) -> Graph:
    """Fold every foldable scale_shift into its dense producer."""
    replaced: dict[str, Node] = {}
    dropped: set[str] = set()
    for node in graph.nodes:
        dense = _foldable(graph, node)
        if dense is not None:
            replaced[node.name] = fold(dense, node)
            dropped.add(dense.name)
    if not replaced:
        return graph
    nodes = [replaced.get(n.name, n) for n in graph.nodes if n.name not in dropped]
    return graph.replace_nodes(nodes)
