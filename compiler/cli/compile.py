"""``trigc compile``: the flags become a :class:`~trigc.compiler.compile_request.CompileRequest`,
:func:`~trigc.compiler.compile_request.resolve` makes the options, the project is written and
summarized."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..backends.options import BackendOptions
from . import arguments

EXIT_OK = 0


def add_compile_parser(sub: Any) -> None:
    """Add the ``compile`` sub-command to ``sub`` (from ``add_subparsers``)."""
    defaults = BackendOptions()
    c = sub.add_parser("compile", help="compile a Keras/QKeras/ONNX model into firmware")
    c.add_argument(
        "model",
        type=Path,
        nargs="?",
        default=None,
        help="model file: .keras (Keras 3 / qkeras-v3), .h5 (Keras 2 / QKeras 0.9), .json "
        "(Keras 2 architecture, with --weights) or .onnx (ONNX / QONNX); default: the "
        "--config file's KerasJson/KerasH5/KerasModel/OnnxModel",
    )
    c.add_argument(
        "--weights", type=Path, default=None, help="weights .h5 file of a Keras 2 .json model"
    )
    c.add_argument(
        "--config",
        type=Path,
        default=None,
        help="an hls4ml configuration file (as for `hls4ml convert -c`: the model, OutputDir, "
        "ProjectName, Part, ClockPeriod, Backend, IOType, HLSConfig) or just its HLSConfig "
        "(Model/LayerName/LayerType Precision, ReuseFactor, Strategy); float models without "
        "one take hls4ml's default fixed<16,6>",
    )
    c.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="project directory (or the config's OutputDir)",
    )
    c.add_argument(
        "--strict",
        action="store_true",
        help="refuse a float model that has no --config instead of using fixed<16,6>",
    )
    c.add_argument(
        "--backend",
        type=arguments.backends,
        default=("hls",),
        help="comma-separated backends: hls, rtl, emu (default: hls)",
    )
    c.add_argument(
        "--input-type",
        type=arguments.fixed_type,
        default=None,
        help="input type when the model has no input quantizer (default fixed<16,6>)",
    )
    c.add_argument(
        "--allow-inexact",
        action="store_true",
        help="round constants that cannot be exact instead of refusing the model",
    )
    c.add_argument(
        "--argmax",
        action="store_true",
        help="output the one-hot of the largest output (the first on ties) instead of the values",
    )
    c.add_argument(
        "--part", type=arguments.part, default=None, help=f"FPGA part (default {defaults.part})"
    )
    c.add_argument(
        "--max-luts",
        type=arguments.count(1),
        default=None,
        help="refuse an rtl design estimated above this many LUTs (default: the part's LUTs)",
    )
    clock = c.add_mutually_exclusive_group()
    clock.add_argument(
        "--clock-period", type=arguments.positive_float, default=None, help="clock period in ns"
    )
    clock.add_argument(
        "--clock-mhz",
        type=arguments.positive_float,
        default=None,
        help=f"clock frequency in MHz (default {defaults.clock_mhz:g})",
    )
    c.add_argument(
        "--reuse-factor",
        type=arguments.count(1),
        default=None,
        help="hls4ml reuse factor (default: the config's Model.ReuseFactor, else 1)",
    )
    c.add_argument(
        "--hls",
        choices=("Vitis", "Vivado"),
        default=None,
        help="HLS tool flavour of the hls project (default Vitis)",
    )
    c.add_argument(
        "--io-type",
        choices=("io_parallel", "io_stream"),
        default=None,
        help="hls4ml IOType of the hls project (default io_parallel; the rtl backend is "
        "always fully parallel)",
    )
    c.add_argument(
        "--strategy",
        choices=("Latency", "Resource"),
        default=None,
        help="hls4ml Strategy of the hls project (default: the config's, else Latency)",
    )
    c.add_argument("--project-name", default=None, help="top-level name (default: model name)")
    c.add_argument(
        "--force",
        action="store_true",
        help="replace a trigc project whose manifest.json cannot be read (other directories "
        "are never replaced)",
    )
    c.add_argument("--dump-ir", action="store_true", help="print the final IR text")
    c.add_argument(
        "--budget",
        default=None,
        metavar="PRESET_OR_FILE",
        help="after compiling, run `trigc report` against this budget (exit 1 when over it); "
        "the clock defaults to the budget's",
    )
    c.add_argument("--device", default=None, metavar="PART", help="device for --budget")
    c.add_argument("--quiet", action="store_true", help="no progress messages")


def _request(args: argparse.Namespace, clock_mhz: float | None) -> Any:
    from ..compile_request import CompileRequest  # noqa: PLC0415

    period = args.clock_period if clock_mhz is None else 1000.0 / clock_mhz
    return CompileRequest(
        model=args.model,
        weights=args.weights,
        output=args.output,
        project_name=args.project_name,
        backends=args.backend,
        input_type=args.input_type,
        allow_inexact=args.allow_inexact,
        argmax=args.argmax,
        strict=args.strict,
        part=args.part,
        clock_period_ns=period,
        reuse_factor=args.reuse_factor,
        hls_flavor=args.hls,
        io_type=args.io_type,
        strategy=args.strategy,
        max_luts=args.max_luts,
    )


def cmd_compile(args: argparse.Namespace) -> int:
    """Run ``trigc compile``; with ``--budget``, the report's exit code."""
    from ..compile_request import resolve  # noqa: PLC0415
    from ..ir.text import to_text  # noqa: PLC0415
    from ..progress import Progress  # noqa: PLC0415
    from ..project import compile_project  # noqa: PLC0415

    budget = None
    clock_mhz = args.clock_mhz
    if args.budget is not None:
        from ..reports.budget import load_budget  # noqa: PLC0415

        budget = load_budget(args.budget)  # a bad budget fails before anything is written
        if clock_mhz is None and args.clock_period is None:
            clock_mhz = budget.clock_mhz
    config = None
    if args.config is not None:
        from ..frontends.config.hls4ml_file import load_hls4ml_file  # noqa: PLC0415

        config = load_hls4ml_file(args.config)  # a bad config fails before anything is written
    resolved = resolve(config, _request(args, clock_mhz))
    for warning in resolved.warnings:
        print(f"trigc compile: warning: {warning}", file=sys.stderr)
    progress = Progress() if args.quiet else Progress.to_stdout()
    project = compile_project(
        resolved.model,
        resolved.output,
        resolved.options,
        force=args.force,
        weights=resolved.weights,
        progress=progress,
    )
    if args.dump_ir:
        print(to_text(project.graph), end="")
    _print_summary(resolved.model, resolved.options.backends, project)
    if budget is not None:
        from .report import run_report  # noqa: PLC0415

        return run_report(project.path, budget, args.device, quiet=args.quiet)
    return EXIT_OK


def _print_summary(model: Path, backends: tuple[str, ...], project: Any) -> None:
    manifest = project.manifest
    print(f"compiled {model} -> {project.path} (backends: {', '.join(backends)})")
    for row in manifest.layers:
        print(
            f"  {row['name']:<24} {row['op']:<12} {row['type']} {row.get('elements', '')}".rstrip()
        )
    approximated = manifest.model.approximated_layers
    if approximated:
        print(
            f"  note: {', '.join(approximated)} approximate the model (float values cast to the "
            "precision configuration, sigmoid/tanh as hls4ml's lookup tables); the model's own "
            "float outputs are a reference for information only"
        )
    for name, summary in manifest.backends.items():
        for warning in summary.get("warnings", []):
            print(f"trigc compile: warning: {warning}", file=sys.stderr)
        if "latency_cycles" in summary:
            print(f"  {name}: latency {summary['latency_cycles']} cycles, II {summary.get('ii')}")
