"""``trigc compile``'s settings from the command line and an hls4ml configuration file.

The command line wins; what it leaves unset comes from the ``--config`` file (the model and
weights files, ``OutputDir``, ``ProjectName``, ``Part``, ``ClockPeriod``, ``Backend``,
``IOType``, ``HLSConfig``), then from trigc's defaults.  hls4ml's ``Strategy`` and
``ReuseFactor`` (model, ``LayerName``, ``LayerType``) become the hls backend's settings; the
rtl backend is fully parallel whatever they say, and a warning says so.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from .backends.options import HlsLayerSettings
from .errors import TrigcError
from .frontends.precision_config import LayerConfig, PrecisionConfig

DEFAULT_PART = "xcvu9p-flga2104-2L-e"
DEFAULT_CLOCK_PERIOD_NS = 5.0


@dataclass(frozen=True)
class CompileSettings:
    """What the configuration adds to the command line's options."""

    precision: PrecisionConfig | None = None
    layers: tuple[tuple[str, HlsLayerSettings], ...] = ()
    layer_types: tuple[tuple[str, HlsLayerSettings], ...] = ()
    warnings: tuple[str, ...] = ()


def _hls_settings(
    entries: dict[str, LayerConfig] | object,
) -> tuple[tuple[str, HlsLayerSettings], ...]:
    items = sorted(entries.items())  # type: ignore[attr-defined]
    return tuple(
        (name, HlsLayerSettings(c.reuse_factor, c.strategy))
        for name, c in items
        if c.reuse_factor is not None or c.strategy is not None
    )


def resolve_compile_args(args: argparse.Namespace) -> CompileSettings:
    """Fill ``args`` (model, weights, output, project_name, part, clock_period, hls, io_type,
    strategy, reuse_factor) from ``args.config`` and the defaults; return the rest."""
    warnings: list[str] = []
    precision = None
    if args.config is not None:
        from .frontends.hls4ml_file import load_hls4ml_file  # noqa: PLC0415

        found = load_hls4ml_file(args.config)  # a bad config fails before anything is written
        precision = found.precision
        warnings += found.warnings
        if args.model is None:
            args.model, args.weights = found.model, args.weights or found.weights
        args.output = args.output or found.output_dir
        args.project_name = args.project_name or found.project_name
        if args.part is None and found.part is not None:
            from .devices import is_part_name  # noqa: PLC0415

            if not is_part_name(found.part):
                raise TrigcError(
                    f"{found.path.name}: Part {found.part!r} is not an FPGA part name "
                    "(device-package-speed grade, such as xcvu13p-flga2577-2-e)"
                )
            args.part = found.part
        if args.clock_period is None:
            args.clock_period = found.clock_period_ns
        args.hls = args.hls or found.hls_flavor
        args.io_type = args.io_type or found.io_type
    if args.model is None:
        raise TrigcError(
            "trigc compile: no model: pass a model file, or a --config hls4ml configuration "
            "that names one (KerasJson + KerasH5, KerasH5, KerasModel or OnnxModel)"
        )
    if args.output is None:
        raise TrigcError(
            "trigc compile: no project directory: pass -o DIR (or OutputDir in the --config file)"
        )
    args.model, args.output = Path(args.model), Path(args.output)
    args.part = args.part or DEFAULT_PART
    if args.clock_period is None:
        args.clock_period = DEFAULT_CLOCK_PERIOD_NS
    args.hls = args.hls or "Vitis"
    args.io_type = args.io_type or "io_parallel"
    args.strategy = args.strategy or (precision.strategy if precision else "Latency")
    if args.reuse_factor is None:
        args.reuse_factor = (precision.reuse_factor if precision else None) or 1
    layers = _hls_settings(precision.layers) if precision else ()
    layer_types = _hls_settings(precision.layer_types) if precision else ()
    parallel = (args.io_type, args.strategy, args.reuse_factor) == ("io_parallel", "Latency", 1)
    if "rtl" in args.backend and (not parallel or layers or layer_types):
        warnings.append(
            "the rtl backend is fully parallel (a new input every clock); IOType, Strategy and "
            "ReuseFactor apply to the hls project only"
        )
    return CompileSettings(precision, layers, layer_types, tuple(warnings))
