"""Netlist-style Verilog-2005 printed from a plan (:mod:`.plan`), one module per layer.

:class:`VerilogWriter` is a small line builder with an ``indent()`` context.
:func:`print_design` prints a module body per IR node (its ``wire`` assignments stage by
stage, the pipeline registers of its signals, and the output registers of the graph outputs it
produces; an input node's module holds the input registers) and the body of the top module,
which connects them.  Keeping the layers in their own modules lets synthesis report LUTs,
flip-flops and carries per layer.  All arithmetic is on plain (unsigned) vectors of exactly the
result's width with explicit sign or zero extension, so the text is free of Verilog's
signedness and width rules.

Registers keep only the bits that later stages read.  Bits that are computed but never read
(truncated LSBs, a ReLU's magnitude bits above the positive range) and input-port bits a module
does not read are XOR-ed into the wire ``unused_bits`` of their module, the convention
Verilator's default ``--unused-regexp *unused*`` recognises, so ``verilator --lint-only -Wall``
passes without pragmas or waivers.  The printer decides nothing: every name, register and port
comes from the plan, which it does not change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .expressions import fill, slice_text
from .plan import BitSlice, LayerModule, ModulePort, Plan


class VerilogWriter:
    """Accumulates Verilog lines; ``with writer.indent():`` nests a block."""

    def __init__(self, unit: str = "    ") -> None:
        self._lines: list[str] = []
        self._depth = 0
        self._unit = unit

    @contextmanager
    def indent(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def line(self, text: str = "") -> None:
        self._lines.append(self._unit * self._depth + text if text else "")

    def comment(self, text: str) -> None:
        self.line(f"// {text}")

    def wire(self, name: str, width: int, expr: str) -> None:
        self.line(f"wire {vector_range(width)}{name} = {expr};")

    def reg(self, name: str, width: int) -> None:
        self.line(f"reg  {vector_range(width)}{name};")

    @contextmanager
    def always_posedge(self, clock: str) -> Iterator[None]:
        self.line(f"always @(posedge {clock}) begin")
        with self.indent():
            yield
        self.line("end")

    def nonblocking(self, lhs: str, rhs: str) -> None:
        self.line(f"{lhs} <= {rhs};")

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"


def vector_range(width: int) -> str:
    return "" if width == 1 else f"[{width - 1}:0] "


def bit_slice(s: BitSlice) -> str:
    return slice_text(s.name, s.width, s.hi, s.lo)


def port_declaration(port: ModulePort) -> str:
    """``input  wire [7:0] x`` / ``output reg  y``: an ANSI port declaration."""
    kind = "reg " if port.reg else "wire"
    return f"{port.direction:<6} {kind} {vector_range(port.width)}{port.name}"


@dataclass(frozen=True)
class PrintedDesign:
    """The top module's body and each layer module's body and port declarations."""

    top_body: str
    layer_bodies: dict[str, str]  # module -> body
    layer_ports: dict[str, list[str]]  # module -> ANSI port declarations


def _print_layer(plan: Plan, layer: LayerModule) -> str:
    storage, exported = plan.storage, layer.exported
    w = VerilogWriter()
    with w.indent():
        if layer.input_registers:
            for key, st, _ in layer.input_registers:
                if key not in exported:
                    w.reg(st.name, st.width)
            w.comment("input registers (in_data -> stage 1)")
            with w.always_posedge("clk"):
                for _, st, source in layer.input_registers:
                    w.nonblocking(st.name, bit_slice(source))
        for stage in range(1, plan.latency + 1):
            if stage in layer.wires:
                w.line()
                w.comment(f"stage {stage}")
                for sig in layer.wires[stage]:
                    expr = fill(plan.exprs[sig.index], stage, storage)
                    if (sig.index, 0) in exported:
                        w.line(f"assign {sig.name} = {expr};")
                    else:
                        w.wire(sig.name, sig.width, expr)
            regs = layer.registers.get(stage, [])
            if regs:
                w.line()
                w.comment(f"pipeline registers (stage {stage} -> {stage + 1})")
                for r in regs:
                    if (r.sig.index, r.delay) not in exported:
                        w.reg(r.dest.name, r.dest.width)
                with w.always_posedge("clk"):
                    for r in regs:
                        src = r.source
                        rhs = slice_text(
                            src.name, src.width, r.dest.hi - src.lo, r.dest.lo - src.lo
                        )
                        w.nonblocking(r.dest.name, rhs)
        for out in layer.outputs:
            port = out.port
            w.line()
            w.comment(
                f"output register (stage {plan.latency} -> out_data[{port.end - 1}:{port.offset}])"
            )
            with w.always_posedge("clk"):
                for hi, lo, expr in out.elements:
                    w.nonblocking(
                        slice_text(out.name, out.width, hi, lo), fill(expr, plan.latency, storage)
                    )
        _write_sink(w, [bit_slice(s) for s in layer.unused])
    return w.text()


def _print_top(plan: Plan) -> str:
    """The top module's body: nets between layers, one instance per layer, ``out_data``."""
    w = VerilogWriter()
    with w.indent():
        w.comment("nets between the layer modules")
        for st in plan.nets:
            w.line(f"wire {vector_range(st.width)}{st.name};")
        for out in plan.outputs:
            w.line(f"wire {vector_range(out.width)}{out.name};")
        for layer in plan.layers:
            w.line()
            w.comment(f"layer {layer.layer} ({layer.stage_text})")
            w.line(f"{layer.module} {layer.instance} (")
            with w.indent():
                for k, port in enumerate(layer.ports):
                    comma = "," if k + 1 < len(layer.ports) else ""
                    w.line(f".{port.name}({bit_slice(port.net)}){comma}")
            w.line(");")
        _write_sink(w, [bit_slice(s) for s in plan.unused_inputs])
        w.line()
        w.line(f"assign out_data = {_concat([out.name for out in plan.outputs])};")
    return w.text()


def _concat(parts: list[str]) -> str:
    """Verilog concatenation with ``parts[0]`` in the low bits."""
    return parts[0] if len(parts) == 1 else "{" + ", ".join(reversed(parts)) + "}"


def _write_sink(w: VerilogWriter, parts: list[str]) -> None:
    """XOR bits no logic reads into ``unused_bits`` (see the module docstring)."""
    if not parts:
        return
    w.line()
    w.comment("bits no logic reads (computed for carries, or unused inputs)")
    w.line("wire unused_bits = ^{")
    with w.indent():
        for i in range(0, len(parts), 6):
            tail = "," if i + 6 < len(parts) else ""
            w.line(", ".join(parts[i : i + 6]) + tail)
    w.line("};")


def print_design(plan: Plan) -> PrintedDesign:
    """The Verilog text of ``plan``: the top module's body and the layer modules."""
    return PrintedDesign(
        top_body=_print_top(plan),
        layer_bodies={layer.module: _print_layer(plan, layer) for layer in plan.layers},
        layer_ports={
            layer.module: [port_declaration(p) for p in layer.ports] for layer in plan.layers
        },
    )
