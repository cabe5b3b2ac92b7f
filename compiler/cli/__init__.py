"""The ``trigc`` command line: one module per command, each a parser and a thin command over
the library (which never sees argparse).

User mistakes (a :class:`~trigc.compiler.errors.TrigcError`) print one paragraph to stderr and
exit 2; a failed verification exits 1; success exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib import metadata

from ..errors import TrigcError
from .board import add_board_parsers, cmd_check_capture, cmd_patterns
from .compile import add_compile_parser, cmd_compile
from .report import add_report_parser, cmd_report
from .scan import add_scan_parser, cmd_scan
from .verify import add_verify_parser, cmd_verify

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, one sub-command per module."""
    parser = argparse.ArgumentParser(
        prog="trigc",
        description="Compile quantized neural networks into bit-exact, verified FPGA firmware.",
    )
    parser.add_argument("--version", action="version", version=f"trigc {metadata.version('trigc')}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_compile_parser(sub)
    add_report_parser(sub)
    add_board_parsers(sub)
    add_scan_parser(sub)
    add_verify_parser(sub)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "compile": cmd_compile,
    "verify": cmd_verify,
    "report": cmd_report,
    "scan": cmd_scan,
    "patterns": cmd_patterns,
    "check-capture": cmd_check_capture,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``trigc`` console script."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except TrigcError as exc:
        print(f"trigc {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trigc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
