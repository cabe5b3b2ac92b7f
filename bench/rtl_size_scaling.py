"""The rtl backend's size guard and compile time against the number of non-zero weights.

Two parts:

1. **Estimate against Yosys** (``--accuracy``): for the reference models, the size guard's LUT
   estimate (:mod:`trigc.compiler.backends.rtl.size`) next to the LUTs Yosys maps the design to
   (``synth_xilinx -family xcup``, cached).
2. **Scaling**: 16-N-N-N-5 ReLU MLPs with random ``fixed<6,1>`` weights (half zero) at input
   ``fixed<16,6>``, N growing until the estimate passes the VU13P's LUTs.  For each: non-zero
   weights, the estimate, the size check's seconds, and the seconds to lower, schedule and print
   the design (``rtl.generate``), per thousand non-zero weights; and the time ``trigc compile``
   needs to refuse the first model too large for a VU13P.

    .venv/bin/python bench/rtl_size_scaling.py [--accuracy] [--max-width 1024]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import generate, load_rtl_manifest
from trigc.compiler.backends.rtl.size import estimate_size
from trigc.compiler.devices import find_device
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.reports.yosys import synthesize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from rtl_resources import mlp as mlp_graph  # noqa: E402

ACCURACY_MODELS = {
    "demo tagger": REPO / "models/demo/demo_tagger.keras",
    "jet tagger q6 pruned": REPO / "models/jet_tagger/jet_tagger_q6_pruned.keras",
}


def accuracy(work: Path) -> None:
    print(f"{'model':<24} {'estimate':>10} {'yosys LUT':>10} {'ratio':>6}")
    for name, path in ACCURACY_MODELS.items():
        project = compile_project(
            path, work / name.replace(" ", "_"), CompileOptions(backends=("rtl",)), force=True
        )
        estimate = estimate_size(project.graph).luts
        manifest = load_rtl_manifest(project.backend_dir("rtl"))
        synth = synthesize(list(manifest.file_paths), manifest.top, "xcup")
        luts = int(synth.resources["lut"])
        print(f"{name:<24} {estimate:>10,} {luts:>10,} {estimate / max(luts, 1):>6.2f}")


def scaling(work: Path, max_width: int) -> None:
    vu13p = find_device("xcvu13p")
    print(
        f"\n{'layers':<22} {'nonzero w':>10} {'est. LUT':>11} {'check s':>8} "
        f"{'generate s':>10} {'s / 1k w':>8}"
    )
    width = 32
    while width <= max_width:
        graph = mlp_graph(0, (16, width, width, width, 5))
        nonzero = sum(
            int(np.count_nonzero(n.consts["weight"].values)) for n in graph.nodes if n.op == "dense"
        )
        start = time.perf_counter()
        estimate = estimate_size(graph).luts
        check = time.perf_counter() - start
        label = f"16-{width}-{width}-{width}-5"
        if estimate > vu13p.lut:
            print(f"{label:<22} {nonzero:>10,} {estimate:>11,} {check:>8.2f}  beyond the VU13P")
            refuse(work, width)
            return
        start = time.perf_counter()
        design = generate(graph, BackendOptions(project_name="mlp", part="xcvu13p"))
        seconds = time.perf_counter() - start
        del design
        print(
            f"{label:<22} {nonzero:>10,} {estimate:>11,} {check:>8.2f} {seconds:>10.1f} "
            f"{1000 * seconds / nonzero:>8.3f}"
        )
        width = int(width * 1.5)


def refuse(work: Path, width: int) -> None:
    """``trigc compile --backend rtl --part xcvu13p`` of a float Keras MLP of that width at
    ``fixed<16,6>``: the seconds until it refuses, TensorFlow's import included."""
    import keras  # noqa: PLC0415

    keras.utils.set_random_seed(0)
    layers = [keras.Input((16,))]
    for _ in range(3):
        layers += [keras.layers.Dense(width), keras.layers.Activation("relu")]
    model = keras.Sequential([*layers, keras.layers.Dense(5)], name="wide_mlp")
    path = work / "wide_mlp.keras"
    model.save(path)
    config = work / "config.yml"
    config.write_text("Model:\n  Precision: fixed<16,6>\n")
    command = [
        sys.executable,
        "-m",
        "trigc.compiler.cli",
        "compile",
        str(path),
        "--config",
        str(config),
        "--backend",
        "rtl",
        "--part",
        "xcvu13p",
        "-o",
        str(work / "wide"),
    ]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    print(
        f"\ntrigc compile of a float 16-{width}-{width}-{width}-5 at fixed<16,6> for the VU13P: "
        f"exit {proc.returncode} after {seconds:.1f} s"
    )
    print("  " + (proc.stderr.strip().splitlines() or ["(no message)"])[-1][:400])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--max-width", type=int, default=2048)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trigc-size-") as tmp:
        if args.accuracy:
            accuracy(Path(tmp))
        scaling(Path(tmp), args.max_width)
    return 0


if __name__ == "__main__":
    sys.exit(main())
