"""Small, dependency-free SVG bar charts for the HTML report.

Every chart is horizontal bars, one row per label, one bar per series in a row, an optional
marker line per row (a budget limit) and the value printed after each bar.  Output is plain SVG
1.1 text, deterministic, with no scripts, fonts or external references, so the HTML report
stays one self-contained file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#3b6ea8", "#e08a2c", "#5a9e5a", "#8e5ea2")
FAIL_COLOR = "#c0392b"
ROW_HEIGHT = 22
LABEL_WIDTH = 150
PLOT_WIDTH = 420
VALUE_WIDTH = 200


@dataclass(frozen=True)
class Row:
    """One label's bars (one value per series), an optional limit marker and a failed flag."""

    label: str
    values: tuple[float, ...]
    marker: float | None = None
    failed: bool = False
    text: str | None = None  # printed after the bars instead of the values


def nice_scale(largest: float) -> float:
    """An axis end at or above ``largest`` whose four ticks are round numbers."""
    if largest <= 0:
        return 1.0
    step = largest / 4
    power = 10.0 ** math.floor(math.log10(step))
    for factor in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0):
        if factor * power >= step * (1 - 1e-9):
            return 4 * factor * power
    return largest  # unreachable


def _fmt(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def bar_chart(
    title: str,
    rows: Sequence[Row],
    unit: str = "",
    series: Sequence[str] = ("",),
    scale_max: float | None = None,
) -> str:
    """An SVG chart; ``scale_max`` fixes the right end of the axis (default: largest value)."""
    n_series = max(1, len(series))
    bar_h = (ROW_HEIGHT - 6) / n_series
    legend = len(series) > 1
    top = 28 + (16 if legend else 0)
    height = top + ROW_HEIGHT * max(1, len(rows)) + 40
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    largest = max([v for r in rows for v in r.values] + [r.marker or 0.0 for r in rows] + [0.0])
    scale = scale_max if scale_max else nice_scale(largest)
    x0 = LABEL_WIDTH

    def x_of(value: float) -> float:
        return x0 + PLOT_WIDTH * max(0.0, min(value, scale)) / scale

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart" font-family="sans-serif" '
        'font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if legend:
        for i, name in enumerate(series):
            lx = x0 + i * 120
            color = PALETTE[i % len(PALETTE)]
            out.append(f'<rect x="{lx}" y="24" width="10" height="10" fill="{color}"/>')
            out.append(f'<text x="{lx + 14}" y="33">{escape(name)}</text>')
    for i, row in enumerate(rows):
        y = top + i * ROW_HEIGHT
        out.append(
            f'<text x="{x0 - 6}" y="{y + ROW_HEIGHT / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(row.label)}</text>"
        )
        for j, value in enumerate(row.values):
            color = FAIL_COLOR if row.failed else PALETTE[j % len(PALETTE)]
            w = x_of(value) - x0
            out.append(
                f'<rect class="bar" x="{x0}" y="{y + 3 + j * bar_h:.1f}" width="{w:.1f}" '
                f'height="{bar_h - 1:.1f}" fill="{color}"><title>{escape(row.label)}: '
                f"{_fmt(value)} {escape(unit)}</title></rect>"
            )
        if row.marker is not None:
            mx = x_of(row.marker)
            out.append(
                f'<line class="limit" x1="{mx:.1f}" y1="{y + 1}" x2="{mx:.1f}" '
                f'y2="{y + ROW_HEIGHT - 1}" stroke="#222" stroke-width="2" '
                'stroke-dasharray="3,2"/>'
            )
        text = row.text if row.text is not None else " / ".join(_fmt(v) for v in row.values)
        out.append(
            f'<text x="{x0 + PLOT_WIDTH + 6}" y="{y + ROW_HEIGHT / 2 + 4:.1f}">'
            f"{escape(text)}</text>"
        )
    axis_y = top + ROW_HEIGHT * max(1, len(rows)) + 2
    out.append(
        f'<line x1="{x0}" y1="{axis_y}" x2="{x0 + PLOT_WIDTH}" y2="{axis_y}" stroke="#888"/>'
    )
    for k in range(5):
        value = scale * k / 4
        tx = x0 + PLOT_WIDTH * k / 4
        out.append(
            f'<text x="{tx:.1f}" y="{axis_y + 14}" text-anchor="middle" fill="#555">'
            f"{escape(_fmt(value))}</text>"
        )
    out.append(
        f'<text x="{x0 + PLOT_WIDTH / 2}" y="{axis_y + 30}" text-anchor="middle" fill="#555">'
        f"{escape(unit)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
