"""Wall time of one scan on 1 worker and on 2 workers (a Dask LocalCluster), and what a
200-point scan would cost on N batch slots; then the scan's table with its Pareto front.

Run::

    .venv/bin/python bench/scan_scaling.py [--hidden 64,32,32] [--epochs 4] [--max-jets 50000]
        [--weight-bits 4,6] [--sparsity 0.5,0.7,0.8,0.9] [--workers 1,2]

The default is the jet tagger's family (16-64-32-32-5 on the committed jets, quantized_bits
14,4 inputs) over 2 weight widths x 4 sparsities = 8 points.  Each run starts cold: its own
output folder and its own Yosys cache, so no run reuses another's synthesis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from trigc.scan import Engine, format_table, run


def _numbers(text: str, kind: type) -> list:
    return [kind(v) for v in text.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", default="64,32,32")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--max-jets", type=int, default=50_000)
    parser.add_argument("--weight-bits", default="4,6")
    parser.add_argument("--sparsity", default="0.5,0.7,0.8,0.9")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--keep", type=Path, default=None, help="keep the last scan here")
    args = parser.parse_args()
    spec = {
        "name": "jet-tagger-bits-sparsity",
        "model": {"hidden": _numbers(args.hidden, int), "input_bits": [14, 4]},
        "training": {"epochs": args.epochs, "batch_size": 512, "max_jets": args.max_jets},
        "axes": {
            "weight_bits": _numbers(args.weight_bits, int),
            "sparsity": _numbers(args.sparsity, float),
        },
        "budget": "cms-l1-240",
    }
    walls: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        spec_file = root / "scan.yaml"
        spec_file.write_text(yaml.safe_dump(spec))
        for workers in _numbers(args.workers, int):
            os.environ["TRIGC_YOSYS_CACHE"] = str(root / f"yosys-{workers}")
            out = args.keep if args.keep and workers == max(_numbers(args.workers, int)) else None
            out = out or root / f"scan-{workers}"
            start = time.perf_counter()
            result = run(spec_file, out, Engine(workers=workers), progress=print)
            walls[workers] = time.perf_counter() - start
            records = result.records
    points = len(records)
    per_point = statistics.mean(r["seconds"] for r in records)
    print()
    print(format_table(records))
    print()
    print(f"{points}-point scan, wall time:")
    base = walls[min(walls)]
    for workers, wall in walls.items():
        print(f"  {workers} worker(s): {wall:7.0f} s  (speed-up {base / wall:.2f}x)")
    print(f"mean time of one point (train, evaluate, compile, Yosys, report): {per_point:.0f} s")
    for slots in (10, 50, 200):
        rounds = -(-200 // slots)
        print(f"  200 points on {slots:>3} batch slots: about {rounds * per_point / 60:.0f} min")


if __name__ == "__main__":
    main()
