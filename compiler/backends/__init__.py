"""Backends turn a typed IR graph into a firmware project.

Every backend has the same interface::

    emit(graph: Graph, options: BackendOptions, outdir: Path) -> Emitted

writing its files below ``outdir`` (which it creates) and returning them, sorted, with the
figures the project manifest records (latency, II, clock, top module), in memory.  Outputs
are deterministic: the same graph and options give byte-identical files.  ``BACKENDS`` is the
registry; :func:`get_backend` lists the valid names when asked for an unknown one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TrigcError
from ..ir.graph import Graph


@dataclass(frozen=True)
class BackendOptions:
    """Options common to all backends."""

    project_name: str = "trigc_model"
    part: str = "xcvu9p-flga2104-2L-e"
    clock_period_ns: float = 5.0
    reuse_factor: int = 1
    hls_flavor: str = "Vitis"  # or "Vivado"

    @property
    def clock_mhz(self) -> float:
        return 1000.0 / self.clock_period_ns


@dataclass(frozen=True)
class Emitted:
    """What a backend wrote: its files (sorted) and its summary for the project manifest."""

    files: tuple[Path, ...]
    summary: dict[str, Any] = field(default_factory=dict)


Emitter = Callable[[Graph, BackendOptions, Path], Emitted]


def _hls(graph: Graph, options: BackendOptions, outdir: Path) -> Emitted:
    from .hls import emit

    return Emitted(tuple(emit(graph, options, outdir)))


def _rtl(graph: Graph, options: BackendOptions, outdir: Path) -> Emitted:
    from .rtl import generate, write_project

    design = generate(graph, options)
    m = design.manifest
    summary = {
        "latency_cycles": m.latency_cycles,
        "ii": m.ii,
        "clock_mhz": m.clock_mhz,
        "top": m.top,
    }
    return Emitted(tuple(write_project(design, Path(outdir))), summary)


BACKENDS: dict[str, Emitter] = {"hls": _hls, "rtl": _rtl}


def get_backend(name: str) -> Emitter:
    """The backend called ``name``."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise TrigcError(
            f"unknown backend {name!r}; valid backends: {', '.join(sorted(BACKENDS))}"
        ) from None
