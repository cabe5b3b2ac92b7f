"""The rtl backend: a quantized network as synthesizable, fully pipelined Verilog-2005.

::

    emit(graph, options, outdir) -> list[Path]

writes ``<project_name>.v`` (the design: ports ``clk``, ``rst``, ``in_valid``, ``in_data``,
``out_valid``, ``out_data``; II=1; latency in the manifest), ``<project_name>_hls_wrapper.v``
(the same behind hls4ml io_parallel Vitis ports) and ``rtl_manifest.json``.

How the graph becomes logic (data → analysis → printing):

1. :mod:`.lower` (``build_netlist``) turns each node into exact integer arithmetic on a
   word-level netlist of cells that are plain data (:mod:`.netlist`; one-bit logic in
   :mod:`.logic`): linear layers through :mod:`.linear` (constant multiplications as
   shift-and-add over canonical signed digits, :mod:`.csd`; two-digit subexpressions common to
   several outputs computed once, :mod:`.cse`, or with ``RtlSettings(sharing="products")``
   each odd multiple of an input; balanced adder trees), windows and merges in :mod:`.window`
   and :mod:`.merge`, each node's cast in logic (:mod:`.cast`).  Every wire is as wide as its
   exact range requires; :mod:`.netlist_text` prints the netlist as text for tests.
2. Cells are placed into pipeline stages as they are created, from the delay model of
   :mod:`.delay` and the clock period.
3. :mod:`.plan` computes, without printing, the live signals, the bits each stage reads (from
   the cells' expression templates, :mod:`.expressions`), the registers holding only those
   bits, one module per layer with its ports, fresh names and the design's figures.
4. :mod:`.verilog` prints the plan; :mod:`.project` places the text in the Jinja2 templates of
   ``firmware_templates/rtl`` and writes the manifest (:mod:`.manifest`).
"""

from __future__ import annotations

from pathlib import Path

from ...ir.graph import Graph
from ..options import BackendOptions
from .delay import DelayModel
from .manifest import MANIFEST_NAME, RtlManifest, load_rtl_manifest
from .project import Design, RtlSettings, generate, write_project
from .render import render_testbench

__all__ = [
    "MANIFEST_NAME",
    "DelayModel",
    "Design",
    "RtlManifest",
    "RtlSettings",
    "emit",
    "generate",
    "load_rtl_manifest",
    "render_testbench",
]


def emit(
    graph: Graph, options: BackendOptions, outdir: Path, settings: RtlSettings | None = None
) -> list[Path]:
    """Write the RTL project of ``graph`` into ``outdir``; returns the files, sorted."""
    return write_project(generate(graph, options, settings), Path(outdir))
