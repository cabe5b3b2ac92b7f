"""Figures of the RTL backend's firmware: Yosys synthesis of ``<project>/rtl/``.

The RTL backend writes ``rtl/rtl_manifest.json``; the fields read here are ``top``,
``latency_cycles``, ``ii``, ``clock_mhz`` and ``files`` (required) and ``stages`` (the backend's
own per-stage delay estimates, ns), ``delay_model`` and ``layers`` (optional).  ``layers``, when
present, maps IR layers to the hierarchy: a list of ``{"name": <IR node>, "instance": <instance
of the top module>, "latency_cycles": <int>}`` (trigc's RTL backend writes one module per IR
node and lists them all, with ``module`` and ``stages`` as well).  Without it an instance belongs
to the IR node of the same name, or whose name ends the instance's module name (``<top>_fc1`` ->
``fc1``).  A flat design (no instances) gets totals only, and the report says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ProjectError
from ..ir.graph import Graph
from .devices import Device
from .model import LayerFigures
from .vendor import VendorFigures, find_reports, read_report
from .yosys import InstanceFigures, SynthResult, synthesize

MANIFEST_NAME = "rtl_manifest.json"


def read_rtl_manifest(rtl_dir: Path) -> dict[str, Any]:
    """``rtl_manifest.json`` with its required fields checked."""
    path = Path(rtl_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ProjectError(f"{path} not found: is {rtl_dir} the RTL backend's output?") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a JSON object")
    for key, kind in (("top", str), ("latency_cycles", int), ("ii", int), ("files", list)):
        if not isinstance(data.get(key), kind):
            raise ProjectError(f"{path}: field {key!r} missing or not a {kind.__name__}")
    if not isinstance(data.get("clock_mhz"), int | float):
        raise ProjectError(f"{path}: field 'clock_mhz' missing or not a number")
    return data


def synthesize_rtl(
    rtl_dir: Path, device: Device, progress: Callable[[str], None], use_cache: bool = True
) -> tuple[dict[str, Any], SynthResult]:
    """The RTL manifest and the Yosys result of the files it lists."""
    manifest = read_rtl_manifest(rtl_dir)
    files = [Path(rtl_dir) / f for f in manifest["files"]]
    verilog = [f for f in files if f.suffix in (".v", ".sv", ".vh", ".svh")]
    if not verilog:
        raise ProjectError(f"{rtl_dir / MANIFEST_NAME}: lists no Verilog files")
    return manifest, synthesize(verilog, manifest["top"], device.family, progress, use_cache)


def _node_for(instance: InstanceFigures, names: list[str], top: str) -> str | None:
    if instance.name in names:
        return instance.name
    module = instance.module.removeprefix(top + "_")
    matches = [n for n in names if module == n or module.endswith("_" + n)]
    return max(matches, key=len) if matches else None


def layer_figures(
    graph: Graph, manifest: dict[str, Any], synth: SynthResult
) -> tuple[tuple[LayerFigures, ...], list[str]]:
    """Per-layer figures in graph order, and notes on what could not be attributed."""
    names = [n.name for n in graph.nodes]
    declared = {e["instance"]: e for e in manifest.get("layers", []) if isinstance(e, dict)}
    by_node: dict[str, tuple[InstanceFigures, dict[str, Any]]] = {}
    unmatched = []
    # instances the manifest declares claim their layers before name matching does
    for inst in sorted(synth.instances, key=lambda i: i.name not in declared):
        entry = declared.get(inst.name, {})
        node = entry.get("name") or _node_for(inst, names, synth.top)
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
                latency_cycles=entry.get("latency_cycles"),
                delay_ns=path.delay_ns if path else None,
                logic_levels=path.levels if path else None,
            )
        )
    return tuple(layers), notes


def vendor_figures(rtl_dir: Path, top: str) -> list[VendorFigures]:
    """Vivado reports a user put beside the RTL (e.g. after running Vivado on it)."""
    return [read_report(p) for p in find_reports(rtl_dir, top)]
