"""trigc's RTL next to da4ml 0.6's for the same quantized network, through the same Yosys script.

Setup (da4ml is LGPL and used only here, never by trigc itself)::

    .venv/bin/pip install -c constraints.txt -e '.[bench]'     # or: pip install da4ml==0.6.0

Run::

    .venv/bin/python bench/vs_da4ml.py [--models demo,pruned,float16] [--model FILE
        [--precision 'fixed<16,6>']] [--clock-mhz 200] [--outdir DIR]

The bench models: ``demo`` (``models/demo/demo_tagger.keras``), ``pruned`` (the trained, pruned
6-bit jet tagger ``models/jet_tagger/jet_tagger_q6_pruned.keras``) and ``float16`` (the float
jet tagger ``models/jet_tagger/jet_tagger_float.keras`` at hls4ml's default ``fixed<16,6>``).

Each model is compiled with trigc.  Its IR gives the quantized weights, biases and
every tensor's type; the same network is traced with da4ml (``FixedVariableArrayInput``,
``quantize``, ``relu``, ``@``), solved (its cost-aware CMVM), pipelined with the latency cutoff
that gives the same number of cycles as trigc, and written as Verilog (``RTLModel``).  da4ml
rounds only TRN or RND: where the model rounds RND_CONV, both designs are also built with RND,
so the pair compared is the same function (da4ml's solution is checked against trigc's IR
executor, bit for bit, before synthesis).  All designs are synthesized with
``trigc.compiler.reports.yosys.synthesize`` (``synth_xilinx -family xcup``, out of context; results
cached).  Printed: LUT, FF, CARRY and latency in cycles of each design.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import emit
from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.graph import Graph, Node
from trigc.compiler.project import CompileOptions, compile_project, open_project
from trigc.compiler.reports.yosys import synthesize

REPO = Path(__file__).resolve().parents[1]
MODELS = {  # name -> (model file, precision of a float model)
    "demo": ("models/demo/demo_tagger.keras", None),
    "pruned": ("models/jet_tagger/jet_tagger_q6_pruned.keras", None),
    "float16": ("models/jet_tagger/jet_tagger_float.keras", "fixed<16,6>"),
}


def with_rnd(graph: Graph) -> Graph:
    """The graph with every RND_CONV rounding replaced by RND (what da4ml can express)."""
    nodes = []
    for node in graph.nodes:
        t = node.output.type
        if t.rounding == "RND_CONV":
            node = node.with_output_type(t.with_modes("RND", t.overflow))
        nodes.append(node)
    return graph.replace_nodes(nodes)


def da4ml_trace(graph: Graph):  # -> da4ml CombLogic
    """The IR network traced with da4ml: same weights, same types, same casts."""
    from da4ml.trace import FixedVariableArrayInput, comb_trace
    from da4ml.trace.ops import quantize, relu

    def cast(x, node: Node):
        t = node.output.type
        if t.rounding not in ("TRN", "RND") or t.overflow not in ("WRAP", "SAT"):
            raise SystemExit(f"da4ml cannot express the cast of {node.name!r} to {t}")
        k = int(t.signed)
        return quantize(x, k, t.integer - k, t.frac, t.overflow, t.rounding)

    (inp_node,) = graph.inputs
    inp = FixedVariableArrayInput(inp_node.output.shape)
    t = inp_node.output.type  # the input's own modes do not apply: its values are of its type
    k = int(t.signed)
    values = {inp_node.output.name: quantize(inp, k, t.integer - k, t.frac, "WRAP", "TRN")}
    for node in graph.nodes:
        if node.op == "input":
            continue
        (x,) = (values[name] for name in node.inputs)
        if node.op == "dense":
            w, b = node.consts["weight"], node.consts["bias"]
            y = x @ w.as_float() + b.as_float()
        elif node.op == "relu":
            y = relu(x)
        else:
            raise SystemExit(f"this bench handles dense and relu layers, not {node.op!r}")
        values[node.output.name] = cast(y, node)
    (out,) = graph.outputs
    return inp, comb_trace(inp, values[out])


def same_function(graph: Graph, comb, vectors: int = 20_000) -> bool:
    """Whether da4ml's solution (its own interpreter) equals trigc's IR executor, bit for bit."""
    from trigc.compiler.vectors.stimuli import make_vectors

    x, _ = make_vectors(graph, vectors, seed=1)
    (inp,), (out,) = graph.inputs, graph.outputs
    got = comb.predict(inp.output.type.to_float(x).reshape(len(x), -1))
    out_type = graph.tensor(out).type
    mantissas = np.ldexp(got, out_type.frac)  # exact: outputs are narrower than 53 bits
    expected = run_int(graph, x)[out].reshape(len(x), -1)
    return bool(np.array_equal(mantissas, np.round(mantissas))) and bool(
        np.array_equal(mantissas.astype(np.int64), expected)
    )


def da4ml_rtl(graph: Graph, cycles: int, outdir: Path) -> tuple[list[Path], str, int, float]:
    """da4ml's pipelined Verilog with ``cycles`` stages if a cutoff gives them (else nearest)."""
    from da4ml.codegen import RTLModel
    from da4ml.trace import to_pipeline

    _, comb = da4ml_trace(graph)
    print(f"da4ml solution = trigc IR executor on 20,000 vectors: {same_function(graph, comb)}")
    total = float(max(comb.out_latency))
    best = None
    for cutoff in np.linspace(total / (cycles + 2), total, 200):
        stages = len(to_pipeline(comb, float(cutoff), verbose=False).solutions)
        if best is None or abs(stages - cycles) < abs(best[1] - cycles):
            best = (float(cutoff), stages)
        if stages == cycles:
            break
    assert best is not None
    cutoff, stages = best
    name = "da4ml_" + graph.name.replace("-", "_")
    model = RTLModel(comb, name, outdir, latency_cutoff=cutoff, print_latency=False)
    model.write()
    src = outdir / "src"
    files = sorted(p for p in src.glob("*.v") if not p.stem.endswith("_wrapper"))
    text = "\n".join(f.read_text() for f in files)
    files += [f for f in sorted((src / "static").glob("*.v")) if f.stem in text]  # used only
    return files, name, stages, cutoff


def trigc_rtl(graph: Graph, clock_mhz: float, outdir: Path) -> tuple[list[Path], str, int]:
    """trigc's RTL for ``graph`` (its Verilog files, top module and latency in cycles)."""
    emit(graph, BackendOptions(project_name=graph.name, clock_period_ns=1000.0 / clock_mhz), outdir)
    manifest = load_rtl_manifest(outdir)
    return list(manifest.file_paths), manifest.top, manifest.latency_cycles


def main() -> None:
    """Compile, trace, synthesize both, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default=",".join(MODELS), help="bench models to compare")
    parser.add_argument("--model", type=Path, help="compare this model file instead")
    parser.add_argument("--precision", help="fixed-point type for a float --model")
    parser.add_argument("--clock-mhz", type=float, default=200.0)
    parser.add_argument("--outdir", type=Path, help="keep the designs here (default: temporary)")
    args = parser.parse_args()
    try:
        import da4ml  # noqa: F401
    except ImportError:
        sys.exit("da4ml is not installed: .venv/bin/pip install da4ml==0.6.0 (see the docstring)")
    if args.model is not None:
        cases = [(args.model.stem, args.model, args.precision)]
    else:
        unknown = sorted(set(args.models.split(",")) - set(MODELS))
        if unknown:
            sys.exit(f"unknown bench model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
        cases = [(name, REPO / MODELS[name][0], MODELS[name][1]) for name in args.models.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="trigc-vs-da4ml-") as tmp:
        for name, path, precision in cases:
            rows += compare(
                name, path, precision, args.clock_mhz, (args.outdir or Path(tmp)) / name
            )
    print(f"clock {args.clock_mhz:g} MHz; Yosys synth_xilinx -family xcup, out of context")
    print(f"{'model':<9} {'design':<26} {'cycles':>6} {'LUT':>8} {'FF':>8} {'CARRY':>7}")
    for row in rows:
        print(row)


def compare(name: str, path: Path, precision: str | None, clock_mhz: float, out: Path) -> list[str]:
    """Compile one model with trigc and da4ml at the same cycles; synthesize; table rows."""
    backend = BackendOptions(project_name=name, clock_period_ns=1000.0 / clock_mhz)
    config = None
    if precision is not None:
        config = config_from_dict({"Model": {"Precision": precision}}, f"--precision {precision}")
    options = CompileOptions(backends=(), backend=backend, precision=config)
    project = compile_project(path, out / "trigc", options, force=True)
    graph = open_project(project).graph
    designs: list[tuple[str, list[Path], str, int]] = []
    files, top, cycles = trigc_rtl(graph, clock_mhz, out / "trigc_rtl")
    designs.append(("trigc (model as is)", files, top, cycles))
    rnd = with_rnd(graph)
    if rnd != graph:
        files, top, cycles = trigc_rtl(rnd, clock_mhz, out / "trigc_rnd")
        designs.append(("trigc (RND_CONV -> RND)", files, top, cycles))
    start = time.perf_counter()
    files, top, stages, cutoff = da4ml_rtl(rnd, cycles, out / "da4ml")
    print(
        f"{name}: da4ml latency cutoff {cutoff:.2f} (its own delay units) gives {stages} "
        f"stages; trace, solve and write {time.perf_counter() - start:.1f} s"
    )
    designs.append(("da4ml 0.6.0" + (" (RND)" if rnd != graph else ""), files, top, stages))
    rows = []
    for design, files, top, cycles in designs:
        result = synthesize(files, top, "xcup", progress=lambda s: None)
        r = result.resources
        rows.append(
            f"{name:<9} {design:<26} {cycles:>6} {r['lut']:>8.0f} {r['ff']:>8.0f} "
            f"{r['carry']:>7.0f}{' (synthesis cached)' if result.cached else ''}"
        )
        print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    main()
