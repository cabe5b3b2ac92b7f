"""``report.html``: one self-contained page, plots as inline SVG, no JavaScript, no links out."""

from __future__ import annotations

from html import escape

from ..devices import RESOURCES
from .cells import LAYER_RESOURCES, check_cells, fmt_number, verdict
from .model import Implementation, Report
from .svg import Row, bar_chart, nice_scale

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 .verdict, h2 .verdict { padding: 0.1em 0.5em; border-radius: 4px; color: white; }
.PASS { background: #2e7d32; } .FAIL { background: #c0392b; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.PASS, td.FAIL { color: white; font-weight: bold; }
.chart { display: block; margin: 1em 0; }
.note { color: #555; font-size: 13px; }
"""


def _row(cells: list[str], cls: list[str] | None = None) -> str:
    cls = cls or [""] * len(cells)
    tds = "".join(
        f'<td class="{c}">{escape(v)}</td>' if c else f"<td>{escape(v)}</td>"
        for v, c in zip(cells, cls, strict=True)
    )
    return f"<tr>{tds}</tr>"


def _table(header: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def resource_chart(impl: Implementation, report: Report) -> str:
    """Resources in % of the device, with the budget's share as a marker."""
    rows, largest = [], 0.0
    fractions = report.budget.resource_fractions
    failed = {c.unit for c in impl.checks if c.unit in RESOURCES and not c.passed}
    for r in RESOURCES:
        total = report.device.total(r)
        used = float(impl.resources.get(r, 0.0))
        pct = 100.0 * used / total if total else 0.0
        marker = 100.0 * fractions[r] if r in fractions else None
        largest = max(largest, pct, marker or 0.0)
        limit = f" of {fmt_number(fractions[r] * total)}" if r in fractions and total else ""
        text = f"{fmt_number(used)}{limit} ({pct:.2f} %)" if total else "none on device"
        rows.append(Row(r.upper(), (pct,), marker, r in failed, text))
    title = f"{impl.backend}: resources in % of {report.device.name} (dashes: budget)"
    return bar_chart(title, rows, "% of device", scale_max=nice_scale(largest))


def layer_charts(impl: Implementation, report: Report) -> list[str]:
    """Per-layer latency (or worst-path delay) and per-layer LUT/FF."""
    charts = []
    if not impl.layers:
        return charts
    if any(layer.latency_cycles is not None for layer in impl.layers):
        rows = [Row(layer.name, (float(layer.latency_cycles or 0.0),)) for layer in impl.layers]
        charts.append(bar_chart(f"{impl.backend}: latency per layer", rows, "cycles"))
    if any(layer.delay_ns is not None for layer in impl.layers):
        period = report.budget.clock_period_ns
        rows = [
            Row(layer.name, (float(layer.delay_ns or 0.0),), period, (layer.delay_ns or 0) > period)
            for layer in impl.layers
        ]
        clock = f"{report.budget.clock_mhz:g} MHz"
        title = f"{impl.backend}: worst path per layer (dashes: the {clock} period)"
        charts.append(bar_chart(title, rows, "ns"))
    rows = [
        Row(layer.name, (layer.resources.get("lut", 0.0), layer.resources.get("ff", 0.0)))
        for layer in impl.layers
    ]
    charts.append(bar_chart(f"{impl.backend}: LUT and FF per layer", rows, "", ("LUT", "FF")))
    return charts


def ir_charts(report: Report) -> list[str]:
    """Bit widths and weight sparsity per IR layer."""
    rows = [
        Row(layer.name, (float(layer.width), float(layer.weight_width or 0)))
        for layer in report.layers
    ]
    charts = [bar_chart("Bit widths per layer", rows, "bits", ("output", "weights"))]
    sparse = [
        Row(layer.name, (100.0 * layer.sparsity,), text=f"{layer.sparsity:.1%} zero")
        for layer in report.layers
        if layer.sparsity is not None
    ]
    if sparse:
        charts.append(bar_chart("Weight sparsity per layer", sparse, "% zero", scale_max=100.0))
    return charts


def _implementation_html(impl: Implementation, report: Report) -> str:
    v = verdict(impl.passed)
    parts = [
        f'<h2>{escape(impl.backend)} <span class="verdict {v}">{v}</span></h2>',
        f'<p class="note">{escape(impl.method)}</p>',
    ]
    rows = [
        _row([*check_cells(c, report), c.verdict], ["", "num", "num", "num", c.verdict])
        for c in impl.checks
    ]
    parts.append(_table(["Budget line", "Value", "Limit", "Margin", "Verdict"], rows))
    parts.append(resource_chart(impl, report))
    parts += layer_charts(impl, report)
    if impl.layers:
        header = ["Layer", "Op", "Module", *LAYER_RESOURCES, "Latency (cycles)", "Delay (ns)"]
        rows = [
            _row(
                [
                    layer.name,
                    layer.op,
                    layer.module or "-",
                    *(fmt_number(layer.resources.get(r.lower())) for r in LAYER_RESOURCES),
                    fmt_number(layer.latency_cycles),
                    fmt_number(layer.delay_ns),
                ],
                ["", "", ""] + ["num"] * (len(LAYER_RESOURCES) + 2),
            )
            for layer in impl.layers
        ]
        parts.append(_table(header, rows))
    if impl.critical_path:
        parts.append(f'<p class="note">Worst path: {escape(" → ".join(impl.critical_path))}</p>')
    parts += [f'<p class="note">{escape(note)}</p>' for note in impl.notes]
    return "\n".join(parts)


def to_html(report: Report) -> str:
    """The ``report.html`` text."""
    b, d = report.budget, report.device
    v = verdict(report.passed)
    head = (
        f"<h1>trigc report: {escape(report.model)} "
        f'<span class="verdict {v}">{v}</span></h1>'
        f"<p>Project <code>{escape(report.project)}</code>, trigc {escape(report.trigc_version)}. "
        f"Budget <b>{escape(b.name)}</b> ({escape(b.origin)}): {escape(b.description)}. "
        f"Device <b>{escape(d.name)}</b> ({escape(d.family_name)}).</p>"
        f'<p class="note">Budget source: {escape(b.source or "not given")}. '
        f"Device totals: {escape(d.source)}.</p>"
    )
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in report.notes)
    body = [head, notes]
    body += [_implementation_html(impl, report) for impl in report.implementations]
    body.append("<h2>Layers (IR)</h2>")
    body += ir_charts(report)
    rows = [
        _row(
            [
                layer.name,
                layer.op,
                "x".join(map(str, layer.shape)),
                layer.type,
                layer.weight_type or "-",
                f"{layer.sparsity:.1%}" if layer.sparsity is not None else "-",
            ]
        )
        for layer in report.layers
    ]
    body.append(_table(["Layer", "Op", "Shape", "Type", "Weight type", "Zeros"], rows))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>trigc report: {escape(report.model)}</title><style>{STYLE}</style></head>"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
