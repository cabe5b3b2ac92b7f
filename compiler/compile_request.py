"""What ``trigc compile`` is asked, resolved into :class:`~trigc.compiler.project.CompileOptions`.

:func:`resolve` is pure: the request (the command line's flags, ``None`` where a flag was not
given) wins; what it leaves unset comes from the hls4ml configuration file (the model and
weights files, ``OutputDir``, ``ProjectName``, ``Part``, ``ClockPeriod``, ``Backend``,
``IOType``, ``HLSConfig``), then from the defaults, each written once in
:class:`~trigc.compiler.backends.options.BackendOptions`.  hls4ml's ``Strategy`` and
``ReuseFactor`` (model, ``LayerName``, ``LayerType``) become the hls backend's settings; the rtl
backend is fully parallel whatever they say, and a warning says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .backends.options import BackendOptions, HlsLayerSettings
from .devices import is_part_name
from .errors import TrigcError
from .frontends.config.hls4ml_file import Hls4mlFile
from .frontends.config.precision import LayerConfig, PrecisionConfig
from .ir.fixed import FixedType
from .names import identifier
from .project import CompileOptions

DEFAULTS = BackendOptions()


@dataclass(frozen=True)
class CompileRequest:
    """What the caller asks for; ``None`` leaves a setting to the configuration file, then to
    the default."""

    model: Path | None = None
    weights: Path | None = None
    output: Path | None = None
    project_name: str | None = None
    backends: tuple[str, ...] = ("hls",)
    input_type: FixedType | None = None
    allow_inexact: bool = False
    argmax: bool = False
    strict: bool = False
    part: str | None = None
    clock_period_ns: float | None = None
    reuse_factor: int | None = None
    hls_flavor: str | None = None
    io_type: str | None = None
    strategy: str | None = None
    max_luts: int | None = None


@dataclass(frozen=True)
class ResolvedCompile:
    """The files to read and write, the options to compile with, and what to warn about."""

    model: Path
    weights: Path | None
    output: Path
    options: CompileOptions
    warnings: tuple[str, ...] = ()


def _hls_settings(entries: dict[str, LayerConfig]) -> tuple[tuple[str, HlsLayerSettings], ...]:
    return tuple(
        (name, HlsLayerSettings(c.reuse_factor, c.strategy))
        for name, c in sorted(entries.items())
        if c.reuse_factor is not None or c.strategy is not None
    )


def _config_part(config: Hls4mlFile) -> str | None:
    if config.part is not None and not is_part_name(config.part):
        raise TrigcError(
            f"{config.path.name}: Part {config.part!r} is not an FPGA part name "
            "(device-package-speed grade, such as xcvu13p-flga2577-2-e)"
        )
    return config.part


def resolve(config: Hls4mlFile | None, request: CompileRequest) -> ResolvedCompile:
    """The compile options from an hls4ml configuration (``None``: none given) and a request."""
    precision: PrecisionConfig | None = config.precision if config else None
    model, weights = request.model, request.weights
    if model is None and config is not None:
        model, weights = config.model, weights or config.weights
    if model is None:
        raise TrigcError(
            "trigc compile: no model: pass a model file, or a --config hls4ml configuration "
            "that names one (KerasJson + KerasH5, KerasH5, KerasModel or OnnxModel)"
        )
    output = request.output or (config.output_dir if config else None)
    if output is None:
        raise TrigcError(
            "trigc compile: no project directory: pass -o DIR (or OutputDir in the --config file)"
        )
    backend = BackendOptions(
        project_name=identifier(
            request.project_name or (config.project_name if config else None) or Path(model).stem
        ),
        part=request.part or (config and _config_part(config)) or DEFAULTS.part,
        clock_period_ns=request.clock_period_ns
        or (config and config.clock_period_ns)
        or DEFAULTS.clock_period_ns,
        reuse_factor=request.reuse_factor
        or (precision.reuse_factor if precision else None)
        or DEFAULTS.reuse_factor,
        hls_flavor=request.hls_flavor or (config and config.hls_flavor) or DEFAULTS.hls_flavor,
        max_luts=request.max_luts,
        io_type=request.io_type or (config and config.io_type) or DEFAULTS.io_type,
        strategy=request.strategy or (precision.strategy if precision else DEFAULTS.strategy),
        layers=_hls_settings(precision.layers) if precision else (),
        layer_types=_hls_settings(precision.layer_types) if precision else (),
    )
    options = CompileOptions(
        backends=request.backends,
        input_type=request.input_type,
        allow_inexact=request.allow_inexact,
        precision=precision,
        argmax=request.argmax,
        strict=request.strict,
        backend=backend,
    )
    warnings = list(config.warnings if config else ())
    parallel = (backend.io_type, backend.strategy, backend.reuse_factor) == (
        "io_parallel",
        "Latency",
        1,
    )
    if "rtl" in request.backends and (not parallel or backend.layers or backend.layer_types):
        warnings.append(
            "the rtl backend is fully parallel (a new input every clock); IOType, Strategy and "
            "ReuseFactor apply to the hls project only"
        )
    return ResolvedCompile(Path(model), weights, Path(output), options, tuple(warnings))
