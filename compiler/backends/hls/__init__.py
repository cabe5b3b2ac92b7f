"""The HLS backend: an hls4ml project whose every tensor has the IR's exact type.

The IR is lowered to an hls4ml layer list (``InputLayer``, ``Dense``, ``Conv1D``/``Conv2D``,
pooling, ``Merge``, ``Concatenate``, ``Reshape``, ``Activation``, ``LeakyReLU``,
``BatchNormalization``) with explicit per-tensor precisions, turned into a ``ModelGraph`` with
:meth:`hls4ml.model.ModelGraph.from_layer_list` and written with hls4ml's own writer.  Nothing
is left for hls4ml to infer:

* ``dense``: weight and bias precisions are the constants' types, the accumulator is the exact
  (never overflowing, ``WRAP``) type of the sum with ``frac = max(x.frac + w.frac, b.frac)``, and
  the result is the node's output type, so the C++ cast at the end *is* the IR's cast;
* ``relu``: ``Activation('relu')`` with the output type;
* ``requantize``: ``Activation('linear')`` with the output type, or nothing when the cast cannot
  change a value (same width, integer bits and sign);
* ``scale_shift``: ``BatchNormalization`` given its exact ``scale``/``bias`` arrays (hls4ml then
  computes ``x * scale + bias`` in full precision and casts once; repeated over leading axes);
* ``conv``: io_parallel ``Conv1D``/``Conv2D`` (one product per output pixel, all pixels in
  parallel), with the exact wrapping accumulator like ``dense``;
* ``max_pool``/``avg_pool``: ``MaxPooling``/``AveragePooling`` whose accumulator is exact
  (hls4ml divides by the power-of-two window size, exact with that many more fractional bits);
* ``add``/``subtract``/``multiply``: ``Merge`` (full-precision ``ap_fixed`` result, one cast);
  ``concatenate``: ``Concatenate`` (hls4ml's ``concatenate1d``/``2d``/``3d`` on any axis);
* ``reshape``: a cast as ``requantize`` (io_parallel arrays are flat), preceded by a
  ``Reshape`` view when a later layer reads the shape;
* ``leaky_relu``/``binary``/``relu_max``: ``LeakyReLU`` with an exact one-bit slope,
  ``binary_tanh``, ``relu1``/``relu6``.

Besides hls4ml's files the project holds ``trigc_io.json`` (:mod:`.io_file`: input/output
names, shapes and types, and the traced layers), which is all :class:`.csim.HlsCSim` needs to run
the C simulation without the Python graph.

Outputs are deterministic: hls4ml's random library ``Stamp`` is replaced by a digest of the graph
and options, and the absolute output directory hls4ml records in ``hls4ml_config.yml`` is
replaced by ``.``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ProjectError
from ...ir.graph import Graph
from ..options import BackendOptions
from .export import write_export_script
from .lower import DOUBLE_MANTISSA_BITS, Lowered, hls4ml_layers
from .model import build_model, check_kept_layers, check_per_element_io, reuse_summary
from .write import graph_digest, write_io_file, write_project

__all__ = ["DOUBLE_MANTISSA_BITS", "Lowered", "emit", "emit_project", "hls4ml_layers"]


def emit(graph: Graph, options: BackendOptions, outdir: Path) -> list[Path]:
    """Write an hls4ml project for ``graph`` into ``outdir`` and return its files, sorted.

    ``outdir`` must not exist or be empty.  Raises :class:`TrigcError` for an op, shape or
    constant the backend cannot express, naming the node.
    """
    return emit_project(graph, options, outdir)[0]


def emit_project(
    graph: Graph, options: BackendOptions, outdir: Path
) -> tuple[list[Path], dict[str, Any]]:
    """:func:`emit`, and the summary the project manifest records: the reuse factors hls4ml
    changed (it replaces one that does not divide a layer's multiplications by the nearest
    that does) and the warnings saying so."""
    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ProjectError(
            f"output directory {outdir} exists and is not empty; remove it or choose another"
        )
    check_per_element_io(graph, options)
    lowered = hls4ml_layers(graph)
    hls_model = build_model(graph, lowered, options, outdir)
    check_kept_layers(graph, lowered, hls_model)
    stamp = graph_digest(graph, options)[:8]
    outdir.mkdir(parents=True, exist_ok=True)
    write_project(hls_model, stamp)
    write_io_file(graph, lowered, hls_model, options, stamp, outdir)
    write_export_script(outdir)
    files = sorted(p for p in outdir.rglob("*") if p.is_file())
    return files, reuse_summary(lowered, hls_model, options)
