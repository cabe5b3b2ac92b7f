"""Events per second of the C++ emulator next to the IR executor and hls4ml's C simulation.

Run::

    .venv/bin/python bench/emu_speed.py [--model models/jet_tagger/jet_tagger_q6_pruned.keras]
        [--events 2000000]

The model is compiled with ``--backend hls,emu``.  Every figure is single-threaded, on the
same random input mantissas, and every representation's outputs are checked equal to the IR
executor's before its time counts.  Printed, in events per second:

* the emulator called from C++ (a timing loop compiled against the header, batches of
  1,000 events and, as a trigger emulator in an event loop might call it, one event per call),
  built as ``trigc.emu`` builds it (``-O3 -march=native``) and portably (``-O2``);
* the emulator through ``trigc.emu`` (ctypes + NumPy, batches of ``--events``);
* the IR executor (NumPy);
* the hls4ml C simulation (``ap_fixed``, through trigc's C simulation binding).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trigc import emu
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.hls.csim import HlsCSim
from trigc.compiler.ir.executor import run_int
from trigc.compiler.project import CompileOptions, compile_project

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "jet_tagger" / "jet_tagger_q6_pruned.keras"

TIMING_LOOP = r"""
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_model.hpp"

namespace m = bench_model;

int main(int argc, char** argv) {
  const std::size_t n = std::strtoull(argv[1], nullptr, 10);
  const std::size_t batch = std::strtoull(argv[2], nullptr, 10);
  std::vector<std::int64_t> in(n * m::kInputSize), out(n * m::kOutputSize);
  std::FILE* f = std::fopen(argv[3], "rb");
  if (std::fread(in.data(), sizeof(std::int64_t), in.size(), f) != in.size()) return 1;
  std::fclose(f);
  double best = 1e30;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t e = 0; e < n; e += batch) {
      m::predict_int(&in[e * m::kInputSize], &out[e * m::kOutputSize], batch);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (took.count() < best) best = took.count();
  }
  f = std::fopen(argv[4], "wb");
  std::fwrite(out.data(), sizeof(std::int64_t), out.size(), f);
  std::fclose(f);
  std::printf("%.6f\n", best);
  return 0;
}
"""


def _best(seconds: list[float]) -> float:
    return min(seconds)


def _timed(run, repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return _best(times), result


def _cpp_rate(
    emu_dir: Path, work: Path, x: np.ndarray, want: np.ndarray, batch: int, flags: list[str]
) -> float:
    source = work / "timing.cpp"
    source.write_text(TIMING_LOOP)
    exe = work / f"timing{'_'.join(flags)}"
    args = ["g++", "-std=c++17", *flags, "-I", str(emu_dir), str(source), "-o", str(exe)]
    subprocess.run(args, check=True)
    n = len(x) - len(x) % batch
    x[:n].astype(np.int64).tofile(work / "in.bin")
    done = subprocess.run(
        [str(exe), str(n), str(batch), str(work / "in.bin"), str(work / "out.bin")],
        check=True,
        capture_output=True,
        text=True,
    )
    got = np.fromfile(work / "out.bin", dtype=np.int64).reshape(n, -1)
    if not np.array_equal(got, want[:n]):
        sys.exit(f"the emulator's timing loop ({flags}, batch {batch}) differs from the IR")
    return n / float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--csim-events", type=int, default=50_000)
    parser.add_argument("--ir-events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        options = CompileOptions(
            backends=("hls", "emu"), backend=BackendOptions(project_name="bench_model")
        )
        project = compile_project(args.model, work / "project", options)
        graph = project.graph
        t = graph.inputs[0].output.type
        rng = np.random.default_rng(0)
        x = rng.integers(t.min_int, t.max_int, (args.events, graph.inputs[0].output.size),
                         endpoint=True)  # fmt: skip
        name = graph.outputs[0]

        ir_n = min(args.ir_events, len(x))
        ir_s, ir_out = _timed(lambda: run_int(graph, x[:ir_n])[name], repeats=2)
        want_full = run_int(graph, x)[name].reshape(len(x), -1)

        model = emu.load(project)
        py_s, got = _timed(lambda: model.predict_int(x))
        if not np.array_equal(got, want_full):
            sys.exit("the emulator (trigc.emu) differs from the IR executor")

        rows = []
        emu_dir = project.backend_dir("emu")
        for label, flags in (
            ("-O3 -march=native", ["-O3", "-march=native"]),
            ("-O2 (portable)", ["-O2"]),
        ):
            for batch in (1000, 1):
                rate = _cpp_rate(emu_dir, work, x, want_full, batch, flags)
                rows.append((f"emulator, C++ {label}, {batch} event(s)/call", rate))
        rows.append(("emulator via trigc.emu (ctypes)", len(x) / py_s))
        rows.append(("IR executor (NumPy)", ir_n / ir_s))

        csim = HlsCSim(project.backend_dir("hls"), graph)
        csim.build()
        cs_n = min(args.csim_events, len(x))
        cs_s, cs_out = _timed(lambda: csim.predict_int([x[:cs_n]])[0], repeats=1)
        if not np.array_equal(np.asarray(cs_out).reshape(cs_n, -1), want_full[:cs_n]):
            sys.exit("the hls4ml C simulation differs from the IR executor")
        rows.append(("hls4ml C simulation (ap_fixed)", cs_n / cs_s))

    print(f"model: {args.model.name}, {len(x):,} events, one thread; all outputs equal to the IR")
    for label, rate in rows:
        print(f"  {label:<52} {rate / 1e6:10.3f} M events/s")


if __name__ == "__main__":
    main()
