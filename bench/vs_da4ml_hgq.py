"""trigc next to da4ml on da4ml's own ground: an HGQ2 model, which da4ml traces itself.

    .venv/bin/python bench/vs_da4ml_hgq.py [--model models/jet_tagger/jet_tagger_hgq.keras]
        [--clock-mhz 200] [--outdir DIR]

trigc compiles the model (its own HGQ2 reader, per-element types, ``--backend rtl``); da4ml 0.6
traces the same file with ``da4ml.converter.trace_model`` in the hgq2 environment
(``bench/da4ml_hgq_trace.py``) and is pipelined to trigc's latency in cycles.  Both solutions
are run on the same 20,000 inputs (trigc's IR executor, da4ml's interpreter) and must agree bit
for bit; both designs go through the same Yosys script
(``trigc.compiler.reports.yosys.synthesize``, ``synth_xilinx -family xcup``, out of context).
Printed: LUT, FF, CARRY and cycles of each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from trigc.compiler import hgq_env
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.ir.executor import run_int
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.reports.yosys import synthesize
from trigc.compiler.vectors.stimuli import make_vectors

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--model", type=Path, default=REPO / "models/jet_tagger/jet_tagger_hgq.keras"
    )
    parser.add_argument("--clock-mhz", type=float, default=200.0)
    parser.add_argument("--outdir", type=Path)
    args = parser.parse_args()
    if not hgq_env.available("hgq2"):
        sys.exit("the hgq2 environment (hgq2, da4ml) is not installed: make install")
    with tempfile.TemporaryDirectory(prefix="trigc-vs-da4ml-hgq-") as tmp:
        out = args.outdir or Path(tmp)
        backend = BackendOptions(
            project_name=args.model.stem, clock_period_ns=1000 / args.clock_mhz
        )
        options = CompileOptions(backends=("rtl",), backend=backend)
        project = compile_project(args.model, out / "trigc", options, force=True)
        graph = project.graph
        manifest = load_rtl_manifest(project.path / "rtl")
        x, _ = make_vectors(graph, 20_000, seed=1)
        (inp,), (name,) = graph.inputs, graph.outputs
        np.save(out / "x.npy", inp.output.type.to_float(x))
        subprocess.run(
            [sys.executable, str(REPO / "bench/da4ml_hgq_trace.py"), str(args.model),
             str(out / "da4ml"), "--cycles", str(manifest.latency_cycles),
             "--x", str(out / "x.npy"), "--y", str(out / "y.npy")],
            env=hgq_env.environment("hgq2"), check=True,
        )  # fmt: skip
        da4ml = json.loads((out / "da4ml" / "da4ml.json").read_text())
        ir = graph.tensor(name).type.to_float(run_int(graph, x)[name]).reshape(len(x), -1)
        same = np.array_equal(ir, np.load(out / "y.npy").reshape(ir.shape))
        print(f"da4ml solution = trigc IR executor on {len(x):,} vectors: {same}")
        print(f"da4ml trace, solve and write: {da4ml['seconds']:.1f} s")
        designs = [
            ("trigc", list(manifest.file_paths), manifest.top, manifest.latency_cycles),
            ("da4ml 0.6.0", [Path(f) for f in da4ml["files"]], da4ml["top"], da4ml["stages"]),
        ]
        print(f"clock {args.clock_mhz:g} MHz; Yosys synth_xilinx -family xcup, out of context")
        print(f"{'design':<14} {'cycles':>6} {'LUT':>8} {'FF':>8} {'CARRY':>7}")
        for design, files, top, cycles in designs:
            r = synthesize(files, top, "xcup", progress=lambda s: None).resources
            print(
                f"{design:<14} {cycles:>6} {r['lut']:>8.0f} {r['ff']:>8.0f} {r['carry']:>7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
