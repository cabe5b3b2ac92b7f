"""The scan's results as a table (CSV, Parquet, JSON) and its Pareto fronts."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

COLUMNS = (
    "label", "status", "weight_bits", "activation_bits", "sparsity", "clock_mhz", "backend",
    "accuracy", "auc", "keras_accuracy", "sparsity_achieved", "lut", "ff", "dsp",
    "latency_cycles", "latency_ns", "ii", "fmax_mhz", "budget_passed", "seconds", "error",
    "folder", "report",
)  # fmt: skip


def pareto(records: list[dict[str, Any]], cost: str) -> list[int]:
    """Indices of the successful points not dominated in (higher accuracy, lower ``cost``),
    by increasing cost."""
    ok = [
        (r[cost], -r["accuracy"], i)
        for i, r in enumerate(records)
        if r.get("status") == "ok" and r.get(cost) is not None
    ]
    front, best = [], float("-inf")
    for _cost, neg_acc, i in sorted(ok):
        if -neg_acc > best:
            front.append(i)
            best = -neg_acc
    return front


def write_table(records: list[dict[str, Any]], out: Path) -> list[Path]:
    """``results.csv``, ``results.parquet`` and ``results.json`` in ``out``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{c: r.get(c) for c in COLUMNS} for r in records]
    fronts = {"lut": pareto(records, "lut"), "latency_ns": pareto(records, "latency_ns")}
    for name, front in fronts.items():
        for i, row in enumerate(rows):
            row[f"pareto_{name}"] = i in front
    csv_path, parquet_path, json_path = (out / f"results.{s}" for s in ("csv", "parquet", "json"))
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    pq.write_table(pa.Table.from_pylist(rows), parquet_path)
    json_path.write_text(json.dumps({"points": rows}, indent=1, sort_keys=True))
    return [csv_path, parquet_path, json_path]


def format_table(records: list[dict[str, Any]]) -> str:
    """The results as aligned text, the Pareto points (accuracy vs LUT) starred."""
    front = set(pareto(records, "lut"))
    lines = [
        f"{'point':<28} {'status':<7} {'acc':>7} {'AUC':>7} {'LUT':>8} {'FF':>7} "
        f"{'ns':>6} {'budget':>6}"
    ]
    for i, r in enumerate(records):
        star = "*" if i in front else " "
        if r.get("status") != "ok":
            lines.append(f"{r.get('label', '?'):<28} failed  {r.get('error', '')[:60]}")
            continue
        latency = "-" if r["latency_ns"] is None else f"{r['latency_ns']:.1f}"
        lines.append(
            f"{r['label']:<27}{star} {'ok':<7} {r['accuracy']:7.4f} {r['auc']:7.4f} "
            f"{r['lut']:8.0f} {r['ff']:7.0f} {latency:>6} "
            f"{'pass' if r['budget_passed'] else 'FAIL':>6}"
        )
    return "\n".join(lines)
