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
from pathlib import Path

from ..errors import TrigcError
from ..ir.graph import Graph
from .options import BackendOptions, Emitted

Emitter = Callable[[Graph, BackendOptions, Path], Emitted]


def _hls(graph: Graph, options: BackendOptions, outdir: Path) -> Emitted:
    from .hls import emit_project

    files, summary = emit_project(graph, options, outdir)
    return Emitted(tuple(files), summary)


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


def _emu(graph: Graph, options: BackendOptions, outdir: Path) -> Emitted:
    from .emu import generate, write_project

    design = generate(graph, options)
    summary = {"namespace": design.namespace, "header": f"{design.namespace}.hpp"}
    return Emitted(tuple(write_project(design, Path(outdir))), summary)


BACKENDS: dict[str, Emitter] = {"hls": _hls, "rtl": _rtl, "emu": _emu}

Preflight = Callable[[Graph, BackendOptions], object]


def _rtl_preflight(graph: Graph, options: BackendOptions) -> object:
    from .rtl.size import check_size

    return check_size(graph, options)


PREFLIGHTS: dict[str, Preflight] = {"rtl": _rtl_preflight}
"""Checks a backend makes in seconds before any backend writes: the rtl backend's size guard."""


def preflight(graph: Graph, names: tuple[str, ...], options: BackendOptions) -> None:
    """Run the preflight check of every backend in ``names`` (raises :class:`TrigcError`)."""
    for name in names:
        if name in PREFLIGHTS:
            PREFLIGHTS[name](graph, options)


def get_backend(name: str) -> Emitter:
    """The backend called ``name``."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise TrigcError(
            f"unknown backend {name!r}; valid backends: {', '.join(sorted(BACKENDS))}"
        ) from None


__all__ = ["BACKENDS", "BackendOptions", "Emitted", "Emitter", "get_backend", "preflight"]
