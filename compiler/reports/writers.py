"""``report.json`` and ``report.md``, and :func:`write_report`, which writes all three files."""

from __future__ import annotations

import json
from pathlib import Path

from ..devices import RESOURCES
from .cells import LAYER_RESOURCES, check_cells, fmt_number, verdict
from .html import to_html
from .model import Implementation, Report

EXTRA_RESOURCES = ("carry", "muxf")


def to_json_text(report: Report) -> str:
    """The ``report.json`` text (sorted keys, stable)."""
    return json.dumps(report.to_json(), indent=1, sort_keys=True) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]


def _implementation_md(impl: Implementation, report: Report) -> list[str]:
    lines = [f"## {impl.backend}: {verdict(impl.passed)}", "", f"Method: {impl.method}.", ""]
    rows = [[*check_cells(c, report), c.verdict] for c in impl.checks]
    lines += _table(["Budget line", "Value", "Limit", "Margin", "Verdict"], rows)
    summary = [
        f"latency {fmt_number(impl.latency_cycles)} cycles",
        f"II {fmt_number(impl.ii)}",
        f"Fmax {fmt_number(impl.fmax_mhz, 1)} MHz",
    ]
    if impl.design_clock_mhz:
        summary.append(f"pipelined for {fmt_number(impl.design_clock_mhz, 1)} MHz")
    if impl.logic_levels is not None:
        summary.append(f"logic depth {impl.logic_levels} (ltp)")
    extra = [
        f"{r.upper()} {fmt_number(impl.resources[r])}"
        for r in EXTRA_RESOURCES
        if r in impl.resources
    ]
    lines += ["", "Timing: " + ", ".join(summary) + "."]
    if extra:
        lines.append("Other cells: " + ", ".join(extra) + ".")
    if impl.critical_path:
        lines.append("Worst path: " + " -> ".join(impl.critical_path) + ".")
    if impl.layers:
        lines += ["", "Per layer:", ""]
        header = ["Layer", "Op", "Module", *LAYER_RESOURCES, "Latency (cycles)", "Delay (ns)"]
        rows = [
            [
                layer.name,
                layer.op,
                layer.module or "-",
                *(fmt_number(layer.resources.get(r.lower())) for r in LAYER_RESOURCES),
                fmt_number(layer.latency_cycles),
                fmt_number(layer.delay_ns),
            ]
            for layer in impl.layers
        ]
        lines += _table(header, rows)
    if impl.notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in impl.notes]
    return lines + [""]


def to_markdown(report: Report) -> str:
    """The ``report.md`` text."""
    b, d = report.budget, report.device
    lines = [
        f"# trigc report: {report.model}: {verdict(report.passed)}",
        "",
        f"Project `{report.project}`, trigc {report.trigc_version}.",
        f"Budget **{b.name}** ({b.origin}): {b.description or 'no description'}.",
        f"Budget source: {b.source or 'not given'}.",
        f"Device **{d.name}** ({d.family_name}): "
        + ", ".join(f"{r.upper()} {d.total(r):,}" for r in RESOURCES)
        + f"; {d.source}.",
        "",
    ]
    lines += [f"- {note}" for note in report.notes] + ([""] if report.notes else [])
    for impl in report.implementations:
        lines += _implementation_md(impl, report)
    lines += ["## Layers (IR)", ""]
    rows = [
        [
            layer.name,
            layer.op,
            "x".join(map(str, layer.shape)),
            layer.type,
            layer.weight_type or "-",
            fmt_number(layer.weights) if layer.weights else "-",
            f"{layer.sparsity:.1%}" if layer.sparsity is not None else "-",
        ]
        for layer in report.layers
    ]
    lines += _table(["Layer", "Op", "Shape", "Type", "Weight type", "Weights", "Zeros"], rows)
    return "\n".join(lines) + "\n"


def write_report(report: Report, outdir: Path) -> list[Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``outdir``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files = {
        "report.json": to_json_text(report),
        "report.md": to_markdown(report),
        "report.html": to_html(report),
    }
    for name, text in files.items():
        (outdir / name).write_text(text)
    return [outdir / name for name in files]
