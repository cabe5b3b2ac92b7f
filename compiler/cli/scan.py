"""``trigc scan``: the design-space scan's command line lives with the scan (:mod:`trigc.scan`);
this module wires it in without importing Dask or TensorFlow until a scan runs."""

from __future__ import annotations

import argparse
from typing import Any


def add_scan_parser(sub: Any) -> None:
    """Add the ``scan`` sub-command to ``sub``."""
    from trigc.scan.cli import add_scan_parser as add  # noqa: PLC0415

    add(sub)


def cmd_scan(args: argparse.Namespace) -> int:
    """Run ``trigc scan``."""
    from trigc.scan.cli import cmd_scan as run  # noqa: PLC0415

    return run(args)
