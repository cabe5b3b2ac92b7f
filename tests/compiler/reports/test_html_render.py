"""report.html opened in headless Chromium: every SVG plot lays out with visible bars.

Needs Debian's ``chromium`` package (``apt-get install chromium``); skipped without it.
Besides the probe's measurements, a screenshot of the page must not be blank.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from trigc.compiler.reports import build_report, write_report

# Appended to a copy of the page (report.html itself has no scripts): measures what the browser
# laid out and writes it into the DOM that --dump-dom prints.
PROBE = """<script>
const charts = [...document.querySelectorAll("svg.chart")].map(svg => {
  const box = svg.getBoundingClientRect();
  const bars = [...svg.querySelectorAll("rect.bar")].map(r => r.getBBox().width);
  return {w: box.width, h: box.height, bars: bars.length, drawn: bars.filter(w => w > 0).length};
});
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(charts);
document.body.appendChild(out);
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("Chromium not installed (Debian: apt-get install chromium)")


def run_chromium(*args: str) -> str:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def probe_page(page: str, probe_script: str, probe_file: Path) -> object:
    """Lay ``page`` out in headless Chromium with ``probe_script`` appended (it writes JSON
    into ``<pre id="probe">``) and return what the script measured."""
    probe_file.write_text(page.replace("</body>", probe_script + "</body>"))
    dom = run_chromium("--dump-dom", probe_file.as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert match, "the probe script did not run"
    return json.loads(match.group(1).replace("&quot;", '"'))


@pytest.mark.slow
@pytest.mark.synth
def test_svg_plots_render(tiny_project: Path, tmp_path: Path) -> None:
    """The report of a real Yosys run (tiny_mlp, cached after test_yosys) and an HLS estimate."""
    chromium()  # skip before synthesizing when there is no browser
    (tiny_project / "hls").mkdir()
    report = build_report(tiny_project, "cms-l1-240")
    html = next(f for f in write_report(report, tmp_path / "out") if f.suffix == ".html")
    charts = probe_page(html.read_text(), PROBE, tmp_path / "probe.html")
    assert len(charts) == 8
    for chart in charts:
        assert chart["w"] > 300 and chart["h"] > 50
        assert chart["bars"] > 0 and chart["drawn"] > 0
    shot, blank = tmp_path / "report.png", tmp_path / "blank.png"
    run_chromium("--window-size=1100,2400", f"--screenshot={shot}", html.as_uri())
    (tmp_path / "blank.html").write_text("<!DOCTYPE html><html><body></body></html>")
    run_chromium(
        "--window-size=1100,2400", f"--screenshot={blank}", (tmp_path / "blank.html").as_uri()
    )
    # PNG compresses a blank page to almost nothing; text, tables and plots do not
    assert shot.stat().st_size > max(20_000, 5 * blank.stat().st_size)
