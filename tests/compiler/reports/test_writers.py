"""report.json, report.md, report.html and the SVG charts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trigc.compiler.reports import build_report, write_report
from trigc.compiler.reports.html import to_html
from trigc.compiler.reports.svg import Row, bar_chart, nice_scale
from trigc.compiler.reports.writers import to_json_text, to_markdown

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def report(tiny_project: Path, canned_synth: list[str]):
    (tiny_project / "hls").mkdir()
    return build_report(tiny_project, "cms-l1-240")


def test_write_report_files(report, tiny_project: Path) -> None:
    files = write_report(report, tiny_project / "report")
    assert [f.name for f in files] == ["report.json", "report.md", "report.html"]
    data = json.loads(files[0].read_text())
    assert data["format"] == "trigc-report/1" and data["passed"] is False
    rtl, hls = data["implementations"]
    assert (rtl["backend"], rtl["passed"], hls["backend"], hls["passed"]) == (
        "rtl",
        False,
        "hls",
        True,
    )
    fmax = next(c for c in rtl["checks"] if c["name"] == "fmax")
    assert fmax["passed"] is False and fmax["margin"] == pytest.approx(fmax["value"] - 240)
    assert data["budget"]["name"] == "cms-l1-240" and data["device"]["name"] == "XCVU9P"
    assert [layer["sparsity"] for layer in data["layers"]] == [None, 0.25, None, 1 / 6]


def test_outputs_are_deterministic_and_hold_no_absolute_paths(report, tiny_project: Path) -> None:
    for render in (to_json_text, to_markdown, to_html):
        text = render(report)
        assert text == render(report)
        assert str(tiny_project.parent) not in text


def test_markdown_lines(report) -> None:
    md = to_markdown(report)
    assert md.startswith("# trigc report: tiny_mlp: FAIL\n")
    assert "## rtl: FAIL" in md and "## hls: PASS" in md
    assert "| latency (3 cycles at 240 MHz) | 12.5 ns | <= 100 ns | 87.5 ns | PASS |" in md
    assert re.search(
        r"\| Fmax \(estimate\) \| [\d.]+ MHz \| >= 240 MHz \| -[\d.]+ MHz \| FAIL \|", md
    )
    assert "| fc0 | dense | tiny_mlp_fc0 |" in md
    assert "| fc0 | dense | 3 | fixed<16,6> | fixed<6,1> | 12 | 25.0% |" in md


def test_html_is_self_contained_with_svg_plots(report) -> None:
    html = to_html(report)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    titles = [ET.fromstring(svg).find(f"{SVG}title").text for svg in svgs]
    assert titles == [
        "rtl: resources in % of XCVU9P (dashes: budget)",
        "rtl: worst path per layer (dashes: the 240 MHz period)",
        "rtl: LUT and FF per layer",
        "hls: resources in % of XCVU9P (dashes: budget)",
        "hls: latency per layer",
        "hls: LUT and FF per layer",
        "Bit widths per layer",
        "Weight sparsity per layer",
    ]
    assert 'class="verdict FAIL"' in html and '<td class="PASS">PASS</td>' in html


def test_bar_chart_geometry() -> None:
    svg = bar_chart("t & t", [Row("a", (1.0,), marker=2.0), Row("b<", (4.0,), failed=True)], "u")
    root = ET.fromstring(svg)
    bars = root.findall(f"{SVG}rect[@class='bar']")
    widths = [float(b.get("width")) for b in bars]
    assert widths[1] == pytest.approx(4 * widths[0])
    assert bars[1].get("fill") == "#c0392b"
    assert len(root.findall(f"{SVG}line[@class='limit']")) == 1
    assert root.find(f"{SVG}title").text == "t & t"


@pytest.mark.parametrize(
    ("largest", "end"), [(0.0, 1.0), (0.9, 1.0), (5.04, 6.0), (27.5, 40.0), (94, 100.0)]
)
def test_nice_scale(largest: float, end: float) -> None:
    assert nice_scale(largest) == pytest.approx(end)
