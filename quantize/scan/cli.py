"""``trigc scan SCAN.yaml``: the command line of :mod:`trigc.scan` (no TensorFlow or Dask
import until a scan runs)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_scan_parser(subparsers: Any) -> argparse.ArgumentParser:
    s = subparsers.add_parser(
        "scan",
        help="design-space scan on Dask: bits, sparsity, clock vs accuracy, resources, latency",
    )
    s.add_argument("spec", type=Path, help="scan.yaml (data, model, training, axes, budget)")
    s.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="results folder (default: SPEC without .yaml)",
    )
    s.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: cores)"
    )
    s.add_argument(
        "--retry-failed", action="store_true", help="run points that failed before again"
    )
    where = s.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://host:8786",
    )
    where.add_argument(
        "--jobqueue",
        choices=("htcondor", "slurm"),
        default=None,
        help="submit workers to a batch system through dask-jobqueue (settings: the spec's "
        "'jobqueue')",
    )
    return s


def cmd_scan(args: argparse.Namespace) -> int:
    from . import Engine, format_table, run

    if args.workers is not None and args.workers < 1:
        from trigc.compiler.errors import TrigcError

        raise TrigcError(f"--workers {args.workers}: give at least 1")
    out = args.output or args.spec.with_suffix("")
    engine = Engine(args.workers, args.scheduler, args.jobqueue)
    result = run(args.spec, out, engine, retry_failed=args.retry_failed)
    print(format_table(result.records))
    print(f"results: {out / 'results.csv'}, {out / 'results.parquet'}, {out / 'index.html'}")
    return 1 if result.failed else 0
