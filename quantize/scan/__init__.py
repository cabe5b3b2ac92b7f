"""Design-space scans on Dask: bits, pruning and clock against accuracy, resources and latency.

:func:`run` (``trigc scan scan.yaml``) trains, compiles, synthesizes and measures every point
of a :class:`~.spec.ScanSpec` on a Dask cluster (local processes by default, an existing
scheduler, or HTCondor/SLURM through dask-jobqueue), caches each point's result, and writes the
table (CSV, Parquet, JSON) and a Pareto page.  ``spec.py`` reads the spec, ``point.py`` runs a
point, ``engine.py`` schedules and caches, ``results.py`` and ``html.py`` write the results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import Engine, run_points
from .html import to_html
from .results import format_table, pareto, write_table
from .spec import Point, ScanSpec, ScanSpecError, load_spec, parse_spec


@dataclass(frozen=True)
class ScanResult:
    records: list[dict[str, Any]]
    files: list[Path]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("status") != "ok"]


def run(
    spec: ScanSpec | Path | str,
    out: Path | str,
    engine: Engine | None = None,
    progress: Callable[[str], None] = print,
    retry_failed: bool = False,
) -> ScanResult:
    """Run (or resume) a scan into ``out``; returns every point's record and the files."""
    spec = spec if isinstance(spec, ScanSpec) else load_spec(spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = run_points(spec, out, engine, progress, retry_failed)
    files = write_table(records, out)
    page = out / "index.html"
    page.write_text(to_html(spec.name, spec.budget, records))
    return ScanResult(records, [*files, page])


__all__ = [
    "Engine",
    "Point",
    "ScanResult",
    "ScanSpec",
    "ScanSpecError",
    "format_table",
    "load_spec",
    "pareto",
    "parse_spec",
    "run",
]
