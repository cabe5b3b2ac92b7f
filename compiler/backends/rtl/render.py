"""The texts of an RTL project: the top module and its layer modules (from the printed
plan), the hls4ml-style wrapper, the vendor build script and constraints, the self-checking
test and the FuseSoC core.  Whole-file Jinja2 templates in ``firmware_templates/rtl`` only place
the values computed here."""

from __future__ import annotations

from typing import Any

import numpy as np

from trigc.firmware_templates import render

from ...ir.executor import run_int
from ...ir.graph import Graph
from ..options import BackendOptions
from .describe import wrapper_ports
from .lower import Lowered
from .manifest import MANIFEST_NAME, Port, RtlManifest
from .plan import Plan
from .verilog import PrintedDesign


def _render(template: str, **values: Any) -> str:
    return render("rtl", template, **values)


def render_files(
    graph: Graph,
    options: BackendOptions,
    lowered: Lowered,
    plan: Plan,
    printed: PrintedDesign,
    manifest: RtlManifest,
) -> dict[str, str]:
    """Every file of the project, by name, in a fixed order."""
    top = manifest.top
    files = {f"{top}.v": _top(graph, options, lowered, printed, manifest)}
    for layer in plan.layers:
        files[f"{layer.module}.v"] = _render(
            "layer.v.j2",
            top=top,
            module=layer.module,
            layer=layer.layer,
            stages=layer.stage_text,
            ports=printed.layer_ports[layer.module],
            body=printed.layer_bodies[layer.module].strip("\n"),
        )
    files[f"{top}_hls_wrapper.v"] = _wrapper(lowered, manifest)
    files[MANIFEST_NAME] = manifest.to_text()
    return files | _tool_files(graph, manifest, options)


def _top(
    graph: Graph,
    options: BackendOptions,
    lowered: Lowered,
    printed: PrintedDesign,
    manifest: RtlManifest,
) -> str:
    latency = manifest.latency_cycles
    port_doc = [
        f"{bus}[{p.end - 1}:{p.offset}]: {p.tensor.name} {list(p.tensor.shape)} "
        f"{p.tensor.type}, element 0 lowest"
        for bus, ports in (("in_data", lowered.inputs), ("out_data", lowered.outputs))
        for p in ports
    ]
    return _render(
        "top.v.j2",
        top=manifest.top,
        graph_name=graph.name,
        latency=latency,
        clock_mhz=f"{options.clock_mhz:g}",
        stage_delays=", ".join(f"{d:.2f}" for d in manifest.stages),
        port_doc=port_doc,
        in_msb=manifest.in_width - 1,
        out_msb=manifest.out_width - 1,
        valid_zero=f"{latency + 1}'d0",
        valid_shift_msb=latency - 1,
        body=printed.top_body.rstrip("\n"),
    )


def _wrapper(lowered: Lowered, manifest: RtlManifest) -> str:
    latency = manifest.latency_cycles
    wrapper_in, wrapper_out = wrapper_ports(lowered)
    count_width = (latency + 1).bit_length()
    return _render(
        "hls_wrapper.v.j2",
        top=manifest.top,
        latency=latency,
        inputs=wrapper_in,
        outputs=wrapper_out,
        take=" & ".join(["ap_start", *(f"{p['port']}_ap_vld" for p in wrapper_in)]),
        in_concat=_concat([p["port"] for p in wrapper_in]),
        out_msb=manifest.out_width - 1,
        count_msb=count_width - 1,
        count_zero=f"{count_width}'d0",
        count_pad=f"{count_width - 1}'d0",
        max_in_flight=latency + 1,
    )


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


def _concat(parts: list[str]) -> str:
    """Verilog concatenation with ``parts[0]`` in the low bits."""
    return parts[0] if len(parts) == 1 else "{" + ", ".join(reversed(parts)) + "}"


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
