"""Bulk RTL simulation throughput: trigc's Verilator harness next to da4ml 0.6's own binding.

The network (default: the demo tagger) is compiled by trigc; both tools then build their own
Verilog of it (``with_rnd``: RND_CONV rounding as RND where the model has it, the function da4ml
can express; see ``bench/vs_da4ml.py``) and simulate it in Verilator on the same random input
vectors:

- trigc: ``trigc.sim.bulk.run_rtl`` (one harness process per shard, II=1 back to back, with
  the in_valid/out_valid latency checked on every edge), with 1 and 2 processes;
- da4ml: ``RTLModel(...).compile()`` then ``.predict(x, n_threads=...)`` (OpenMP threads over
  batches), with 1 and 2 threads.

Printed: each build's seconds and each run's vectors per second; the outputs of the two
designs are compared with each other and with trigc's IR executor, as integers.

Setup: ``.venv/bin/pip install -c constraints.txt -e '.[bench]'`` (da4ml).

    .venv/bin/python bench/bulk_throughput.py [--model models/demo/demo_tagger.keras]
        [--vectors 2000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from vs_da4ml import da4ml_trace, with_rnd  # noqa: E402

from trigc.compiler.backends import BackendOptions  # noqa: E402
from trigc.compiler.backends.rtl import emit  # noqa: E402
from trigc.compiler.ir.executor import run_int  # noqa: E402
from trigc.compiler.project import CompileOptions, compile_project  # noqa: E402
from trigc.compiler.vectors.stimuli import make_vectors  # noqa: E402
from trigc.sim.bulk import build_harness, run_rtl  # noqa: E402
from trigc.sim.verilator import find_verilator  # noqa: E402

CHECKED = 20_000  # vectors also run through the IR executor


def best_rate(run, vectors: int, repeat: int) -> tuple[float, np.ndarray]:
    """The best vectors per second over ``repeat`` runs, and the last outputs."""
    best, out = 0.0, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        best = max(best, vectors / (time.perf_counter() - start))
    assert out is not None
    return best, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models/demo/demo_tagger.keras")
    parser.add_argument("--vectors", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock-mhz", type=float, default=200.0)
    args = parser.parse_args()
    try:
        from da4ml.codegen import RTLModel
        from da4ml.trace import to_pipeline
    except ImportError:
        sys.exit("da4ml is not installed: .venv/bin/pip install -c constraints.txt -e '.[bench]'")

    with tempfile.TemporaryDirectory(prefix="trigc-bulk-") as tmp:
        out = Path(tmp)
        backend = BackendOptions(project_name="bulk", clock_period_ns=1000.0 / args.clock_mhz)
        project = compile_project(
            args.model, out / "trigc", CompileOptions(backends=(), backend=backend), force=True
        )
        graph = with_rnd(project.graph)
        (inp,), (out_name,) = graph.inputs, graph.outputs
        out_type = graph.tensor(out_name).type
        x, _ = make_vectors(graph, args.vectors, seed=3)
        expected = run_int(graph, x[:CHECKED])[out_name].reshape(CHECKED, -1)
        print(f"model {args.model.name}: {args.vectors:,} vectors, {os.cpu_count()} CPUs")

        rtl_dir = out / "trigc_rtl"
        emit(
            graph,
            BackendOptions(project_name="bulk", clock_period_ns=backend.clock_period_ns),
            rtl_dir,
        )
        start = time.perf_counter()
        built = build_harness(rtl_dir)
        print(
            f"trigc harness build: {time.perf_counter() - start:.1f} s"
            + (" (cached)" if built.cached else "")
        )
        trigc_out = None
        for jobs in (1, 2):
            rate, got = best_rate(
                lambda j=jobs: run_rtl(rtl_dir, [x], jobs=j)[0], args.vectors, args.repeat
            )
            trigc_out = got.reshape(len(x), -1)
            print(f"  trigc, {jobs} process{'es' if jobs > 1 else ''}: {rate:>12,.0f} vectors/s")
        assert trigc_out is not None
        trigc_ok = np.array_equal(trigc_out[:CHECKED], expected)

        _, comb = da4ml_trace(graph)
        total = float(max(comb.out_latency))
        cycles = len(to_pipeline(comb, total / 6, verbose=False).solutions)
        model = RTLModel(comb, "bulk_da4ml", out / "da4ml", latency_cutoff=total / 6)
        start = time.perf_counter()
        with find_verilator().environ():
            model.compile(o3=True)
        print(
            f"da4ml binding build (compile, o3): {time.perf_counter() - start:.1f} s, "
            f"{cycles} stages"
        )
        x_float = inp.output.type.to_float(x).reshape(len(x), -1)
        da4ml_out = None
        for threads in (1, 2):
            rate, got = best_rate(
                lambda t=threads: model.predict(x_float, n_threads=t), args.vectors, args.repeat
            )
            da4ml_out = np.round(np.ldexp(got.astype(np.float64), out_type.frac)).astype(np.int64)
            print(
                f"  da4ml, {threads} thread{'s' if threads > 1 else ''}: {rate:>12,.0f} vectors/s"
            )
        assert da4ml_out is not None
        print(
            f"trigc RTL = IR executor on the first {CHECKED:,}: {trigc_ok}; "
            f"trigc RTL = da4ml RTL on all {args.vectors:,}: "
            f"{bool(np.array_equal(trigc_out, da4ml_out))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
