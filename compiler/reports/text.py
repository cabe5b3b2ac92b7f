"""A report as plain text: the budget lines and the per-layer table, one backend after another
(what ``trigc report`` prints)."""

from __future__ import annotations

from typing import Any

from .cells import LAYER_RESOURCES, check_cells, fmt_number, verdict


def summary(report: Any) -> str:
    """The budget lines and the per-layer table as plain text, one backend after another."""

    b = report.budget
    lines = [
        f"report {report.model}: budget {b.name} on {report.device.name}: {verdict(report.passed)}"
    ]
    for impl in report.implementations:
        lines.append(f"  {impl.backend}: {verdict(impl.passed)}  ({impl.method})")
        for check in impl.checks:
            what, value, limit, margin = check_cells(check, report)
            lines.append(
                f"    {check.verdict:<4}  {what:<52} {value:>22} {limit:>16}  margin {margin}"
            )
        lines += layer_lines(impl)
    return "\n".join(lines)


def layer_lines(impl: Any) -> list[str]:
    """Per-layer resources and latency with a total row (nothing when no layer is known)."""

    if not impl.layers:
        return []

    def row(name: str, resources: dict[str, float], cycles: float | None) -> str:
        cells = "".join(f"{fmt_number(resources.get(r.lower())):>10}" for r in LAYER_RESOURCES)
        return f"    {name[:24]:<24}{cells}{fmt_number(cycles):>8}"

    head = f"    {'layer':<24}" + "".join(f"{r:>10}" for r in LAYER_RESOURCES) + f"{'cycles':>8}"
    lines = [head] + [row(x.name, x.resources, x.latency_cycles) for x in impl.layers]
    return lines + [row("total", impl.resources, impl.latency_cycles)]
