"""The files of an RTL project: top module, hls4ml-style wrapper, manifest (and a testbench).

:func:`generate` builds everything in memory (file name -> text); :func:`write_project` writes
it.  Whole-file Jinja2 templates in ``firmware_templates/rtl`` only place values computed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trigc.firmware_templates import render

from ...errors import ProjectError, TrigcError
from ...ir.executor import run_int
from ...ir.graph import Graph
from ...names import VERILOG_KEYWORDS, verilog_identifier
from ..options import BackendOptions
from .delay import DelayModel
from .linear import SHARING
from .lower import Lowered, PortLayout, build_netlist
from .manifest import MANIFEST_NAME, LayerEntry, Port, RtlManifest
from .netlist import Netlist
from .plan import Plan, plan_design
from .retime import retime
from .size import check_size
from .verilog import PrintedDesign, print_design

WRAPPER_RESERVED = frozenset({"ap_clk", "ap_rst", "ap_start", "ap_done", "ap_idle", "ap_ready"})


@dataclass(frozen=True)
class RtlSettings:
    """Knobs of the rtl backend beyond :class:`BackendOptions`."""

    sharing: str = "pairs"  # or "products", "digits": see lower.linear
    retime: bool = True  # place the pipeline registers where they hold the fewest bits
    delay_model: DelayModel = field(default_factory=DelayModel)

    def __post_init__(self) -> None:
        if self.sharing not in SHARING:
            raise TrigcError(f"unknown sharing {self.sharing!r}; valid: {', '.join(SHARING)}")


def _render(template: str, **values: Any) -> str:
    return render("rtl", template, **values)


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name in VERILOG_KEYWORDS:
        raise TrigcError(
            f"project name {name!r} is not a usable Verilog module name: use letters, digits "
            "and underscores, starting with a letter, and no Verilog keyword"
        )


def _port(p: PortLayout) -> Port:
    t = p.tensor
    return Port(t.name, tuple(t.shape), t.type, t.type.width, p.offset)


def _wrapper_ports(lowered: Lowered) -> tuple[list[dict], list[dict]]:
    """Wrapper port names per tensor (the tensor name, made a legal, unique identifier)."""
    taken = set(WRAPPER_RESERVED) | {"take", "core", "core_valid", "core_data", "in_flight"}
    groups = []
    for ports in (lowered.inputs, lowered.outputs):
        entries = []
        for p in ports:
            port = verilog_identifier(p.tensor.name)
            while port in taken or port in VERILOG_KEYWORDS or f"{port}_ap_vld" in taken:
                port += "_t"
            taken |= {port, f"{port}_ap_vld"}
            entries.append(
                {
                    "tensor": p.tensor.name,
                    "port": port,
                    "msb": p.end - p.offset - 1,
                    "lo": p.offset,
                    "hi": p.end - 1,
                }
            )
        groups.append(entries)
    return groups[0], groups[1]


@dataclass(frozen=True)
class Design:
    """An RTL design in memory: file texts and the manifest."""

    files: dict[str, str]
    manifest: RtlManifest
    plan: Plan
    printed: PrintedDesign


def generate(graph: Graph, options: BackendOptions, settings: RtlSettings | None = None) -> Design:
    """Lower, schedule and render ``graph``; nothing is written."""
    settings = settings or RtlSettings()
    top = options.project_name
    _check_name(top)
    if not graph.outputs:
        raise TrigcError(f"graph {graph.name!r} has no outputs: nothing to build")
    model = settings.delay_model
    budget = model.budget_ns(options.clock_period_ns)
    if budget <= 0:
        raise TrigcError(
            f"clock period {options.clock_period_ns} ns leaves no time for logic after the "
            f"register overhead of the delay model; use a longer clock period"
        )
    check_size(graph, options)  # seconds, before a netlist too large to fit takes minutes
    lowered = build_netlist(graph, Netlist(model, budget), settings.sharing)
    if settings.retime:
        retime(lowered, model, budget)
    in_width = max(lowered.inputs[-1].end if lowered.inputs else 0, 1)
    out_width = lowered.outputs[-1].end
    plan = plan_design(lowered, in_width, top)
    printed = print_design(plan)
    latency = plan.latency
    wrapper_in, wrapper_out = _wrapper_ports(lowered)
    names = {"top": f"{top}.v", "wrapper": f"{top}_hls_wrapper.v"}
    stage_delays = [round(d, 3) for d in plan.stage_delays]
    port_doc = [
        f"in_data[{p.end - 1}:{p.offset}]: {p.tensor.name} {list(p.tensor.shape)} "
        f"{p.tensor.type}, element 0 lowest"
        for p in lowered.inputs
    ]
    port_doc += [
        f"out_data[{p.end - 1}:{p.offset}]: {p.tensor.name} {list(p.tensor.shape)} "
        f"{p.tensor.type}, element 0 lowest"
        for p in lowered.outputs
    ]
    top_text = _render(
        "top.v.j2",
        top=top,
        graph_name=graph.name,
        latency=latency,
        clock_mhz=f"{options.clock_mhz:g}",
        stage_delays=", ".join(f"{d:.2f}" for d in stage_delays),
        port_doc=port_doc,
        in_msb=in_width - 1,
        out_msb=out_width - 1,
        valid_zero=f"{latency + 1}'d0",
        valid_shift_msb=latency - 1,
        body=printed.top_body.rstrip("\n"),
    )
    count_width = (latency + 1).bit_length()
    wrapper_text = _render(
        "hls_wrapper.v.j2",
        top=top,
        latency=latency,
        inputs=wrapper_in,
        outputs=wrapper_out,
        take=" & ".join(["ap_start", *(f"{p['port']}_ap_vld" for p in wrapper_in)]),
        in_concat=_concat([p["port"] for p in wrapper_in]),
        out_msb=out_width - 1,
        count_msb=count_width - 1,
        count_zero=f"{count_width}'d0",
        count_pad=f"{count_width - 1}'d0",
        max_in_flight=latency + 1,
    )
    layer_files = {layer.module: f"{layer.module}.v" for layer in plan.layers}
    cycles = layer_latencies(graph, lowered, latency)
    manifest = RtlManifest(
        top=top,
        graph=graph.name,
        latency_cycles=latency,
        ii=1,
        clock_mhz=options.clock_mhz,
        clock_period_ns=options.clock_period_ns,
        delay_model=model.to_dict(options.clock_period_ns),
        inputs=tuple(_port(p) for p in lowered.inputs),
        outputs=tuple(_port(p) for p in lowered.outputs),
        in_width=in_width,
        out_width=out_width,
        stages=tuple(stage_delays),
        files=(names["top"], *layer_files.values(), names["wrapper"]),
        layers=tuple(
            LayerEntry(
                layer.layer, layer.module, layer.instance, tuple(layer.stages), cycles[layer.layer]
            )
            for layer in plan.layers
        ),
        wrapper_top=f"{top}_hls_wrapper",
        wrapper_ports=tuple((p["tensor"], p["port"]) for p in (*wrapper_in, *wrapper_out)),
        n_wrapper_inputs=len(wrapper_in),
        sharing=settings.sharing,
        estimate={
            "adders": plan.adders,
            "adder_bits": plan.adder_bits,
            "register_bits": plan.register_bits,
            "signals": plan.signals,
        },
    )
    files = {names["top"]: top_text}
    for layer in plan.layers:
        files[layer_files[layer.module]] = _render(
            "layer.v.j2",
            top=top,
            module=layer.module,
            layer=layer.layer,
            stages=layer.stage_text,
            ports=printed.layer_ports[layer.module],
            body=printed.layer_bodies[layer.module].strip("\n"),
        )
    files |= {
        names["wrapper"]: wrapper_text,
        MANIFEST_NAME: manifest.to_text(),
    }
    files |= _tool_files(graph, manifest, options)
    return Design(files, manifest, plan, printed)


SELFTEST_VECTORS = 32


def _selftest_vectors(graph: Graph, count: int) -> list[np.ndarray]:
    """Mantissas for every input: its extremes and zero first, then random values."""
    rng = np.random.default_rng(0)
    xs = []
    for node in graph.inputs:
        t = node.output.type
        x = rng.integers(t.lowest_int, t.max_int, (count, node.output.size), endpoint=True)
        x[0], x[1], x[2] = t.lowest_int, t.max_int, 0
        xs.append(x.reshape(count, *node.output.shape))
    return xs


def _pack(ports: tuple[Port, ...], arrays: list[np.ndarray], width: int) -> list[str]:
    """Each vector's bus word (element 0 of port 0 lowest) as hex digits."""
    words = []
    for i in range(len(arrays[0])):
        value = 0
        for port, array in zip(ports, arrays, strict=True):
            for k, v in enumerate(np.asarray(array[i]).reshape(-1)):
                value |= (int(v) & ((1 << port.width) - 1)) << (port.offset + k * port.width)
        words.append(f"{value:0{(width + 3) // 4}x}")
    return words


def _tool_files(graph: Graph, manifest: RtlManifest, options: BackendOptions) -> dict[str, str]:
    """The vendor build script, its constraints, the self-checking test and the FuseSoC core."""
    top = manifest.top
    xs = _selftest_vectors(graph, SELFTEST_VECTORS)
    results = run_int(graph, *xs)
    outputs = [results[p.name] for p in manifest.outputs]
    names = {
        "tcl": "vivado_build.tcl",
        "xdc": f"{top}.xdc",
        "selftest": f"{top}_selftest.v",
        "core": f"{top}.core",
    }
    common = {
        "top": top,
        "sources": list(manifest.files),
        "xdc": names["xdc"],
        "part": options.part,
    }
    return {
        names["tcl"]: _render("vivado_build.tcl.j2", **common),
        names["xdc"]: _render(
            "constraints.xdc.j2",
            top=top,
            clock_mhz=f"{options.clock_mhz:g}",
            period_ns=f"{options.clock_period_ns:.3f}",
        ),
        names["selftest"]: _render(
            "selftest.v.j2",
            top=top,
            count=SELFTEST_VECTORS,
            in_width=manifest.in_width,
            out_width=manifest.out_width,
            latency=manifest.latency_cycles,
            inputs=_pack(manifest.inputs, xs, manifest.in_width),
            outputs=_pack(manifest.outputs, outputs, manifest.out_width),
        ),
        names["core"]: _render(
            "fusesoc.core.j2",
            **common,
            name=f"trigc:models:{top}:0.1.0",
            description=f"{graph.name}: trigc RTL, {manifest.latency_cycles} cycles, II=1",
            selftest=names["selftest"],
        ),
    }


def layer_latencies(graph: Graph, lowered: Lowered, latency: int) -> dict[str, int]:
    """Clock edges each IR node adds: from its inputs being computed to its output being.

    An input node adds none (its register takes the vector at edge 0); a node producing a graph
    output also counts the edges until the output register has taken it.  Along the longest
    path of the graph the figures add up to the design's latency.
    """
    cycles, ready = {}, lowered.ready
    for node in graph.nodes:
        out = node.output.name
        if node.op == "input":
            cycles[node.name] = 0
            continue
        start = max((ready[name] for name in node.inputs), default=1)
        cycles[node.name] = ready[out] - start
        if out in graph.outputs:
            cycles[node.name] += latency + 1 - ready[out]
    return cycles


def _concat(parts: list[str]) -> str:
    """Verilog concatenation with ``parts[0]`` in the low bits."""
    return parts[0] if len(parts) == 1 else "{" + ", ".join(reversed(parts)) + "}"


def write_project(design: Design, outdir: Path) -> list[Path]:
    """Write the design's files into ``outdir`` (created if needed); returns them sorted."""
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in design.files.items():
            path = outdir / name
            path.write_text(text)
            paths.append(path)
    except OSError as exc:
        raise ProjectError(f"cannot write the RTL project into {outdir}: {exc}") from None
    return sorted(paths)


def render_testbench(manifest: RtlManifest, vectors: int, in_file: str, out_file: str) -> str:
    """A plain Verilog testbench ``<top>_tb`` replaying ``in_file`` (a test aid, not emitted).

    ``in_file`` holds one hex line ``{in_valid, in_data}`` per clock edge; the bench runs
    ``latency + 4`` idle edges after the last and writes ``<edge> <out_data hex>`` lines for
    every edge after which ``out_valid`` is 1.
    """
    in_width, out_width = manifest.in_width, manifest.out_width
    return _render(
        "testbench.v.j2",
        top=manifest.top,
        in_msb=in_width - 1,
        in_width=in_width,
        out_msb=out_width - 1,
        in_zero=f"{in_width}'d0",
        idle_vector=f"{in_width + 1}'d0",
        last_vector=max(vectors - 1, 0),
        vectors=vectors,
        edges=vectors + manifest.latency_cycles + 4,
        in_file=in_file,
        out_file=out_file,
    )
