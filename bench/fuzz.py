"""Differential fuzzing campaign: N random valid models of every frontend, compiled and
verified; a subset also through the HLS C simulation, the RTL (Verilator), the C++ emulator
and cocotb, and ``--emu`` more models of every frontend through the emulator alone.

Prints, per frontend, the models drawn, how many were identical to the reference, refused
(by reason), declared inexact where trigc said the reference may round, and the failures
(mismatches, crashes, false declarations) with a one-line reproduction each.  Exit status 1
when anything failed.

    .venv/bin/python bench/fuzz.py --models 10000 --seed 1 [--workers 2] [--firmware 10]
        [--cocotb 2] [--emu 200] [--frontends keras,legacy,qonnx,torch,hgq] [--json results.json]

The share of each frontend is fixed (Keras 3 half, legacy Keras 2, QONNX and PyTorch ONNX
the rest, and HGQ proxy models a tenth more, through the emulator too); models are drawn by
the hypothesis strategies of ``tests/fuzz`` in tasks of at
most ``--chunk`` models, each task in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHARES = {"keras": 0.5, "legacy": 0.15, "qonnx": 0.25, "torch": 0.10, "hgq": 0.10}
"""Each frontend's share of ``--models`` (HGQ proxy models come on top of the others)."""
HGQ_BACKENDS = ("emu",)
"""HGQ models exist for their per-element types, which only the backends show: their
reference-only models also run through the emulator."""
FIRMWARE = ("hls", "rtl", "emu")


@dataclass(frozen=True)
class Task:
    frontend: str
    seed: int
    count: int
    backends: tuple[str, ...] = ()
    protocol_sims: tuple[str, ...] = ()


@dataclass
class Record:
    frontend: str
    backends: str  # "hls+rtl+emu", "emu" or "" (the reference and the IR only)
    status: str
    reason: str
    seconds: float
    compared: dict[str, tuple[int, int]]
    repro: str = ""


def run_task(task: Task) -> list[Record]:
    """Draw ``task.count`` models with ``task.seed`` and judge each (in a worker process)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: PLC0415

    from tests.fuzz.cases import FRONTENDS  # noqa: PLC0415
    from tests.fuzz.check import run_case  # noqa: PLC0415

    frontend = FRONTENDS[task.frontend]
    records: list[Record] = []

    @seed(task.seed)
    @settings(
        max_examples=task.count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(frontend.specs())
    def draw(spec) -> None:
        outcome = run_case(
            frontend.case(spec),
            backends=task.backends,
            protocol_sims=task.protocol_sims,
        )
        if outcome.status == "refused" and "hls4ml" in outcome.detail and "hls" in task.backends:
            # a documented limit of hls4ml: the other backends must still compile and match
            others = tuple(b for b in task.backends if b != "hls")
            outcome = run_case(
                frontend.case(spec), backends=others, protocol_sims=task.protocol_sims
            )
        repro = f"run_case({frontend.case.__name__}({spec!r}))" if outcome.failed else ""
        records.append(
            Record(
                task.frontend,
                "+".join(task.backends),
                outcome.status,
                outcome.reason,
                outcome.seconds,
                outcome.compared,
                repro,
            )
        )
        if task.frontend in ("keras", "legacy"):
            import keras  # noqa: PLC0415

            keras.backend.clear_session()

    draw()
    return records


def plan(
    models: int,
    seed: int,
    chunk: int,
    firmware: int,
    cocotb: int,
    frontends: tuple[str, ...] = tuple(SHARES),
    emu: int = 0,
) -> list[Task]:
    """Tasks of at most ``chunk`` models per frontend, seeds derived from ``seed`` (the same
    whichever ``frontends`` are selected); the firmware models are Keras 3 models, ``cocotb``
    of them also through cocotb; ``emu`` models of every selected frontend (in the same shares)
    go through the C++ emulator."""
    tasks: list[Task] = []
    for k, (name, share) in enumerate(SHARES.items()):
        if name not in frontends:
            continue
        total = round(models * share)
        for start in range(0, total, chunk):
            task_seed = seed * 1000 + k * 100 + start // chunk
            backends = HGQ_BACKENDS if name == "hgq" else ()
            tasks.append(Task(name, task_seed, min(chunk, total - start), backends))
    if firmware - cocotb > 0:
        tasks.append(Task("keras", seed * 1000 + 900, firmware - cocotb, FIRMWARE))
    if cocotb > 0:
        tasks.append(Task("keras", seed * 1000 + 901, cocotb, FIRMWARE, ("verilator",)))
    for k, (name, share) in enumerate(SHARES.items()):
        total = round(emu * share) if name in frontends else 0
        for start in range(0, total, chunk):
            task_seed = seed * 1000 + 500 + k * 100 + start // chunk
            tasks.append(Task(name, task_seed, min(chunk, total - start), ("emu",)))
    # the long firmware tasks first, so that the workers finish together
    return sorted(tasks, key=lambda t: (not t.backends, t.frontend != "keras"))


def summarize(records: list[Record], seconds: float, workers: int) -> str:
    lines = [f"{len(records)} models in {seconds:.0f} s on {workers} worker(s)"]
    by_frontend: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_frontend[r.frontend + (f" +{r.backends}" if r.backends else "")].append(r)
    header = f"  {'frontend':<18}{'models':>8}{'ok':>8}{'declared':>10}{'refused':>9}"
    lines.append(header + f"{'failed':>8}{'s/model':>9}")
    for name, rows in sorted(by_frontend.items()):
        status = Counter(r.status for r in rows)
        declared = sum(1 for r in rows if r.status == "ok" and r.reason)
        failed = sum(status[s] for s in ("mismatch", "crash", "false-declaration"))
        mean = sum(r.seconds for r in rows) / len(rows)
        lines.append(
            f"  {name:<18}{len(rows):>8}{status['ok'] - declared:>8}{declared:>10}"
            f"{status['refused']:>9}{failed:>8}{mean:>9.2f}"
        )
    compared: Counter[str] = Counter()
    for r in records:
        for rep, (_same, total) in r.compared.items():
            compared[rep] += total
    lines.append(
        "  vectors compared: " + ", ".join(f"{k} {v}" for k, v in sorted(compared.items()))
    )
    refusals = Counter((r.frontend, r.reason) for r in records if r.status == "refused")
    if refusals:
        lines.append("refusals by reason:")
        lines += [f"  {n:>5}  {fe}: {reason}" for (fe, reason), n in refusals.most_common()]
    declared_reasons = Counter(r.frontend for r in records if r.status == "ok" and r.reason)
    if declared_reasons:
        lines.append(
            "declared inexact (the reference rounds where trigc said it may): "
            + ", ".join(f"{fe} {n}" for fe, n in sorted(declared_reasons.items()))
        )
    failures = [r for r in records if r.status in ("mismatch", "crash", "false-declaration")]
    lines.append(f"failures: {len(failures)}")
    for r in failures:
        lines.append(f"  {r.status} ({r.frontend}): {r.reason}")
        lines.append(f"    {r.repro}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=1000, help="models without firmware")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=200, help="models per worker task")
    parser.add_argument("--firmware", type=int, default=10, help="models also through hls+rtl+emu")
    parser.add_argument(
        "--emu", type=int, default=0, help="models (every frontend) also through the C++ emulator"
    )
    parser.add_argument("--cocotb", type=int, default=2, help="of those, also through cocotb")
    parser.add_argument("--json", type=Path, default=None, help="write every record here")
    parser.add_argument(
        "--frontends",
        default=",".join(SHARES),
        help="comma-separated subset of " + ", ".join(SHARES) + " (their share of --models)",
    )
    args = parser.parse_args()
    frontends = tuple(f.strip() for f in args.frontends.split(",") if f.strip())
    unknown = [f for f in frontends if f not in SHARES]
    if unknown:
        parser.error(f"unknown frontends {unknown}; valid: {', '.join(SHARES)}")
    tasks = plan(
        args.models, args.seed, args.chunk, args.firmware, args.cocotb, frontends, args.emu
    )
    start = time.perf_counter()
    records: list[Record] = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.workers, maxtasksperchild=1) as pool:
        for done, result in enumerate(pool.imap_unordered(run_task, tasks), 1):
            records += result
            failed = sum(r.status in ("mismatch", "crash", "false-declaration") for r in records)
            print(
                f"... {done}/{len(tasks)} tasks, {len(records)} models, {failed} failed, "
                f"{time.perf_counter() - start:.0f} s",
                flush=True,
            )
    seconds = time.perf_counter() - start
    print(summarize(records, seconds, args.workers))
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in records], indent=1))
    return 1 if any(r.status in ("mismatch", "crash", "false-declaration") for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
