"""Replace each real-valued ``function`` node by the lookup tables hls4ml computes it with.

Frontends write sigmoid, tanh and softmax as ``function`` nodes (what the model computes).
This pass makes them what hls4ml's firmware computes, with hls4ml's default tables
(:mod:`.hls4ml_tables`, filled by hls4ml's own C++ code):

- ``sigmoid``/``tanh`` → ``lut``: 1024 entries of ``fixed<18,8>`` over hls4ml's input range;
- ``softmax`` → ``softmax`` (``nnet::softmax_latency``) with its exponential and inverse tables
  (``fixed<18,8,RND,SAT>``, up to 1024 entries).  The exponential table is addressed by the
  top bits of the input type, so an input whose type trigc would infer is first cast to
  ``fixed<16,6,RND,SAT>`` (a new ``requantize`` node ``<name>_in``).

The node keeps its name, origin and precision tag, so the layer stays the one the frontend
recorded as approximated.  Run it first: the nodes it writes are ordinary fixed-point ops.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..ir.fixed import FixedType
from ..ir.graph import PRECISION_MODEL, Const, Graph, Node, Tensor
from .hls4ml_tables import (
    DEFAULT_TABLE_SIZE,
    DEFAULT_TABLE_TYPE,
    SOFTMAX_TABLE_TYPE,
    TABLES,
    hls4ml_softmax_tables,
    hls4ml_table,
)

SOFTMAX_INPUT = FixedType(16, 6, True, "RND", "SAT")  # a softmax input trigc would infer


def _lut(node: Node) -> Node:
    function = node.attrs["function"]
    entries = hls4ml_table(function, DEFAULT_TABLE_SIZE, DEFAULT_TABLE_TYPE)
    table = Const(np.array(entries, dtype=np.int64), DEFAULT_TABLE_TYPE)
    attrs = {**node.attrs, "range": TABLES[function][1]}
    return replace(node, op="lut", consts={"table": table}, attrs=attrs)


def _softmax(node: Node, source: Node, taken: set[str]) -> list[Node]:
    nodes = []
    if source.precision != PRECISION_MODEL:
        name = f"{node.name}_in"
        k = 1
        while name in taken:
            k += 1
            name = f"{node.name}_in_{k}"
        taken.add(name)
        tensor = Tensor(name, source.output.shape, SOFTMAX_INPUT)
        source = Node(
            name, "requantize", node.inputs, tensor, origin=node.origin, precision=PRECISION_MODEL
        )
        nodes.append(source)
    in_t = source.output.type
    exp_size = min(DEFAULT_TABLE_SIZE, 1 << in_t.width)
    tt = SOFTMAX_TABLE_TYPE
    exp_table, inv_table = hls4ml_softmax_tables(in_t, exp_size, tt, tt, DEFAULT_TABLE_SIZE, tt)
    consts = {
        "exp_table": Const(np.array(exp_table, dtype=np.int64), tt),
        "inv_table": Const(np.array(inv_table, dtype=np.int64), tt),
    }
    attrs = {k: v for k, v in node.attrs.items() if k != "function"} | {
        "sum_type": str(tt),
        "input_width": in_t.width,
    }
    nodes.append(
        replace(node, op="softmax", inputs=(source.output.name,), consts=consts, attrs=attrs)
    )
    return nodes


def run(graph: Graph) -> Graph:
    """The graph with every ``function`` node replaced by its table (module docstring)."""
    if not any(n.op == "function" for n in graph.nodes):
        return graph
    taken = {n.name for n in graph.nodes} | {n.output.name for n in graph.nodes}
    by_output = {n.output.name: n for n in graph.nodes}
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.op != "function":
            nodes.append(node)
        elif node.attrs["function"] == "softmax":
            nodes += _softmax(node, by_output[node.inputs[0]], taken)
        else:
            nodes.append(_lut(node))
    return Graph(graph.name, tuple(nodes), graph.outputs)
