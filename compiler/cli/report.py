"""``trigc report``: measure a project's firmware against a budget.

``trigc report OUT --budget PRESET_OR_FILE [--device PART] [--backend NAME] [--quiet] [--json]``
writes ``OUT/report/report.{json,md,html}``, prints the budget lines (or the JSON document) and
returns 0 when every line passes, 1 when any fails.  User errors raise
:class:`~trigc.compiler.errors.TrigcError` for the main CLI to print.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..reports.budget import PRESETS

EXIT_WITHIN, EXIT_OVER = 0, 1
REPORT_DIR = "report"


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` sub-command to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "report",
        help="measure a project's firmware against a latency/resource budget",
        description="Synthesize or estimate the firmware of a trigc project and check it "
        "against a budget; writes report.json, report.md and report.html into OUT/report/. "
        "Exit status 1 when the design is over budget.",
    )
    p.add_argument("project", type=Path, metavar="OUT", help="project directory (trigc compile -o)")
    p.add_argument(
        "--budget",
        required=True,
        metavar="PRESET_OR_FILE",
        help=f"a budget preset ({', '.join(PRESETS)}) or a budget YAML file",
    )
    p.add_argument("--device", default=None, metavar="PART", help="FPGA part (default: budget's)")
    p.add_argument(
        "--backend",
        action="append",
        choices=("rtl", "hls"),
        default=None,
        help="report only this backend (repeatable; default: every backend in the project)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--json", action="store_true", help="print report.json instead of a summary")
    return p


def run_report(
    project: Path,
    budget: Any,
    device: str | None = None,
    backends: tuple[str, ...] | None = None,
    quiet: bool = False,
    as_json: bool = False,
) -> int:
    """Measure ``project`` against ``budget`` (a preset, a file or a Budget), write the report
    files and print the summary (or ``report.json``); 0 within budget, 1 over it."""
    from ..reports.report import build_report  # noqa: PLC0415
    from ..reports.text import summary  # noqa: PLC0415
    from ..reports.writers import to_json_text, write_report  # noqa: PLC0415

    def progress(message: str) -> None:
        if not quiet:
            print(f"... {message}", file=sys.stderr, flush=True)

    report = build_report(project, budget, device=device, progress=progress, backends=backends)
    files = write_report(report, Path(project) / REPORT_DIR)
    if as_json:
        print(to_json_text(report), end="")
    else:
        print(summary(report))
        print(f"  wrote {', '.join(str(f) for f in files)}")
    return EXIT_WITHIN if report.passed else EXIT_OVER


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``trigc report``; 0 within budget, 1 over it."""
    backends = tuple(args.backend) if args.backend else None
    return run_report(args.project, args.budget, args.device, backends, args.quiet, args.json)
