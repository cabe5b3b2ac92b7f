"""Write ``ir.json`` and ``rtl_manifest.json`` for the hand-written DUTs in this folder.

Run from the repository root: ``.venv/bin/python tests/sim/data/make_fixtures.py``.  The
Verilog (``dot4/dot4.v``, ``two_port/two_port.v``) is written by hand to match these graphs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.serialize import save_graph

HERE = Path(__file__).resolve().parent


def _input(name: str, shape: tuple[int, ...], t: str) -> Node:
    return Node(name, "input", (), Tensor(name, shape, FixedType.parse(t)))


def dot4_graph() -> Graph:
    """``y = cast<fixed<12,4>>(x . w + b)`` with x: 4 x fixed<8,3>."""
    weight = Const(np.array([[16], [-24], [7], [-32]]), FixedType.parse("fixed<6,1>"))
    bias = Const(np.array([-45]), FixedType.parse("fixed<8,2>"))
    dense = Node(
        "dense",
        "dense",
        ("x",),
        Tensor("y", (1,), FixedType.parse("fixed<12,4>")),
        consts={"weight": weight, "bias": bias},
    )
    return Graph("dot4", (_input("x", (4,), "fixed<8,3>"), dense), ("y",))


def two_port_graph() -> Graph:
    """Two independent inputs: ``ra = relu(a)`` and ``qb = cast<fixed<4,2,RND,SAT>>(b)``."""
    relu = Node("relu", "relu", ("a",), Tensor("ra", (5,), FixedType.parse("ufixed<13,5>")))
    requant = Node(
        "requant", "requantize", ("b",), Tensor("qb", (3,), FixedType.parse("fixed<4,2,RND,SAT>"))
    )
    nodes = (_input("a", (5,), "fixed<14,6>"), _input("b", (3,), "fixed<5,2>"), relu, requant)
    return Graph("two_port", nodes, ("ra", "qb"))


def _port(name: str, shape: list[int], t: str, offset: int) -> dict[str, object]:
    return {
        "name": name,
        "shape": shape,
        "type": t,
        "width": FixedType.parse(t).width,
        "offset": offset,
    }


MANIFESTS: dict[str, dict[str, object]] = {
    "dot4": {
        "top": "dot4",
        "latency_cycles": 2,
        "ii": 1,
        "clock_mhz": 200.0,
        "inputs": [_port("x", [4], "fixed<8,3>", 0)],
        "outputs": [_port("y", [1], "fixed<12,4>", 0)],
        "in_width": 32,
        "out_width": 12,
        "files": ["dot4.v", "dot4_hls_wrapper.v"],
    },
    "two_port": {
        "top": "two_port",
        "latency_cycles": 3,
        "ii": 1,
        "clock_mhz": 200.0,
        "inputs": [_port("a", [5], "fixed<14,6>", 0), _port("b", [3], "fixed<5,2>", 70)],
        "outputs": [
            _port("ra", [5], "ufixed<13,5>", 0),
            _port("qb", [3], "fixed<4,2,RND,SAT>", 65),
        ],
        "in_width": 85,
        "out_width": 77,
        "files": ["two_port.v"],
    },
}


def main() -> None:
    """Write every fixture."""
    for name, graph in (("dot4", dot4_graph()), ("two_port", two_port_graph())):
        save_graph(graph, HERE / name / "ir.json")
        text = json.dumps(MANIFESTS[name], indent=1, sort_keys=True) + "\n"
        (HERE / name / "rtl_manifest.json").write_text(text)


if __name__ == "__main__":
    main()
