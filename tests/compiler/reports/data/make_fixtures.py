"""Write ``ir.json`` and the manifests of the hand-written ``tiny_mlp`` project in this folder.

Run from the repository root: ``.venv/bin/python tests/compiler/reports/data/make_fixtures.py``.
The Verilog (``tiny_mlp/rtl/tiny_mlp.v``) is written by hand to match this graph: a pipelined
4-3-2 MLP with one module per layer, the shape the report expects from the RTL backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.serialize import save_graph
from trigc.compiler.project import layer_table

HERE = Path(__file__).resolve().parent
W6 = FixedType.parse("fixed<6,1>")


def tiny_mlp_graph() -> Graph:
    """x: 4 x fixed<8,3> -> dense(3) -> relu(ufixed<6,2,TRN,SAT>) -> dense(2)."""
    w0 = np.array([[16, -24, 0], [7, 0, -32], [0, 12, 5], [-9, 31, -1]])
    w1 = np.array([[20, -3], [0, 17], [-11, 25]])
    nodes = (
        Node("x", "input", (), Tensor("x", (4,), FixedType.parse("fixed<8,3>"))),
        Node(
            "fc0",
            "dense",
            ("x",),
            Tensor("fc0", (3,), FixedType.parse("fixed<16,6>")),
            {"weight": Const(w0, W6), "bias": Const(np.array([3, -7, 12]), W6)},
            origin="fc0",
        ),
        Node(
            "relu0",
            "relu",
            ("fc0",),
            Tensor("relu0", (3,), FixedType.parse("ufixed<6,2,TRN,SAT>")),
            origin="relu0",
        ),
        Node(
            "fc1",
            "dense",
            ("relu0",),
            Tensor("fc1", (2,), FixedType.parse("fixed<14,5>")),
            {"weight": Const(w1, W6), "bias": Const(np.array([-5, 9]), W6)},
            origin="fc1",
        ),
    )
    return Graph("tiny_mlp", nodes, ("fc1",))


def _port(name: str, shape: list[int], t: str, offset: int) -> dict[str, object]:
    return {
        "name": name,
        "shape": shape,
        "type": t,
        "width": FixedType.parse(t).width,
        "offset": offset,
    }


RTL_MANIFEST = {
    "top": "tiny_mlp",
    "latency_cycles": 3,
    "ii": 1,
    "clock_mhz": 240.0,
    "delay_model": "hand-written fixture (no model)",
    "inputs": [_port("x", [4], "fixed<8,3>", 0)],
    "outputs": [_port("fc1", [2], "fixed<14,5>", 0)],
    "in_width": 32,
    "out_width": 28,
    "stages": [0.5, 3.2, 1.1, 3.0],
    "files": ["tiny_mlp.v"],
}


def project_manifest(graph: Graph) -> dict[str, object]:
    options = {
        "backends": ["rtl"],
        "input_type": None,
        "allow_inexact": False,
        "project_name": "tiny_mlp",
        "part": "xcvu9p-flga2104-2L-e",
        "clock_period_ns": 4.0,
        "reuse_factor": 1,
        "hls_flavor": "Vitis",
    }
    return {
        "format": "trigc-project",
        "version": 1,
        "model": {"name": graph.name, "source": "source/tiny_mlp.keras", "sha256": ""},
        "options": options,
        "tools": {},
        "passes": [],
        "layers": layer_table(graph),
        "backends": {"rtl": {"latency_cycles": 3, "ii": 1, "clock_mhz": 240.0, "top": "tiny_mlp"}},
    }


def main() -> None:
    graph = tiny_mlp_graph()
    out = HERE / "tiny_mlp"
    save_graph(graph, out / "ir.json")
    dump = {"indent": 1, "sort_keys": True}
    (out / "manifest.json").write_text(json.dumps(project_manifest(graph), **dump) + "\n")
    (out / "rtl" / "rtl_manifest.json").write_text(json.dumps(RTL_MANIFEST, **dump) + "\n")


if __name__ == "__main__":
    main()
