"""``trigc patterns`` and ``trigc check-capture``: board pattern files of test events and the
check of what a board captured."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import arguments

EXIT_OK, EXIT_FAIL = 0, 1


def add_board_parsers(sub: Any) -> None:
    """Add the ``patterns`` and ``check-capture`` sub-commands to ``sub``."""
    pt = sub.add_parser(
        "patterns",
        help="board pattern files (EMP v1/v2, APx) of test events and the expected outputs",
    )
    arguments.project_argument(pt)
    pt.add_argument("--format", choices=("emp", "emp2", "apx"), default="emp")
    pt.add_argument(
        "--events", type=arguments.count(1), default=1000, help="events (edge cases first)"
    )
    arguments.add_input_arguments(pt)
    pt.add_argument("--seed", type=int, default=0)
    pt.add_argument(
        "--link-map", type=Path, default=None, help="link_map.yaml (default: packed in order)"
    )
    cc = sub.add_parser(
        "check-capture", help="compare a captured output pattern file with the IR, bit for bit"
    )
    arguments.project_argument(cc)
    cc.add_argument("captured", type=Path, help="captured output pattern file (EMP v1/v2, APx)")
    cc.add_argument(
        "--input-pattern",
        type=Path,
        default=None,
        help="the input pattern played (default: PROJECT/board/input.<format>.txt)",
    )
    cc.add_argument("--link-map", type=Path, default=None)


def cmd_patterns(args: argparse.Namespace) -> int:
    """Write the pattern files and name them."""
    from ..board import write_patterns  # noqa: PLC0415
    from ..project import open_project  # noqa: PLC0415

    project = open_project(args.project)
    files = write_patterns(
        project,
        args.format,
        args.inputs,
        args.events,
        args.seed,
        args.link_map,
        args.branches,
        args.quantize_inputs,
    )
    for f in files:
        print(f"wrote {f}")
    return EXIT_OK


def cmd_check_capture(args: argparse.Namespace) -> int:
    """Compare a captured pattern file with the IR; 0 when identical, else 1."""
    from ..board import check_project_capture  # noqa: PLC0415
    from ..project import open_project  # noqa: PLC0415

    project = open_project(args.project)
    result = check_project_capture(project, args.captured, args.input_pattern, args.link_map)
    print("\n".join(result.lines))
    return EXIT_OK if result.ok else EXIT_FAIL
