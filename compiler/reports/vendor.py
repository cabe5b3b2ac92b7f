"""Parsers for the reports of AMD/Xilinx tools, for users who ran them on a trigc project.

* Vivado HLS / Vitis HLS C synthesis: ``<top>_csynth.rpt`` (text) and ``csynth.xml``;
* Vivado ``report_utilization``, flat (``vivado_synth.rpt``) or ``-hierarchical`` (hls4ml's
  ``util.rpt``).

Each parser takes the report's text and returns :class:`VendorFigures`; :func:`read_report`
picks the parser from the file name.  Block RAM is counted in 36 Kb blocks throughout: HLS's
``BRAM_18K`` is halved, Vivado's ``Block RAM Tile`` already is.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TrigcError

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class VendorReportError(TrigcError):
    """A vendor report could not be read."""


@dataclass(frozen=True)
class VendorInstance:
    """One row of a report's per-instance table."""

    name: str
    module: str
    resources: dict[str, float]


@dataclass(frozen=True)
class VendorFigures:
    """What one vendor report says; ``None`` where it says nothing."""

    tool: str
    path: str
    resources: dict[str, float] = field(default_factory=dict)
    latency_cycles: int | None = None  # worst case
    latency_min_cycles: int | None = None
    ii: int | None = None  # worst case
    target_clock_ns: float | None = None
    estimated_clock_ns: float | None = None
    part: str | None = None
    instances: tuple[VendorInstance, ...] = ()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _value(text: str) -> float:
    """A table number: '-' and '~0' (Vivado's "below 1 %") read as 0."""
    text = text.strip().lstrip("~")
    if text in ("", "-"):
        return 0.0
    if not _NUMBER.match(text):
        raise ValueError(text)
    return float(text)


def _tables(lines: list[str], start: int) -> list[list[list[str]]]:
    """The ASCII tables (lists of rows of cells) from line ``start`` to the next section."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in lines[start:]:
        stripped = line.strip()
        if stripped.startswith("=="):
            break
        if stripped.startswith("|"):
            if current is None:
                current = []
                tables.append(current)
            current.append(_cells(stripped))
        elif not stripped.startswith("+"):
            current = None
    return tables


def _find(lines: list[str], pattern: str, start: int = 0) -> int:
    regex = re.compile(pattern)
    for i in range(start, len(lines)):
        if regex.search(lines[i]):
            return i
    return -1


_HLS_COLUMNS = {"BRAM_18K": "bram", "DSP48E": "dsp", "DSP": "dsp", "FF": "ff", "LUT": "lut"}
_HLS_COLUMNS |= {"URAM": "uram"}


def _hls_resources(header: list[str], row: list[str]) -> dict[str, float]:
    out = {}
    for name, cell in zip(header, row, strict=False):
        key = _HLS_COLUMNS.get(name)
        if key:
            out[key] = _value(cell) / (2 if key == "bram" else 1)
    return out


def parse_csynth_rpt(text: str, path: str = "csynth.rpt") -> VendorFigures:
    """Read a Vivado HLS / Vitis HLS ``<top>_csynth.rpt``."""
    lines = text.splitlines()
    tool = "Vitis HLS" if "Vitis HLS Report" in text else "Vivado HLS"
    version = re.search(r"\*\s*Version:\s*(\S+)", text)
    part = re.search(r"\*\s*Target device:\s*(\S+)", text)
    try:
        target, estimated = _csynth_timing(lines)
        latency = _csynth_latency(lines)
        resources, instances = _csynth_utilization(lines)
    except (ValueError, IndexError) as exc:
        raise VendorReportError(f"{path}: cannot read this csynth report ({exc})") from None
    if not resources:
        raise VendorReportError(f"{path}: no '== Utilization Estimates' summary table found")
    return VendorFigures(
        tool=f"{tool} {version.group(1) if version else ''} C synthesis".replace("  ", " "),
        path=path,
        resources=resources,
        latency_cycles=latency[1] if latency else None,
        latency_min_cycles=latency[0] if latency else None,
        ii=latency[3] if latency else None,
        target_clock_ns=target,
        estimated_clock_ns=estimated,
        part=part.group(1) if part else None,
        instances=instances,
    )


def _csynth_timing(lines: list[str]) -> tuple[float | None, float | None]:
    at = _find(lines, r"^\s*\+\s*Timing")
    for table in _tables(lines, at + 1) if at >= 0 else []:
        header = table[0]
        if "Target" in header and "Estimated" in header:
            row = table[1]
            target = float(row[header.index("Target")].split()[0])
            estimated = float(row[header.index("Estimated")].split()[0])
            return target, estimated
    return None, None


def _csynth_latency(lines: list[str]) -> tuple[int, int, int, int] | None:
    """(latency min, max, interval min, max) of the top function."""
    at = _find(lines, r"^\s*\+\s*Latency")
    if at < 0:
        return None
    for table in _tables(lines, at + 1)[:1]:
        for row in table:
            ints = [int(c) for c in row if re.fullmatch(r"\d+", c)]
            if len(ints) >= 4:
                return ints[0], ints[1], ints[2], ints[3]
    return None


def _csynth_utilization(lines: list[str]) -> tuple[dict[str, float], tuple[VendorInstance, ...]]:
    at = _find(lines, r"^==\s*Utilization Estimates")
    if at < 0:
        return {}, ()
    tables = _tables(lines, at + 2)
    resources: dict[str, float] = {}
    instances: list[VendorInstance] = []
    for table in tables:
        header = table[0]
        if header and header[0] == "Name":
            total = next((r for r in table if r and r[0] == "Total"), None)
            if total and not resources:
                resources = _hls_resources(header, total)
        elif header[:2] == ["Instance", "Module"] and not instances:
            for row in table[1:]:
                if row[0] and row[0] != "Total":
                    res = _hls_resources(header, row)
                    instances.append(VendorInstance(row[0], row[1], res))
    return resources, tuple(instances)


def parse_csynth_xml(text: str, path: str = "csynth.xml") -> VendorFigures:
    """Read a Vivado HLS / Vitis HLS ``csynth.xml``."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise VendorReportError(f"{path}: not valid XML ({exc})") from None

    def get(xpath: str) -> str | None:
        node = root.find(xpath)
        return node.text.strip() if node is not None and node.text else None

    area = root.find("./AreaEstimates/Resources")
    if area is None:
        raise VendorReportError(f"{path}: no AreaEstimates/Resources element; is it csynth.xml?")
    resources = {}
    try:
        for child in area:
            key = _HLS_COLUMNS.get(child.tag)
            if key:
                resources[key] = _value(child.text or "0") / (2 if key == "bram" else 1)

        def number(xpath: str, kind: type = int) -> float | int | None:
            value = get(xpath)
            return kind(value) if value is not None and _NUMBER.match(value) else None

        version = get("./ReportVersion/Version") or ""
        perf = "./PerformanceEstimates/SummaryOfOverallLatency/"
        return VendorFigures(
            tool=f"HLS {version} C synthesis (csynth.xml)".replace("  ", " "),
            path=path,
            resources=resources,
            latency_cycles=number(perf + "Worst-caseLatency"),
            latency_min_cycles=number(perf + "Best-caseLatency"),
            ii=number(perf + "Interval-max"),
            target_clock_ns=number("./UserAssignments/TargetClockPeriod", float),
            estimated_clock_ns=number(
                "./PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", float
            ),
            part=get("./UserAssignments/Part"),
        )
    except ValueError as exc:
        raise VendorReportError(f"{path}: unreadable number {exc}") from None


# report_utilization rows -> resource, by site type (UltraScale+ "CLB", 7 series "Slice")
_UTIL_ROWS = {
    "CLB LUTs": "lut", "Slice LUTs": "lut", "CLB Registers": "ff", "Slice Registers": "ff",
    "Block RAM Tile": "bram", "URAM": "uram", "DSPs": "dsp",
}  # fmt: skip
_HIER_COLUMNS = {"Total LUTs": "lut", "FFs": "ff", "RAMB36": "bram", "RAMB18": "bram18"}
_HIER_COLUMNS |= {"URAM": "uram", "DSP Blocks": "dsp", "DSP48 Blocks": "dsp"}


def parse_vivado_utilization(text: str, path: str = "utilization.rpt") -> VendorFigures:
    """Read a Vivado ``report_utilization`` report, flat or ``-hierarchical``."""
    lines = text.splitlines()
    part = re.search(r"\|\s*Device\s*:\s*(\S+)", text)
    try:
        resources, instances = _flat_utilization(lines), ()
        if not resources:
            resources, instances = _hierarchical_utilization(lines)
    except (ValueError, IndexError) as exc:
        raise VendorReportError(f"{path}: cannot read this utilization report ({exc})") from None
    if not resources:
        raise VendorReportError(
            f"{path}: no LUT/register/DSP table found; is it a Vivado report_utilization report?"
        )
    return VendorFigures(
        tool="Vivado report_utilization",
        path=path,
        resources=resources,
        part=part.group(1) if part else None,
        instances=instances,
    )


def _flat_utilization(lines: list[str]) -> dict[str, float]:
    resources: dict[str, float] = {}
    used_col = None
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            continue
        cells = _cells(stripped)
        if "Site Type" in cells and "Used" in cells:
            used_col = cells.index("Used")
            continue
        name = cells[0].rstrip("*").strip()
        if used_col is not None and name in _UTIL_ROWS and _UTIL_ROWS[name] not in resources:
            resources[_UTIL_ROWS[name]] = _value(cells[used_col])
    return resources


def _hierarchical_utilization(
    lines: list[str],
) -> tuple[dict[str, float], tuple[VendorInstance, ...]]:
    header: list[str] | None = None
    rows: list[tuple[str, str, dict[str, float]]] = []
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            continue
        raw = stripped.strip("|").split("|")
        cells = [c.strip() for c in raw]
        if cells[:2] == ["Instance", "Module"]:
            header = cells
            continue
        if header is None or len(cells) != len(header):
            continue
        res = {"lut": 0.0, "ff": 0.0, "bram": 0.0, "uram": 0.0, "dsp": 0.0}
        for name, cell in zip(header, cells, strict=True):
            key = _HIER_COLUMNS.get(name)
            if key == "bram18":
                res["bram"] += _value(cell) / 2
            elif key:
                res[key] += _value(cell)
        depth = len(raw[0]) - len(raw[0].lstrip())
        rows.append((cells[0], cells[1], res | {"_depth": depth}))
    if not rows:
        return {}, ()
    top = min(rows, key=lambda r: r[2]["_depth"])
    child_depth = min((r[2]["_depth"] for r in rows if r is not top), default=None)
    children = tuple(
        VendorInstance(name, module.strip("()"), {k: v for k, v in res.items() if k != "_depth"})
        for name, module, res in rows
        if res["_depth"] == child_depth
    )
    return {k: v for k, v in top[2].items() if k != "_depth"}, children


def read_report(path: Path) -> VendorFigures:
    """Parse a vendor report, choosing the parser from the file name."""
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise VendorReportError(f"{path}: cannot read ({exc})") from None
    if path.suffix == ".xml":
        return parse_csynth_xml(text, str(path))
    if path.name.endswith("_csynth.rpt"):
        return parse_csynth_rpt(text, str(path))
    return parse_vivado_utilization(text, str(path))


def find_reports(directory: Path, top: str) -> list[Path]:
    """Vendor reports below ``directory`` for top function ``top``: the top's C synthesis
    report (XML preferred) and any Vivado utilization report, in that order."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found: list[Path] = []
    xml = sorted(p for p in directory.rglob("csynth.xml") if p.parent.name == "report")
    rpt = sorted(directory.rglob(f"{top}_csynth.rpt"))
    found += xml[:1] or rpt[:1]
    for pattern in ("vivado_synth.rpt", "util.rpt", "*utilization*.rpt"):
        found += sorted(p for p in directory.rglob(pattern) if p not in found)
    return found
