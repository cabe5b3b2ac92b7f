"""Time to a verdict: ``trigc compile`` + ``trigc verify`` on a set of models, cold and warm.

Each model is compiled and verified twice through the CLI, as a user runs it: once with an
empty simulator cache (``TRIGC_SIM_CACHE`` pointing at a fresh folder: every Verilator
harness, cocotb build and C simulation library is built) and once again with that cache
(warm).  Printed: every phase the commands report (load, lower, passes, emit per backend, each
simulator build and run, cocotb) with its seconds, cold and warm, and each command's wall time.
Phases of ``verify`` run at the same time, so their seconds add up to more than its wall time.

    .venv/bin/python bench/time_to_verdict.py [--models demo,tagger-16-6,cnn,mlp-16-200x5-5]
        [--vectors 100000] [--json results.json]

Models:

- ``demo``: the pruned 6-bit jet tagger (``make demo``), rtl + hls;
- ``tagger-16-6``: the float 16-64-32-32-5 jet tagger at hls4ml's default ``fixed<16,6>``,
  rtl + hls;
- ``mlp-16-200x5-5`` (only when asked for: its C simulation alone builds for more than 7 min,
  g++ compiling hls4ml's 164k weights into the firmware): a 16-200-200-200-200-200-5 float MLP
  at ``fixed<16,6>`` (random weights): first the rtl backend, which the size guard refuses (far
  beyond any device), then the hls backend alone, verified by C simulation;
- ``cnn``: a small float CNN (8x8x1 → Conv2D(4, 3x3) → ReLU → MaxPool 2x2 → Dense(5)) at
  ``fixed<16,6>``, rtl + hls.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIGC = [sys.executable, "-m", "trigc.compiler.cli"]
CONFIG_16_6 = "Model:\n  Precision: fixed<16,6>\n  ReuseFactor: 1\n"
PHASE_LINE = re.compile(
    r"^\.\.\. \[\s*[\d.]+ s\] (?P<name>.+?): (?P<s>[\d.]+) s(?: \((?P<d>.+)\))?$"
)


@dataclass(frozen=True)
class Case:
    """A model and how it is compiled: ``refused`` backends are tried first and must fail."""

    name: str
    backends: str
    config: bool = False
    refused: str = ""


CASES = {
    "demo": Case("demo", "rtl,hls"),
    "tagger-16-6": Case("tagger-16-6", "rtl,hls", config=True),
    "mlp-16-200x5-5": Case("mlp-16-200x5-5", "hls", config=True, refused="rtl"),
    "cnn": Case("cnn", "rtl,hls", config=True),
}


DEFAULT = "demo,tagger-16-6,cnn"


@dataclass
class Run:
    """One command's wall seconds, exit status and the phases it printed."""

    wall: float
    status: int
    phases: list[tuple[str, float, str]] = field(default_factory=list)
    tail: str = ""


def model_file(name: str, work: Path) -> Path:
    """The model file of a case (built here with Keras for the generated ones)."""
    if name == "demo":
        return REPO / "models/jet_tagger/jet_tagger_q6_pruned.keras"
    if name == "tagger-16-6":
        return REPO / "models/jet_tagger/jet_tagger_float.keras"
    path = work / f"{name}.keras"
    if path.exists():
        return path
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: PLC0415

    keras.utils.set_random_seed(0)
    if name == "mlp-16-200x5-5":
        layers = [keras.Input((16,))]
        for _ in range(5):
            layers += [keras.layers.Dense(200), keras.layers.Activation("relu")]
        model = keras.Sequential([*layers, keras.layers.Dense(5)], name="mlp_16_200x5_5")
    elif name == "cnn":
        model = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(4, 3),
                keras.layers.Activation("relu"),
                keras.layers.MaxPooling2D(2),
                keras.layers.Flatten(),
                keras.layers.Dense(5),
            ],
            name="small_cnn",
        )
    else:
        raise SystemExit(f"unknown model {name!r}; known: {', '.join(CASES)}")
    model.save(path)
    return path


def run(args: list[str], cache: Path) -> Run:
    """Run a trigc command with ``cache`` as its simulator cache; its phases and wall time."""
    env = {**os.environ, "TRIGC_SIM_CACHE": str(cache), "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    proc = subprocess.run([*TRIGC, *args], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    phases = []
    for line in proc.stdout.splitlines():
        m = PHASE_LINE.match(line)
        if m:
            phases.append((m["name"], float(m["s"]), m["d"] or ""))
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
    return Run(wall, proc.returncode, phases, tail)


def verdict(case: Case, model: Path, work: Path, cache: Path, vectors: int) -> dict[str, Run]:
    """Compile (after the refused backends, if any) and verify one model."""
    project = work / f"{case.name}-project"
    common = ["-o", str(project), "--force"]
    if case.config:
        config = work / "fixed16_6.yml"
        config.write_text(CONFIG_16_6)
        common += ["--config", str(config)]
    runs: dict[str, Run] = {}
    if case.refused:
        refused = run(["compile", str(model), *common, "--backend", case.refused], cache)
        if refused.status != 2:
            raise SystemExit(
                f"{case.name}: --backend {case.refused} was not refused:\n{refused.tail}"
            )
        runs[f"refused {case.refused}"] = refused
    runs["compile"] = run(["compile", str(model), *common, "--backend", case.backends], cache)
    if runs["compile"].status != 0:
        raise SystemExit(f"{case.name}: compile failed:\n{runs['compile'].tail}")
    runs["verify"] = run(["verify", str(project), "--vectors", str(vectors)], cache)
    if runs["verify"].status != 0:
        raise SystemExit(f"{case.name}: verify failed:\n{runs['verify'].tail}")
    return runs


def print_table(name: str, cold: dict[str, Run], warm: dict[str, Run]) -> None:
    print(f"\n== {name}")
    print(f"   {'phase':<34} {'cold s':>8} {'warm s':>8}")
    for command, run_cold in cold.items():
        run_warm = warm[command]
        rows: dict[str, list[str]] = {}
        for column, run in ((0, run_cold), (1, run_warm)):
            for phase, seconds, detail in run.phases:
                cells = rows.setdefault(phase, [f"{'-':>8}", f"{'-':>8}"])
                cells[column] = f"{seconds:8.1f}" + (f" ({detail})" if detail else "")
        for phase, (c, w) in rows.items():
            print(f"   {command + ': ' + phase:<34} {c:<8} {w}")
        print(f"   {command + ' (wall)':<34} {run_cold.wall:8.1f} {run_warm.wall:8.1f}")
    total_cold = sum(r.wall for r in cold.values())
    total_warm = sum(r.wall for r in warm.values())
    print(f"   {'TOTAL (wall)':<34} {total_cold:8.1f} {total_warm:8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT, help="comma-separated cases")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in CASES:
            parser.error(f"unknown model {n!r}; known: {', '.join(CASES)}")
    figures = {}
    with tempfile.TemporaryDirectory(prefix="trigc-ttv-") as tmp:
        work = Path(tmp)
        for name in names:
            model = model_file(name, work)
            cache = work / f"{name}-cache"  # empty: cold
            cold = verdict(CASES[name], model, work, cache, args.vectors)
            warm = verdict(CASES[name], model, work, cache, args.vectors)
            print_table(name, cold, warm)
            figures[name] = {
                mode: {
                    cmd: {"wall": r.wall, "phases": [list(p) for p in r.phases]}
                    for cmd, r in runs.items()
                }
                for mode, runs in (("cold", cold), ("warm", warm))
            }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
