"""The rtl manifest of a planned design: ports, wrapper ports, stages, per-layer latencies
and the size figures (:class:`~.manifest.RtlManifest`, data only; :mod:`.render` prints)."""

from __future__ import annotations

from ...ir.graph import Graph
from ...names import VERILOG_KEYWORDS, verilog_identifier
from ..options import BackendOptions
from .lower import Lowered, PortLayout
from .manifest import LayerEntry, Port, RtlManifest
from .plan import Plan

WRAPPER_RESERVED = frozenset({"ap_clk", "ap_rst", "ap_start", "ap_done", "ap_idle", "ap_ready"})


def describe(
    graph: Graph,
    options: BackendOptions,
    sharing: str,
    delay_model: dict,
    lowered: Lowered,
    plan: Plan,
) -> RtlManifest:
    """The manifest of the design ``plan`` lays out for ``lowered``."""
    top = options.project_name
    wrapper_in, wrapper_out = wrapper_ports(lowered)
    cycles = layer_latencies(graph, lowered, plan.latency)
    layer_files = [f"{layer.module}.v" for layer in plan.layers]
    return RtlManifest(
        top=top,
        graph=graph.name,
        latency_cycles=plan.latency,
        ii=1,
        clock_mhz=options.clock_mhz,
        clock_period_ns=options.clock_period_ns,
        delay_model=delay_model,
        inputs=tuple(_port(p) for p in lowered.inputs),
        outputs=tuple(_port(p) for p in lowered.outputs),
        in_width=bus_width(lowered),
        out_width=lowered.outputs[-1].end,
        stages=stage_delays(plan),
        files=(f"{top}.v", *layer_files, f"{top}_hls_wrapper.v"),
        layers=tuple(
            LayerEntry(
                layer.layer, layer.module, layer.instance, tuple(layer.stages), cycles[layer.layer]
            )
            for layer in plan.layers
        ),
        wrapper_top=f"{top}_hls_wrapper",
        wrapper_ports=tuple((p["tensor"], p["port"]) for p in (*wrapper_in, *wrapper_out)),
        n_wrapper_inputs=len(wrapper_in),
        sharing=sharing,
        estimate={
            "adders": plan.adders,
            "adder_bits": plan.adder_bits,
            "register_bits": plan.register_bits,
            "signals": plan.signals,
        },
    )


def bus_width(lowered: Lowered) -> int:
    """Bits of ``in_data`` (at least 1)."""
    return max(lowered.inputs[-1].end if lowered.inputs else 0, 1)


def stage_delays(plan: Plan) -> tuple[float, ...]:
    """The estimated logic delay of every pipeline stage, in ns (3 decimals)."""
    return tuple(round(d, 3) for d in plan.stage_delays)


def _port(p: PortLayout) -> Port:
    t = p.tensor
    return Port(t.name, tuple(t.shape), t.type, t.type.width, p.offset)


def wrapper_ports(lowered: Lowered) -> tuple[list[dict], list[dict]]:
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
