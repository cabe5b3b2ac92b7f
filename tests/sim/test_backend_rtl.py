"""The RTL backend's own output through both simulators (skipped until the backend exists)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.serialize import load_graph, save_graph
from trigc.compiler.pipeline import run_pipeline
from trigc.sim.bulk import run_rtl
from trigc.sim.runner import run_protocol_tests

pytestmark = pytest.mark.sim


def small_mlp(seed: int = 3) -> Graph:
    """An 8-6-3 ReLU MLP with inferred accumulators and a quantized hidden activation."""
    rng = np.random.default_rng(seed)
    weight_t, bias_t = FixedType.parse("fixed<6,1>"), FixedType.parse("fixed<8,2>")
    placeholder = FixedType.parse("fixed<32,16>")  # replaced by infer_precision

    def dense(name: str, src: str, n_in: int, n_out: int) -> Node:
        consts = {
            "weight": Const(rng.integers(-32, 32, size=(n_in, n_out)), weight_t),
            "bias": Const(rng.integers(-128, 128, size=(n_out,)), bias_t),
        }
        out = Tensor(name, (n_out,), placeholder)
        return Node(name, "dense", (src,), out, consts, {"precision": "infer"})

    nodes = [
        Node("x", "input", (), Tensor("x", (8,), FixedType.parse("fixed<10,4>"))),
        dense("fc1", "x", 8, 6),
        Node(
            "relu1",
            "relu",
            ("fc1",),
            Tensor("relu1", (6,), FixedType.parse("ufixed<8,3,TRN,SAT>")),
            attrs={"precision": "model"},
        ),
        dense("fc2", "relu1", 6, 3),
    ]
    graph, _ = run_pipeline(Graph("small_mlp", tuple(nodes), ("fc2",)))
    return graph


@pytest.fixture(scope="module")
def backend_design(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(rtl folder, ir.json) of :func:`small_mlp` emitted by the RTL backend."""
    rtl = pytest.importorskip(
        "trigc.compiler.backends.rtl", reason="the RTL backend (compiler/backends/rtl) is absent"
    )
    graph = small_mlp()
    out = tmp_path_factory.mktemp("backend_rtl")
    save_graph(graph, out / "ir.json")
    rtl.emit(graph, BackendOptions(project_name="small_mlp"), out / "rtl")
    manifests = sorted((out / "rtl").rglob("rtl_manifest.json"))
    assert len(manifests) == 1, f"expected one rtl_manifest.json below {out / 'rtl'}"
    return manifests[0].parent, out / "ir.json"


@pytest.mark.parametrize("gap_percent", [0, 30])
def test_bulk_is_bit_exact(backend_design: tuple[Path, Path], gap_percent: int) -> None:
    rtl_dir, ir_json = backend_design
    graph = load_graph(ir_json)
    (port,) = load_rtl_manifest(rtl_dir).inputs
    rng = np.random.default_rng(gap_percent)
    x = rng.integers(
        port.type.min_int, port.type.max_int, size=(30_000, *port.shape), endpoint=True
    )
    x[0], x[1], x[2] = port.type.min_int, port.type.max_int, 0
    (y,) = run_rtl(rtl_dir, [x], gap_percent=gap_percent)
    want = run_int(graph, x)[graph.outputs[0]]
    bad = np.flatnonzero((y != want).any(axis=1))
    assert bad.size == 0, (
        f"{bad.size} vectors differ; first x={x[bad[0]]}: {y[bad[0]]} != {want[bad[0]]}"
    )


@pytest.mark.parametrize(
    ("simulator", "interface"),
    # the wrapper is plain Verilog around the core: Icarus suffices (dot4 covers Verilator)
    [("verilator", "core"), ("icarus", "core"), ("icarus", "hls")],
)
def test_cocotb_protocol(
    backend_design: tuple[Path, Path], simulator: str, interface: str, request
) -> None:
    if simulator == "icarus":
        request.getfixturevalue("icarus")
    rtl_dir, ir_json = backend_design
    result = run_protocol_tests(rtl_dir, ir_json, simulator, vectors=60, interface=interface)
    assert result.passed
