"""The ``trigc`` command line: a thin layer over :mod:`trigc.compiler.project` and friends.

User mistakes (a :class:`~trigc.compiler.errors.TrigcError`) print one paragraph to stderr and
exit 2; a failed verification exits 1; success exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from importlib import metadata
from pathlib import Path

from .errors import TrigcError
from .ir.fixed import FixedType, FixedTypeError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _fixed_type(text: str) -> FixedType:
    from .frontends.quantizers import MAX_QUANTIZED_WIDTH  # noqa: PLC0415

    try:
        t = FixedType.parse(text)
    except FixedTypeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if t.width > MAX_QUANTIZED_WIDTH:
        raise argparse.ArgumentTypeError(
            f"{text!r}: {t.width} bits; inputs may be at most {MAX_QUANTIZED_WIDTH} bits wide"
        )
    return t


def _backends(text: str) -> tuple[str, ...]:
    from .backends import BACKENDS  # noqa: PLC0415

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    valid = ", ".join(sorted(BACKENDS))
    if not names:
        raise argparse.ArgumentTypeError(f"no backend named; give one or more of {valid}")
    for n in names:
        if n not in BACKENDS:
            raise argparse.ArgumentTypeError(f"unknown backend {n!r}; valid: {valid}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names a backend twice")
    return names


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number > 0")
    return value


def _count(minimum: int):
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {minimum}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its message
    return parse


def _part(text: str) -> str:
    from .devices import DEVICES, is_part_name  # noqa: PLC0415

    if not is_part_name(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an FPGA part name (device-package-speed grade, such as "
            f"xcvu9p-flga2104-2L-e; devices with resource figures: {', '.join(DEVICES)})"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trigc",
        description="Compile quantized neural networks into bit-exact, verified FPGA firmware.",
    )
    parser.add_argument("--version", action="version", version=f"trigc {metadata.version('trigc')}")
    sub = parser.add_subparsers(dest="command", required=True)

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
        type=_backends,
        default=("hls",),
        help="comma-separated backends: hls, rtl, emu (default: hls)",
    )
    c.add_argument(
        "--input-type",
        type=_fixed_type,
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
        "--part", type=_part, default=None, help="FPGA part (default xcvu9p-flga2104-2L-e)"
    )
    c.add_argument(
        "--max-luts",
        type=_count(1),
        default=None,
        help="refuse an rtl design estimated above this many LUTs (default: the part's LUTs)",
    )
    clock = c.add_mutually_exclusive_group()
    clock.add_argument(
        "--clock-period", type=_positive_float, default=None, help="clock period in ns"
    )
    clock.add_argument(
        "--clock-mhz",
        type=_positive_float,
        default=None,
        help="clock frequency in MHz (default 200)",
    )
    c.add_argument(
        "--reuse-factor",
        type=_count(1),
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
    c.add_argument("--force", action="store_true", help="replace a non-project directory")
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

    from .reports.cli import add_report_parser  # noqa: PLC0415

    add_report_parser(sub)

    pt = sub.add_parser(
        "patterns",
        help="board pattern files (EMP v1/v2, APx) of test events and the expected outputs",
    )
    pt.add_argument("project", type=Path, help="project directory written by trigc compile")
    pt.add_argument("--format", choices=("emp", "emp2", "apx"), default="emp")
    pt.add_argument("--events", type=_count(1), default=1000, help="events (edge cases first)")
    _input_arguments(pt)
    pt.add_argument("--seed", type=int, default=0)
    pt.add_argument(
        "--link-map", type=Path, default=None, help="link_map.yaml (default: packed in order)"
    )
    cc = sub.add_parser(
        "check-capture", help="compare a captured output pattern file with the IR, bit for bit"
    )
    cc.add_argument("project", type=Path, help="project directory written by trigc compile")
    cc.add_argument("captured", type=Path, help="captured output pattern file (EMP v1/v2, APx)")
    cc.add_argument(
        "--input-pattern",
        type=Path,
        default=None,
        help="the input pattern played (default: PROJECT/board/input.<format>.txt)",
    )
    cc.add_argument("--link-map", type=Path, default=None)

    from trigc.scan.cli import add_scan_parser  # noqa: PLC0415

    add_scan_parser(sub)

    v = sub.add_parser("verify", help="check model, IR and firmware agree bit for bit")
    v.add_argument("project", type=Path, help="project directory written by trigc compile")
    v.add_argument("--vectors", type=_count(1), default=100000, help="number of test vectors")
    _input_arguments(v)
    v.add_argument("--seed", type=_count(0), default=0, help="seed of the random vectors")
    v.add_argument(
        "--only",
        type=lambda s: tuple(s.split(",")),
        default=None,
        help="comma-separated subset of keras,onnx,hls,rtl,emu",
    )
    v.add_argument(
        "--csim-vectors",
        type=_count(0),
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
    return parser


def _cmd_compile(args: argparse.Namespace) -> int:
    from .backends import BackendOptions  # noqa: PLC0415
    from .ir.serialize import to_text  # noqa: PLC0415
    from .names import identifier  # noqa: PLC0415
    from .progress import Progress  # noqa: PLC0415
    from .project import CompileOptions, compile_project  # noqa: PLC0415

    budget = None
    if args.budget is not None:
        from .reports.budget import load_budget  # noqa: PLC0415

        budget = load_budget(args.budget)  # a bad budget fails before anything is written
        if args.clock_mhz is None and args.clock_period is None:
            args.clock_mhz = budget.clock_mhz
    if args.clock_mhz is not None:
        args.clock_period = 1000.0 / args.clock_mhz
    from .compile_settings import resolve_compile_args  # noqa: PLC0415

    settings = resolve_compile_args(args)
    precision = settings.precision
    project_name = identifier(args.project_name or args.model.stem)
    options = CompileOptions(
        backends=args.backend,
        input_type=args.input_type,
        allow_inexact=args.allow_inexact,
        precision=precision,
        argmax=args.argmax,
        strict=args.strict,
        backend=BackendOptions(
            project_name=project_name,
            part=args.part,
            clock_period_ns=args.clock_period,
            reuse_factor=args.reuse_factor,
            hls_flavor=args.hls,
            max_luts=args.max_luts,
            io_type=args.io_type,
            strategy=args.strategy,
            layers=settings.layers,
            layer_types=settings.layer_types,
        ),
    )
    for warning in settings.warnings:
        print(f"trigc compile: warning: {warning}", file=sys.stderr)
    progress = Progress() if args.quiet else Progress.to_stdout()
    project = compile_project(
        args.model, args.output, options, force=args.force, weights=args.weights, progress=progress
    )
    if args.dump_ir:
        print(to_text(project.graph), end="")
    manifest = project.manifest
    print(f"compiled {args.model} -> {project.path} (backends: {', '.join(args.backend)})")
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
    if budget is not None:
        from .reports.cli import run_report  # noqa: PLC0415

        return run_report(project.path, budget, args.device, quiet=args.quiet)
    return EXIT_OK


def _simulators(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip() and n.strip() != "none")
    for n in names:
        if n not in ("verilator", "icarus"):
            raise TrigcError(f"unknown simulator {n!r}; valid: verilator, icarus, none")
    return names


def _cmd_verify(args: argparse.Namespace) -> int:
    from .progress import Progress  # noqa: PLC0415
    from .verify import format_result, verify_project  # noqa: PLC0415

    if args.vectors < 1:
        raise TrigcError("--vectors must be at least 1")
    result = verify_project(
        args.project,
        vectors=args.vectors,
        inputs=args.inputs,
        seed=args.seed,
        representations=args.only,
        csim_vectors=args.csim_vectors or None,
        protocol_sims=_simulators(args.sim),
        progress=Progress() if args.json else Progress.to_stdout(),
        branches=args.branches,
        quantize_inputs=args.quantize_inputs,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "vectors": result.vectors,
                    "comparisons": {
                        c.name: {
                            "identical": c.identical,
                            "total": c.total,
                            "informative": c.informative,
                        }
                        for c in result.comparisons
                    },
                    "protocol": [
                        {"simulator": p.simulator, "passed": p.passed, "vectors": p.vectors}
                        for p in result.protocol
                    ],
                    "notes": result.notes,
                    "diagnosis": result.diagnosis,
                },
                indent=1,
            )
        )
    else:
        print(format_result(result))
    return EXIT_OK if result.ok else EXIT_FAIL


def _cmd_report(args: argparse.Namespace) -> int:
    from .reports.cli import cmd_report  # noqa: PLC0415

    return cmd_report(args)


def _input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--inputs",
        default=None,
        metavar="SPEC",
        help="input vectors: x.npy, data.npz:ARRAY, data.h5:DATASET, events.root:TREE "
        "(with --branches), x.csv",
    )
    p.add_argument(
        "--branches",
        type=lambda s: [b for b in s.split(",") if b],
        default=None,
        help="comma-separated ROOT branches, one per input element, in order",
    )
    p.add_argument(
        "--quantize-inputs",
        action="store_true",
        help="round values off the input grid with the input type's rounding and overflow "
        "modes (reported) instead of refusing them",
    )


def _cmd_patterns(args: argparse.Namespace) -> int:
    from .board import write_patterns  # noqa: PLC0415
    from .project import open_project  # noqa: PLC0415

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


def _cmd_check_capture(args: argparse.Namespace) -> int:
    from .board import check_project_capture  # noqa: PLC0415
    from .project import open_project  # noqa: PLC0415

    project = open_project(args.project)
    result = check_project_capture(project, args.captured, args.input_pattern, args.link_map)
    print("\n".join(result.lines))
    return EXIT_OK if result.ok else EXIT_FAIL


def _cmd_scan(args: argparse.Namespace) -> int:
    from trigc.scan.cli import cmd_scan  # noqa: PLC0415

    return cmd_scan(args)


COMMANDS = {
    "compile": _cmd_compile,
    "verify": _cmd_verify,
    "report": _cmd_report,
    "scan": _cmd_scan,
    "patterns": _cmd_patterns,
    "check-capture": _cmd_check_capture,
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
