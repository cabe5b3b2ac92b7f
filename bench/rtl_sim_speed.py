"""Speed of the RTL simulators: bulk Verilator harness and cocotb (Verilator, Icarus).

Prints build times (from an empty cache) and vectors per second.  The design is the RTL
backend's output for the demo model when ``trigc.compiler.backends.rtl`` exists and
``--rtl-dir`` is not given; otherwise (or with ``--synthetic``) a synthetic pipelined
16-64-32-32-5 MLP written here, with its IR, so the outputs are still checked bit for bit.

    .venv/bin/python bench/rtl_sim_speed.py [--vectors 1000000] [--cocotb-vectors 1000]
        [--rtl-dir DIR --ir-json FILE] [--synthetic] [--no-icarus]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType, smallest_type
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.ops import get_op
from trigc.compiler.ir.ops.base import Interval
from trigc.compiler.ir.serialize import load_graph, save_graph

LAYERS = (16, 64, 32, 32, 5)
INPUT_TYPE = FixedType.parse("fixed<16,6>")
WEIGHT_TYPE = FixedType.parse("fixed<6,1>")
BIAS_TYPE = FixedType.parse("fixed<10,3>")
ACT_TYPE = FixedType.parse("ufixed<8,3,TRN,SAT>")
REFERENCE_VECTORS = 100_000  # the IR executor is slower than the RTL: check a prefix


def _const(values: np.ndarray) -> str:
    """A signed Verilog literal wide enough for ``values`` (an integer)."""
    v = int(values)
    width = max(2, v.bit_length() + 1)
    return f"-{width}'sd{-v}" if v < 0 else f"{width}'sd{v}"


def synthetic_mlp(outdir: Path, layers: tuple[int, ...] = LAYERS, seed: int = 0) -> Graph:
    """Write ``rtl_manifest.json``, ``mlp.v`` and ``ir.json`` of a pipelined ReLU MLP.

    One register stage for the inputs and one per layer (latency ``len(layers) - 1``); every
    dense layer keeps its exact accumulator, every hidden ReLU requantizes to ufixed<8,3>.
    """
    rng = np.random.default_rng(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    x = Node("x", "input", (), Tensor("x", (layers[0],), INPUT_TYPE))
    nodes, v, prev = [x], [], x
    v += ["`default_nettype none", "module mlp (", "    input  wire clk,", "    input  wire rst,"]
    in_w = layers[0] * INPUT_TYPE.width
    v += ["    input  wire in_valid,", f"    input  wire [{in_w - 1}:0] in_data,"]
    ranges = {"x": Interval.of_type(INPUT_TYPE, (layers[0],))}
    body, names = [], []
    body.append(f"    reg [{in_w - 1}:0] s0;")
    body.append(f"    reg [{len(layers) - 1}:0] valid;")
    body.append("    always @(posedge clk) begin")
    body.append("        s0 <= in_data;")
    body.append(f"        valid <= rst ? {len(layers) - 1}'d0 : {{valid, in_valid}};")
    body.append("    end")
    src_w, src_signed = INPUT_TYPE.width, True
    names = [f"s0[{i * src_w + src_w - 1}:{i * src_w}]" for i in range(layers[0])]
    for li, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:], strict=True), start=1):
        w = rng.integers(-32, 32, size=(n_in, n_out)) * (rng.random((n_in, n_out)) > 0.2)
        b = rng.integers(-512, 512, size=(n_out,))
        consts = {"weight": Const(w, WEIGHT_TYPE), "bias": Const(b, BIAS_TYPE)}
        probe = Node(
            f"fc{li}", "dense", (prev.output.name,), Tensor(f"fc{li}", (n_out,), INPUT_TYPE), consts
        )
        r = get_op("dense").exact_range(probe, [ranges[prev.output.name]])
        acc_t = smallest_type(r.min, r.max, r.frac)
        dense = Node(
            f"fc{li}", "dense", (prev.output.name,), Tensor(f"fc{li}", (n_out,), acc_t), consts
        )
        nodes.append(dense)
        ranges[dense.output.name] = r
        last = li == len(layers) - 1
        aw, bias_shift = acc_t.width, r.frac - BIAS_TYPE.frac
        xs = [f"$signed({n})" if src_signed else f"$signed({{1'b0, {n}}})" for n in names]
        out_w = acc_t.width if last else ACT_TYPE.width
        body.append(f"    reg [{n_out * out_w - 1}:0] s{li};")
        for j in range(n_out):
            terms = [f"({_const(b[j])} <<< {bias_shift})"]
            terms += [f"{xs[i]} * {_const(w[i, j])}" for i in range(n_in) if w[i, j]]
            body.append(f"    wire signed [{aw - 1}:0] a{li}_{j} = " + " + ".join(terms) + ";")
            if not last:
                shift = r.frac - ACT_TYPE.frac
                relu = f"a{li}_{j}[{aw - 1}] ? {aw}'d0 : a{li}_{j} >> {shift}"
                body.append(f"    wire [{aw - 1}:0] q{li}_{j} = {relu};")
        body.append("    always @(posedge clk) begin")
        for j in range(n_out):
            lo = j * out_w
            if last:
                body.append(f"        s{li}[{lo + out_w - 1}:{lo}] <= a{li}_{j};")
            else:
                sat = (
                    f"q{li}_{j} > {aw}'d{ACT_TYPE.max_int} ? 8'd{ACT_TYPE.max_int} : q{li}_{j}[7:0]"
                )
                body.append(f"        s{li}[{lo + out_w - 1}:{lo}] <= {sat};")
        body.append("    end")
        if not last:
            relu = Node(
                f"relu{li}", "relu", (dense.output.name,), Tensor(f"relu{li}", (n_out,), ACT_TYPE)
            )
            nodes.append(relu)
            ranges[relu.output.name] = Interval.of_type(ACT_TYPE, (n_out,))
            prev = relu
        src_w, src_signed = out_w, False
        names = [f"s{li}[{j * out_w + out_w - 1}:{j * out_w}]" for j in range(n_out)]
    out_t = nodes[-1].output.type
    out_w = layers[-1] * out_t.width
    v += ["    output wire out_valid,", f"    output wire [{out_w - 1}:0] out_data", ");"]
    v += body
    v += [
        f"    assign out_valid = valid[{len(layers) - 1}];",
        f"    assign out_data = s{len(layers) - 1};",
    ]
    v += ["endmodule", "`default_nettype wire", ""]
    (outdir / "mlp.v").write_text("\n".join(v))
    graph = Graph("mlp", tuple(nodes), (nodes[-1].output.name,))
    save_graph(graph, outdir / "ir.json")
    manifest = {
        "top": "mlp",
        "latency_cycles": len(layers) - 1,
        "ii": 1,
        "clock_mhz": 200.0,
        "inputs": [
            {
                "name": "x",
                "shape": [layers[0]],
                "type": str(INPUT_TYPE),
                "width": INPUT_TYPE.width,
                "offset": 0,
            }
        ],
        "outputs": [
            {
                "name": nodes[-1].output.name,
                "shape": [layers[-1]],
                "type": str(out_t),
                "width": out_t.width,
                "offset": 0,
            }
        ],
        "in_width": in_w,
        "out_width": out_w,
        "files": ["mlp.v"],
    }
    (outdir / "rtl_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return graph


def _backend_design(workdir: Path) -> tuple[Path, Path] | None:
    """The RTL backend's output for the demo model, if the backend and the CLI can make it."""
    try:
        from trigc.compiler.backends.rtl import emit  # noqa: F401
    except ImportError:
        return None
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    model = repo / "models" / "demo" / "demo_tagger.keras"
    out = workdir / "demo"
    cli = [sys.executable, "-m", "trigc.compiler.cli", "compile", str(model), "-o", str(out)]
    cli += ["--backend", "rtl"]
    proc = subprocess.run([*cli, "--force"], capture_output=True, text=True, check=False)
    manifests = sorted(out.rglob("rtl_manifest.json"))
    irs = sorted(out.rglob("ir.json"))
    if proc.returncode != 0 or not manifests or not irs:
        print(
            f"(RTL backend present but `trigc compile` gave no RTL: {proc.stderr.strip()[-300:]})"
        )
        return None
    return manifests[0].parent, irs[0]


def _child_cpu() -> float:
    """CPU seconds used by finished child processes (immune to other load on the machine)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} vectors/s ({n:,} in {seconds:.2f} s)"


def main() -> None:
    """Build from an empty cache, then time the bulk harness and cocotb."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vectors", type=int, default=1_000_000)
    parser.add_argument("--cocotb-vectors", type=int, default=1000)
    parser.add_argument("--rtl-dir", type=Path)
    parser.add_argument("--ir-json", type=Path)
    parser.add_argument("--synthetic", action="store_true", help="use the synthetic MLP")
    parser.add_argument("--no-icarus", action="store_true")
    parser.add_argument("--skip-cocotb", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trigc-bench-") as tmp:
        work = Path(tmp)
        os.environ["TRIGC_SIM_CACHE"] = str(work / "cache")  # measure builds from scratch
        from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
        from trigc.sim import bulk, runner

        if args.rtl_dir:
            rtl_dir, ir_json, what = args.rtl_dir, args.ir_json, f"given RTL {args.rtl_dir}"
        else:
            design = None if args.synthetic else _backend_design(work)
            if design:
                (rtl_dir, ir_json), what = design, "RTL backend, demo model"
            else:
                synthetic_mlp(work / "mlp")
                rtl_dir, ir_json = work / "mlp", work / "mlp" / "ir.json"
                what = "synthetic pipelined MLP " + "-".join(map(str, LAYERS))
        manifest = load_rtl_manifest(rtl_dir)
        graph = load_graph(ir_json)
        print(
            f"design: {what}; top {manifest.top}, latency {manifest.latency_cycles}, "
            f"in_data {manifest.in_width} bits, out_data {manifest.out_width} bits"
        )
        print(f"cpus: {os.cpu_count()}")

        build = bulk.build_harness(rtl_dir)
        print(
            f"bulk harness build (Verilator -O3, make -j{bulk.BUILD_JOBS}): {build.seconds:.1f} s"
        )
        rng = np.random.default_rng(0)
        inputs = [
            rng.integers(
                p.type.min_int, p.type.max_int, size=(args.vectors, *p.shape), endpoint=True
            )
            for p in manifest.inputs
        ]
        for jobs in (1, 2):
            start, cpu0 = time.perf_counter(), _child_cpu()
            outputs = bulk.run_rtl(rtl_dir, inputs, jobs=jobs)
            seconds, cpu = time.perf_counter() - start, _child_cpu() - cpu0
            print(
                f"bulk run_rtl, {jobs} process(es): {_rate(args.vectors, seconds)}; "
                f"harness CPU {args.vectors / cpu:,.0f} vectors/s per core"
            )
        checked = min(args.vectors, REFERENCE_VECTORS)
        start = time.perf_counter()
        reference = run_int(graph, *(x[:checked] for x in inputs))
        ref_seconds = time.perf_counter() - start
        exact = all(
            np.array_equal(o[:checked], reference[p.name])
            for o, p in zip(outputs, manifest.outputs, strict=True)
        )
        print(f"IR executor (reference): {_rate(checked, ref_seconds)}")
        print(f"bulk outputs bit-exact on the first {checked:,} vectors: {exact}")
        if args.skip_cocotb:
            return

        sims = ["verilator"] + ([] if args.no_icarus else ["icarus"])
        for sim in sims:
            _, seconds, _ = runner.build_simulation(rtl_dir, sim)
            print(f"cocotb {sim} build: {seconds:.1f} s")
            runs = []
            base = args.cocotb_vectors if sim == "verilator" else args.cocotb_vectors // 8
            for n in (base, 4 * base):
                result = runner.run_protocol_tests(rtl_dir, ir_json, sim, n, tests=["back_to_back"])
                runs.append((result.vectors, result.run_seconds))
            (n1, t1), (n2, t2) = runs
            print(
                f"cocotb {sim} back_to_back: {_rate(n2, t2)} incl. start-up; "
                f"marginal {(n2 - n1) / (t2 - t1):,.0f} vectors/s, start-up+reset "
                f"{t1 - n1 * (t2 - t1) / (n2 - n1):.2f} s"
            )


if __name__ == "__main__":
    main()
