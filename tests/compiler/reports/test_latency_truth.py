"""The latency ``trigc report`` claims for the RTL is the latency the simulated design has.

A small QONNX MLP is compiled through the CLI (``trigc compile --backend rtl --budget``) at
240 and 360 MHz; the budget sets the clock, so the pipelines differ.  Icarus Verilog then runs
a probe bench that knows nothing of the manifest: it fills the pipeline with vector A, switches
the input to vector B at edge ``SWITCH`` and prints ``out_valid`` and ``out_data`` after every
rising edge.  The measured latency is the number of edges until ``out_data`` turns from the IR
executor's result for A into its result for B (and until ``out_valid`` first rises).  The
report's cycles, its nanoseconds and the per-layer cycles must all agree with it.

The same reports show per-layer figures from Yosys (one module per layer) that add up to the
totals.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.compiler.frontends import onnx_models as om
from trigc.compiler.backends.rtl.manifest import RtlManifest, load_rtl_manifest
from trigc.compiler.cli import main
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.graph import Graph
from trigc.compiler.ir.serialize import load_graph
from trigc.sim.manifest import pack_vectors, words_to_ints

pytestmark = pytest.mark.synth

SWITCH = 40  # the edge at which vector B replaces A; far beyond the latency of a small MLP
EDGES = SWITCH + 40

PROBE = """\
`timescale 1ns / 1ps
module latency_probe;
    reg clk = 1'b0;
    reg rst = 1'b1;
    reg in_valid = 1'b0;
    reg [{in_msb}:0] in_data = {in_width}'h{a:x};
    wire out_valid;
    wire [{out_msb}:0] out_data;
    integer k;

    {top} dut (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_data(in_data),
        .out_valid(out_valid), .out_data(out_data)
    );

    initial begin
        for (k = 0; k < {edges}; k = k + 1) begin
            // inputs for rising edge k, applied half a period before it
            rst = k < 2;
            in_valid = k >= {switch};
            in_data = k >= {switch} ? {in_width}'h{b:x} : {in_width}'h{a:x};
            #5 clk = 1'b1;
            #1 $display("%0d %b %h", k, out_valid, out_data);
            #4 clk = 1'b0;
        end
        $finish;
    end
endmodule
"""


def _vectors(graph: Graph, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Inputs A and B (one vector each) whose outputs differ."""
    rng = np.random.default_rng(seed)
    while True:
        pair = []
        for _ in range(2):
            pair.append(
                [
                    rng.integers(n.output.type.min_int, n.output.type.max_int, (1, *n.output.shape))
                    for n in graph.inputs
                ]
            )
        outs = [run_int(graph, *xs) for xs in pair]
        if any(not np.array_equal(outs[0][t], outs[1][t]) for t in graph.outputs):
            return pair[0], pair[1]


def _word(ports, width: int, arrays: list[np.ndarray]) -> int:
    return words_to_ints(pack_vectors(ports, width, arrays))[0]


def measure_latency(rtl_dir: Path, graph: Graph, work: Path) -> tuple[int, int]:
    """(edges until out_data shows B's result, edges until out_valid rises) after SWITCH."""
    manifest: RtlManifest = load_rtl_manifest(rtl_dir)
    a, b = _vectors(graph, seed=3)
    want = {}
    for name, xs in (("a", a), ("b", b)):
        result = run_int(graph, *xs)
        arrays = [result[t] for t in graph.outputs]
        want[name] = _word(manifest.outputs, manifest.out_width, arrays)
    bench = work / "latency_probe.v"
    bench.write_text(
        PROBE.format(
            top=manifest.top,
            in_msb=manifest.in_width - 1,
            in_width=manifest.in_width,
            out_msb=manifest.out_width - 1,
            a=_word(manifest.inputs, manifest.in_width, a),
            b=_word(manifest.inputs, manifest.in_width, b),
            edges=EDGES,
            switch=SWITCH,
        )
    )
    sources = [str(bench), *map(str, manifest.file_paths)]
    build = ["iverilog", "-g2005", "-s", "latency_probe", "-o", str(work / "probe.vvp"), *sources]
    subprocess.run(build, check=True, capture_output=True, text=True)
    run = subprocess.run(["vvp", "-n", str(work / "probe.vvp")], check=True, capture_output=True)
    rows = [line.split() for line in run.stdout.decode().splitlines() if line[:1].isdigit()]
    data = {int(k): int(d, 16) if "x" not in d else None for k, _, d in rows}
    valid = [int(k) for k, v, _ in rows if v == "1"]
    assert len(data) == EDGES and valid, "the probe bench did not run to the end"
    turned = next(k for k in range(SWITCH, EDGES) if data[k] == want["b"])
    assert data[turned - 1] == want["a"], "out_data held neither A's nor B's result"
    assert all(data[k] == want["b"] for k in range(turned, EDGES)), "B's result did not stay"
    return turned - SWITCH, valid[0] - SWITCH


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    return om.save(om.qonnx_mlp(np.random.default_rng(5)), folder / "mlp.onnx")


@pytest.fixture(scope="module", params=[("cms-l1-240", 240.0), ("cms-l1-360", 360.0)])
def compiled(request, model: Path, tmp_path_factory) -> tuple[Path, float, dict]:
    """``trigc compile --backend rtl --budget PRESET``: the project, its clock, the rtl report."""
    preset, mhz = request.param
    out = tmp_path_factory.mktemp(preset) / "mlp"
    args = ["compile", str(model), "-o", str(out), "--backend", "rtl", "--budget", preset]
    assert main([*args, "--quiet"]) in (0, 1)  # the verdict does not matter here
    report = json.loads((out / "report" / "report.json").read_text())
    (rtl,) = report["implementations"]
    return out, mhz, rtl


@pytest.mark.sim
def test_report_latency_is_the_simulated_latency(compiled, tmp_path: Path) -> None:
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        pytest.skip("Icarus Verilog (iverilog, vvp) is not installed")
    out, mhz, rtl = compiled
    checks = {c["name"]: c for c in rtl["checks"]}
    data_cycles, valid_cycles = measure_latency(out / "rtl", load_graph(out / "ir.json"), tmp_path)
    assert rtl["design_clock_mhz"] == mhz
    assert rtl["latency_cycles"] == data_cycles == valid_cycles
    assert checks["latency_ns"]["value"] == pytest.approx(data_cycles * 1000.0 / mhz, abs=1e-3)
    # the MLP is a chain: its layers' cycles add up to the whole
    assert sum(layer["latency_cycles"] for layer in rtl["layers"]) == data_cycles


def test_per_layer_figures_add_up(compiled) -> None:
    """One row per IR layer, from its own module; the top holds only the valid pipeline."""
    out, _, rtl = compiled
    graph = load_graph(out / "ir.json")
    assert [layer["name"] for layer in rtl["layers"]] == [n.name for n in graph.nodes]
    assert all(layer["module"].startswith("mlp_") for layer in rtl["layers"])
    for resource in ("lut", "carry"):
        assert sum(x["resources"][resource] for x in rtl["layers"]) == rtl["resources"][resource]
    valid_pipeline = rtl["latency_cycles"] + 1
    ffs = sum(x["resources"]["ff"] for x in rtl["layers"])
    assert ffs + valid_pipeline == rtl["resources"]["ff"]
    dense = [x for x in rtl["layers"] if x["op"] == "dense"]
    assert dense and all(x["resources"]["lut"] > 0 and x["delay_ns"] > 0 for x in dense)
