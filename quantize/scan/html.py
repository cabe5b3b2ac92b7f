"""The scan's HTML page: accuracy against LUTs and against latency, the Pareto front drawn,
every point linked to its report."""

from __future__ import annotations

import html
from typing import Any

from .results import pareto

WIDTH, HEIGHT, MARGIN = 520, 320, 50


def _scatter(records: list[dict[str, Any]], cost: str, title: str, unit: str) -> str:
    points = [
        (r[cost], r["accuracy"], r)
        for r in records
        if r.get("status") == "ok" and r.get(cost) is not None
    ]
    if not points:
        return f"<p>{html.escape(title)}: no successful points.</p>"
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_lo, x_hi = min(xs), max(xs) or 1.0
    y_lo, y_hi = min(ys), max(ys)
    x_span, y_span = (x_hi - x_lo) or max(x_hi, 1.0), (y_hi - y_lo) or 0.01

    def sx(v: float) -> float:
        return MARGIN + (v - x_lo) / x_span * (WIDTH - 2 * MARGIN)

    def sy(v: float) -> float:
        return HEIGHT - MARGIN - (v - y_lo) / y_span * (HEIGHT - 2 * MARGIN)

    front = [records[i] for i in pareto(records, cost)]
    line = " ".join(f"{sx(r[cost]):.1f},{sy(r['accuracy']):.1f}" for r in front)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">'
        f"{html.escape(title)}</text>",
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">{html.escape(unit)} '
        f"({x_lo:g} to {x_hi:g})</text>",
        f'<text x="14" y="{HEIGHT / 2}" transform="rotate(-90 14 {HEIGHT / 2})" '
        f'text-anchor="middle">accuracy ({y_lo:.3f} to {y_hi:.3f})</text>',
        f'<polyline class="pareto" points="{line}" fill="none" stroke="#c33" stroke-width="2"/>',
    ]
    for x, y, r in points:
        on_front = r in front
        parts.append(
            f'<a href="{html.escape(r["folder"])}/{html.escape(r["report"])}">'
            f'<circle class="point{" front" if on_front else ""}" cx="{sx(x):.1f}" '
            f'cy="{sy(y):.1f}" r="5" fill="{"#c33" if on_front else "#36c"}">'
            f"<title>{html.escape(r['label'])}: accuracy {y:.4f}, {x:g} {html.escape(unit)}"
            "</title></circle></a>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _row(r: dict[str, Any], fronts: set[int], i: int) -> str:
    if r.get("status") != "ok":
        return (
            f"<tr class='failed'><td>{html.escape(r.get('label', '?'))}</td>"
            f"<td colspan='8'>failed: {html.escape(str(r.get('error', '')))}</td></tr>"
        )
    latency = "-" if r["latency_ns"] is None else f"{r['latency_ns']:.1f}"
    link = f"{html.escape(r['folder'])}/{html.escape(r['report'])}"
    return (
        f"<tr{' class=front' if i in fronts else ''}><td><a href='{link}'>"
        f"{html.escape(r['label'])}</a></td><td>{r['accuracy']:.4f}</td><td>{r['auc']:.4f}</td>"
        f"<td>{r['lut']:.0f}</td><td>{r['ff']:.0f}</td><td>{r['dsp']:.0f}</td>"
        f"<td>{latency}</td><td>{r['sparsity_achieved']:.2f}</td>"
        f"<td>{'pass' if r['budget_passed'] else 'FAIL'}</td></tr>"
    )


def to_html(name: str, budget: str, records: list[dict[str, Any]]) -> str:
    fronts = set(pareto(records, "lut")) | set(pareto(records, "latency_ns"))
    ok = sum(r.get("status") == "ok" for r in records)
    rows = "\n".join(_row(r, fronts, i) for i, r in enumerate(records))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>trigc scan {html.escape(name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}tr.front td{{font-weight:bold}}
tr.failed td{{color:#a00}}</style></head><body>
<h1>trigc scan {html.escape(name)}</h1>
<p>{len(records)} points, {ok} measured, {len(records) - ok} failed; budget {html.escape(budget)}.
Accuracy is the firmware's (trigc's bit-exact IR on the test split); resources from Yosys.
The Pareto front (higher accuracy at lower cost) is drawn in red and set in bold.</p>
{_scatter(records, "lut", "accuracy vs LUT", "LUT")}
{_scatter(records, "latency_ns", "accuracy vs latency", "ns")}
<table><thead><tr><th>point</th><th>accuracy</th><th>AUC</th><th>LUT</th><th>FF</th><th>DSP</th>
<th>latency ns</th><th>sparsity</th><th>budget</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
