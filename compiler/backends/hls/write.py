"""Writing the hls4ml project deterministically, and ``trigc_io.json``."""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ...ir.graph import Graph
from ..options import BackendOptions
from .io_file import IO_FORMAT, HlsIo, Port
from .lower import Lowered


def write_project(hls_model: Any, stamp: str) -> None:
    """Write the project with hls4ml's writer, deterministically.

    ``ModelGraph.write()`` runs the ``make_stamp`` pass first, which draws a random UUID; we
    call the backend's ``write_hls`` (the pass that follows it) with our own stamp instead.
    """
    hls_model.config.config["Stamp"] = stamp
    with _keras_import_blocked():
        hls_model.config.backend.write_hls(hls_model)
    outdir = Path(hls_model.config.get_output_dir())
    config_file = outdir / "hls4ml_config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["OutputDir"] = "."  # hls4ml records the absolute path it wrote to
    config_file.write_text(yaml.dump(config))


@contextlib.contextmanager
def _keras_import_blocked() -> Iterator[None]:
    """hls4ml's YAML writer imports keras (and so TensorFlow, 5-8 s) only to register a
    representer for Keras models; make that import fail fast unless keras is loaded already."""
    if "keras" in sys.modules:
        yield
        return
    sys.modules["keras"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("keras", 0) is None:
            del sys.modules["keras"]


def write_io_file(
    graph: Graph,
    lowered: Lowered,
    hls_model: Any,
    options: BackendOptions,
    stamp: str,
    outdir: Path,
) -> None:
    """``trigc_io.json`` (:mod:`.io_file`): what the C simulation needs about the top function."""
    in_vars = [v.name for v in hls_model.get_input_variables()]
    out_vars = [v.name for v in hls_model.get_output_variables()]

    def port(name: str, var: str) -> Port:
        t = graph.tensor(name)
        return Port(name, var, t.shape, t.type)

    traced = tuple(
        port(n.output.name, lowered.traced_by.get(n.output.name, lowered.layer_of[n.output.name]))
        for n in graph.nodes
    )
    HlsIo(
        graph.name,
        options.project_name,
        stamp,
        tuple(port(n.output.name, v) for n, v in zip(graph.inputs, in_vars, strict=True)),
        tuple(port(name, v) for name, v in zip(graph.outputs, out_vars, strict=True)),
        traced,
    ).write(outdir)


def graph_digest(graph: Graph, options: BackendOptions) -> str:
    """A SHA-256 hex digest of everything that determines the emitted project."""
    h = hashlib.sha256()

    def put(*items: object) -> None:
        for item in items:
            h.update(repr(item).encode())
            h.update(b"\0")

    put(IO_FORMAT, graph.name, graph.outputs, options)
    for node in graph.nodes:
        put(node.name, node.op, node.inputs, node.output, sorted(node.recorded_attrs().items()))
        for cname in sorted(node.consts):
            const = node.consts[cname]
            put(cname, const.type, const.values.shape, [int(v) for v in const.values.flat])
    return h.hexdigest()
