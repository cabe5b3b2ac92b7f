"""The hls project's export script (``trigc_export.tcl``): C synthesis and IP export of the
project hls4ml wrote, with the values hls4ml put in its ``project.tcl``."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from ..errors import TrigcError

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
    import trigc.firmware_templates as firmware_templates

    values = _project_values(outdir)
    folder = Path(firmware_templates.__file__).parent / "hls"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    text = env.get_template(f"{EXPORT_SCRIPT}.j2").render(
        project=values["project_name"],
        part=values["part"],
        period_ns=values["clock_period"],
        uncertainty=values.get("clock_uncertainty", "12.5%"),
        version=values.get("version", "1.0.0"),
    )
    path = outdir / EXPORT_SCRIPT
    path.write_text(text)
    return path
