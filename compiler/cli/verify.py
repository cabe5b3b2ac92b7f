"""``trigc verify``: every representation of a project against the IR, bit for bit."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import TrigcError
from . import arguments

EXIT_OK, EXIT_FAIL = 0, 1


def add_verify_parser(sub: Any) -> None:
    """Add the ``verify`` sub-command to ``sub`` (from ``add_subparsers``)."""
    v = sub.add_parser("verify", help="check model, IR and firmware agree bit for bit")
    arguments.project_argument(v)
    v.add_argument(
        "--vectors", type=arguments.count(1), default=100000, help="number of test vectors"
    )
    arguments.add_input_arguments(v)
    v.add_argument("--seed", type=arguments.count(0), default=0, help="seed of the random vectors")
    v.add_argument(
        "--only",
        type=lambda s: tuple(s.split(",")),
        default=None,
        help="comma-separated subset of keras,onnx,hls,rtl,emu",
    )
    v.add_argument(
        "--csim-vectors",
        type=arguments.count(0),
        default=10000,
        help="compare the C simulation on the first N vectors only (default 10000; 0: all)",
    )
    v.add_argument(
        "--sim",
        default=None,
        help="simulators for the cocotb protocol tests of the RTL: verilator, icarus, "
        "both as 'verilator,icarus', or 'none' (default icarus where installed, so the design "
        "is verilated once, by the bulk harness; else verilator)",
    )
    v.add_argument("--json", action="store_true", help="print the result as JSON")


def simulators(text: str | None) -> tuple[str, ...] | None:
    """``--sim``'s simulators (None: the default; 'none': no protocol tests)."""
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip() and n.strip() != "none")
    for n in names:
        if n not in ("verilator", "icarus"):
            raise TrigcError(f"unknown simulator {n!r}; valid: verilator, icarus, none")
    return names


def cmd_verify(args: argparse.Namespace) -> int:
    """Run ``trigc verify``; 0 when every deciding comparison is identical, else 1."""
    from ..progress import Progress  # noqa: PLC0415
    from ..verify import format_result, verify_project  # noqa: PLC0415

    if args.vectors < 1:
        raise TrigcError("--vectors must be at least 1")
    result = verify_project(
        args.project,
        vectors=args.vectors,
        inputs=args.inputs,
        seed=args.seed,
        representations=args.only,
        csim_vectors=args.csim_vectors or None,
        protocol_sims=simulators(args.sim),
        progress=Progress() if args.json else Progress.to_stdout(),
        branches=args.branches,
        quantize_inputs=args.quantize_inputs,
    )
    print(json.dumps(result.to_json(), indent=1) if args.json else format_result(result))
    return EXIT_OK if result.ok else EXIT_FAIL
