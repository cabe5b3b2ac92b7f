"""Figures of the RTL backend's firmware: Yosys synthesis of ``<project>/rtl/``.

The RTL backend writes ``rtl/rtl_manifest.json`` (read through its contract,
:class:`~trigc.compiler.backends.rtl.manifest.RtlManifest`); besides ``top``, latency and
files, the report uses ``stages`` (the backend's own per-stage delay estimates, ns),
``delay_model`` and ``layers``, which maps IR layers to the hierarchy (trigc's RTL backend
writes one module per IR node and lists them all).  Without it an instance belongs
to the IR node of the same name, or whose name ends the instance's module name (``<top>_fc1`` ->
``fc1``).  A flat design (no instances) gets totals only, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..backends.rtl.manifest import MANIFEST_NAME, LayerEntry, RtlManifest, load_rtl_manifest
from ..devices import Device
from ..errors import ProjectError
from ..ir.graph import Graph
from .model import LayerFigures
from .vendor import VendorFigures, find_reports, read_report
from .yosys import InstanceFigures, SynthResult, synthesize


def synthesize_rtl(
    rtl_dir: Path, device: Device, progress: Callable[[str], None], use_cache: bool = True
) -> tuple[RtlManifest, SynthResult]:
    """The RTL manifest and the Yosys result of the files it lists."""
    manifest = load_rtl_manifest(rtl_dir)
    verilog = [f for f in manifest.file_paths if f.suffix in (".v", ".sv", ".vh", ".svh")]
    if not verilog:
        raise ProjectError(f"{Path(rtl_dir) / MANIFEST_NAME}: lists no Verilog files")
    return manifest, synthesize(verilog, manifest.top, device.family, progress, use_cache)


def _node_for(instance: InstanceFigures, names: list[str], top: str) -> str | None:
    if instance.name in names:
        return instance.name
    module = instance.module.removeprefix(top + "_")
    matches = [n for n in names if module == n or module.endswith("_" + n)]
    return max(matches, key=len) if matches else None


def layer_figures(
    graph: Graph, manifest: RtlManifest, synth: SynthResult
) -> tuple[tuple[LayerFigures, ...], list[str]]:
    """Per-layer figures in graph order, and notes on what could not be attributed."""
    names = [n.name for n in graph.nodes]
    declared = {e.instance: e for e in manifest.layers}
    by_node: dict[str, tuple[InstanceFigures, LayerEntry | None]] = {}
    unmatched = []
    # instances the manifest declares claim their layers before name matching does
    for inst in sorted(synth.instances, key=lambda i: i.name not in declared):
        entry = declared.get(inst.name)
        node = entry.name if entry else _node_for(inst, names, synth.top)
        if node in names and node not in by_node:
            by_node[node] = (inst, entry)
        else:
            unmatched.append(inst.name)
    notes = []
    if not synth.instances:
        notes.append("the RTL is one flat module: figures are totals only, none per layer")
    if unmatched:
        notes.append(f"instances not matched to an IR layer: {', '.join(unmatched)}")
    layers = []
    for node in graph.nodes:
        if node.name not in by_node:
            continue
        inst, entry = by_node[node.name]
        path = inst.path
        layers.append(
            LayerFigures(
                name=node.name,
                op=node.op,
                module=inst.module,
                resources=dict(inst.resources),
                latency_cycles=entry.latency_cycles if entry else None,
                delay_ns=path.delay_ns if path else None,
                logic_levels=path.levels if path else None,
            )
        )
    return tuple(layers), notes


def vendor_figures(rtl_dir: Path, top: str) -> list[VendorFigures]:
    """Vivado reports a user put beside the RTL (e.g. after running Vivado on it)."""
    return [read_report(p) for p in find_reports(rtl_dir, top)]
