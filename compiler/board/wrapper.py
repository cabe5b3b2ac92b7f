"""The link-level wrapper of an RTL project: its Verilog and testbench, from the link map and
the RTL manifest's ports (data computed here, placed by ``firmware_templates/rtl/links*.j2``)."""

from __future__ import annotations

from typing import Any

from trigc.firmware_templates import read, render

from ..backends.rtl.manifest import RtlManifest
from .linkmap import LinkMap, LinkMapError

WORD = 64


def _element_offsets(manifest: RtlManifest, side: str) -> list[tuple[int, int]]:
    """(bit offset in the core's bus, width) of every element, ports in order."""
    ports = manifest.inputs if side == "inputs" else manifest.outputs
    return [(p.offset + k * p.width, p.width) for p in ports for k in range(p.size)]


def _concat(pieces: list[tuple[int, int, str]], total: int) -> str:
    """A Verilog concatenation of ``(lsb, width, expression)`` pieces filling ``total`` bits,
    gaps as zeros."""
    parts, at = [], 0
    for lsb, width, expr in sorted(pieces):
        if lsb > at:
            parts.append(f"{lsb - at}'d0")
        parts.append(expr)
        at = lsb + width
    if total > at:
        parts.append(f"{total - at}'d0")
    return "{" + ", ".join(reversed(parts)) + "}"


def wrapper_values(link_map: LinkMap, manifest: RtlManifest, map_name: str) -> dict[str, Any]:
    if link_map.frames != 1:
        raise LinkMapError(
            f"{map_name}: the link wrapper takes one frame per event (II=1); this map spreads "
            f"an event over {link_map.frames} frames"
        )
    rx, tx = link_map.links("inputs"), link_map.links("outputs")
    ins, outs = _element_offsets(manifest, "inputs"), _element_offsets(manifest, "outputs")
    input_assigns = [
        f"assign core_in[{ins[f.element][0] + f.width - 1}:{ins[f.element][0]}] = "
        f"rx_data[{f.link * WORD + f.lsb + f.width - 1}:{f.link * WORD + f.lsb}];"
        for f in sorted(link_map.inputs, key=lambda f: f.element)
    ]
    pieces = [
        (
            f.link * WORD + f.lsb,
            f.width,
            f"core_out[{outs[f.element][0] + f.width - 1}:{outs[f.element][0]}]",
        )
        for f in link_map.outputs
    ]
    return {
        "module": f"{manifest.top}_links",
        "top": manifest.top,
        "link_map": map_name,
        "latency": manifest.latency_cycles,
        "rx_links": rx,
        "tx_links": tx,
        "in_width": manifest.in_width,
        "out_width": manifest.out_width,
        "input_assigns": input_assigns,
        "tx_words": _concat(pieces, tx * WORD),
        "tx_zero": f"{tx * WORD}'d0",
        "tx_flags": "{" + f"{tx}" + "{core_out_valid}}",
        "rx_frame_bits": rx * (WORD + 3),
    }


def _render(template: str, values: dict[str, Any]) -> str:
    return render("rtl", template, **values)


def wrapper_verilog(link_map: LinkMap, manifest: RtlManifest, map_name: str) -> str:
    return _render("links.v.j2", wrapper_values(link_map, manifest, map_name))


def testbench_verilog(link_map: LinkMap, manifest: RtlManifest, map_name: str, frames: int) -> str:
    return _render(
        "links_tb.v.j2", {**wrapper_values(link_map, manifest, map_name), "frames": frames}
    )


def emp_payload_vhdl(link_map: LinkMap, manifest: RtlManifest, map_name: str) -> str:
    """The EMP payload shim: the framework's ``d``/``q`` link arrays around the wrapper
    (input links first, output links on the same indices from 0)."""
    values = wrapper_values(link_map, manifest, map_name)
    links = max(values["rx_links"], values["tx_links"])
    return _render("emp_payload.vhd.j2", {**values, "links": links, "rx_base": 0, "tx_base": 0})


def emp_standin_vhdl() -> str:
    """The stand-in ``emp_data_types`` package, for checking the shim without the framework."""
    return read("rtl", "emp_data_types_standin.vhd")
