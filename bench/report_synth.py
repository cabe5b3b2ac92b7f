"""Time ``trigc report``'s Yosys step and print what it measures.

Usage (from the repository root)::

    .venv/bin/python bench/report_synth.py [PROJECT ...]

Without arguments it uses the hand-written ``tests/compiler/reports/data/tiny_mlp`` project.
Each project's ``rtl/`` is synthesized for UltraScale+ and 7 series into a fresh, temporary
cache (so the first run is a real Yosys run), then once more from that cache, and the analytic
HLS estimate of its graph is timed too.  Figures are printed, not asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from trigc.compiler.project import open_project
from trigc.compiler.reports.hls_estimate import estimate
from trigc.compiler.reports.rtl_figures import read_rtl_manifest
from trigc.compiler.reports.yosys import synthesize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "compiler" / "reports" / "data" / "tiny_mlp"


def bench(project_dir: Path) -> None:
    project = open_project(project_dir)
    manifest = read_rtl_manifest(project_dir / "rtl")
    files = [project_dir / "rtl" / f for f in manifest["files"] if f.endswith(".v")]
    print(f"{project.graph.name}: {len(project.graph.nodes)} nodes, {len(files)} Verilog file(s)")
    print(
        f"  {'family':<6} {'LUT':>8} {'FF':>8} {'DSP':>5} {'CARRY':>6} {'levels':>6} "
        f"{'Fmax est':>9} {'yosys s':>8} {'cached s':>8}"
    )
    for family in ("xcup", "xc7"):
        start = time.monotonic()
        result = synthesize(files, manifest["top"], family)
        first = time.monotonic() - start
        start = time.monotonic()
        synthesize(files, manifest["top"], family)
        again = time.monotonic() - start
        r = result.resources
        print(
            f"  {family:<6} {r['lut']:>8,.0f} {r['ff']:>8,.0f} {r['dsp']:>5,.0f} "
            f"{r['carry']:>6,.0f} {result.ltp_levels or 0:>6} {result.fmax_mhz:>8.0f}M "
            f"{first:>8.1f} {again:>8.2f}"
        )
    start = time.monotonic()
    est = estimate(project.graph, clock_period_ns=1000 / float(manifest["clock_mhz"]))
    r = est.resources
    print(
        f"  hls estimate: LUT {r['lut']:,.0f}, FF {r['ff']:,.0f}, DSP {r['dsp']:,.0f}, "
        f"latency {est.latency_cycles} cycles ({time.monotonic() - start:.3f} s)"
    )


def main(argv: list[str]) -> None:
    projects = [Path(a) for a in argv] or [DEFAULT]
    with tempfile.TemporaryDirectory(prefix="trigc-bench-cache-") as cache:
        os.environ["TRIGC_YOSYS_CACHE"] = cache
        for project in projects:
            bench(project)


if __name__ == "__main__":
    main(sys.argv[1:])
