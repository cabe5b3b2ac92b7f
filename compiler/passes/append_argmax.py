"""Replace each graph output by the one-hot argmax of its last axis (the argmax output option).

A classifier's firmware often needs only the winning class: the new ``argmax`` node reads the
old output and becomes the graph output (one bit per class, the first maximum on ties).  Run it
before precision inference, which gives the new outputs their one-bit type.
"""

from __future__ import annotations

from ..ir.graph import PRECISION_INFER, Graph, Node, Tensor


def run(graph: Graph) -> Graph:
    """The graph with an ``argmax`` node after every output."""
    taken = {n.name for n in graph.nodes} | {n.output.name for n in graph.nodes}
    nodes, outputs = list(graph.nodes), []
    for name in graph.outputs:
        src = graph.tensor(name)
        new = f"{name}_argmax"
        while new in taken:
            new += "_"
        taken.add(new)
        origin = graph.node(name).origin
        tensor = Tensor(new, src.shape, src.type)  # the type is inferred later
        nodes.append(Node(new, "argmax", (name,), tensor, origin=origin, precision=PRECISION_INFER))
        outputs.append(new)
    return Graph(graph.name, tuple(nodes), tuple(outputs))
