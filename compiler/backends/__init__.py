"""Backends turn a typed IR graph into a firmware project.

Every backend has the same interface::

    emit(graph: Graph, options: BackendOptions, outdir: Path) -> list[Path]

writing its files below ``outdir`` (which it creates) and returning them, sorted.  Outputs are
deterministic: the same graph and options give byte-identical files.  ``BACKENDS`` is the
registry; :func:`get_backend` lists the valid names when asked for an unknown one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


Emitter = Callable[[Graph, BackendOptions, Path], list[Path]]


def _hls(graph: Graph, options: BackendOptions, outdir: Path) -> list[Path]:
    from .hls import emit

    return emit(graph, options, outdir)


def _rtl(graph: Graph, options: BackendOptions, outdir: Path) -> list[Path]:
    from .rtl import emit

    return emit(graph, options, outdir)


BACKENDS: dict[str, Emitter] = {"hls": _hls, "rtl": _rtl}


def get_backend(name: str) -> Emitter:
    """The backend called ``name``."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise TrigcError(
            f"unknown backend {name!r}; valid backends: {', '.join(sorted(BACKENDS))}"
        ) from None
