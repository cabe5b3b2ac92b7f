"""The hls project's export script (``trigc_export.tcl``): C synthesis and IP export of the
project hls4ml wrote, with the values hls4ml put in its ``project.tcl``."""

from __future__ import annotations

import re
from pathlib import Path

from trigc.firmware_templates import render

from ...errors import TrigcError

EXPORT_SCRIPT = "trigc_export.tcl"


def _project_values(outdir: Path) -> dict[str, str]:
    text = (outdir / "project.tcl").read_text()
    values = dict(re.findall(r'^set (\w+) "?([^"\n]*)"?$', text, flags=re.M))
    missing = [k for k in ("project_name", "part", "clock_period") if k not in values]
    if missing:
        raise TrigcError(f"{outdir / 'project.tcl'}: hls4ml wrote no {missing}")
    return values


def write_export_script(outdir: Path) -> Path:
    """Write ``trigc_export.tcl`` next to hls4ml's ``build_prj.tcl``."""
    values = _project_values(outdir)
    text = render(
        "hls",
        f"{EXPORT_SCRIPT}.j2",
        project=values["project_name"],
        part=values["part"],
        period_ns=values["clock_period"],
        uncertainty=values.get("clock_uncertainty", "12.5%"),
        version=values.get("version", "1.0.0"),
    )
    path = outdir / EXPORT_SCRIPT
    path.write_text(text)
    return path
