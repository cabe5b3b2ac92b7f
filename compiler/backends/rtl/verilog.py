"""Netlist-style Verilog-2005 for the scheduled netlist, one module per layer.

:class:`VerilogWriter` is a small line builder with an ``indent()`` context.  :func:`render_body`
writes a module per IR node (its ``wire`` assignments stage by stage, the pipeline registers of
its signals, and the output registers of the graph outputs it produces; an input node's module
holds the input registers) and the body of the top module, which connects them.  Keeping the
layers in their own modules lets synthesis report LUTs, flip-flops and carries per layer.
All arithmetic is on plain (unsigned) vectors of exactly the result's width with explicit sign
or zero extension, so the text is free of Verilog's signedness and width rules.

Registers keep only the bits that later stages read.  Bits that are computed but never read
(truncated LSBs, a ReLU's magnitude bits above the positive range) and input-port bits a module
does not read are XOR-ed into the wire ``unused_bits`` of their module, the convention
Verilator's default ``--unused-regexp *unused*`` recognises, so ``verilator --lint-only -Wall``
passes without pragmas or waivers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ...names import verilog_identifier
from .expressions import Key, Refs, Storage, cell_expression, slice_text
from .lower import Lowered
from .netlist import AddCell, InputCell, RoundCell, Signal


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

    @staticmethod
    def _range(width: int) -> str:
        return "" if width == 1 else f"[{width - 1}:0] "

    def wire(self, name: str, width: int, expr: str) -> None:
        self.line(f"wire {self._range(width)}{name} = {expr};")

    def reg(self, name: str, width: int) -> None:
        self.line(f"reg  {self._range(width)}{name};")

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


def _mask_runs(mask: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Runs ``(run_hi, run_lo)`` of bits in ``lo..hi`` that are *not* set in ``mask``."""
    runs, start = [], None
    for b in range(lo, hi + 2):
        free = b <= hi and not (mask >> b) & 1
        if free and start is None:
            start = b
        elif not free and start is not None:
            runs.append((b - 1, start))
            start = None
    return runs


# -- the body -----------------------------------------------------------------------------------
@dataclass
class LayerModule:
    """The module of one IR node: its cells, their pipeline registers, its output registers."""

    layer: str  # the IR node
    module: str
    instance: str
    stages: tuple[int, int]  # first and last stage holding its signals
    ports: list[str] = field(default_factory=list)  # ANSI port declarations
    connections: list[tuple[str, str]] = field(default_factory=list)  # (port, top-level net)
    text: str = ""  # the module body

    @property
    def stage_text(self) -> str:
        first, last = self.stages
        return f"stage {first}" if first == last else f"stages {first}-{last}"


@dataclass
class Body:
    """The rendered top-module body, the layer modules and figures about them."""

    text: str
    latency: int
    stage_delays: list[float]
    layers: list[LayerModule] = field(default_factory=list)
    adders: int = 0
    adder_bits: int = 0
    register_bits: int = 0
    signals: int = 0


def _live(lowered: Lowered) -> list[Signal]:
    seen: set[int] = set()
    stack = [v.sig for p in lowered.outputs for v in p.values if v.sig is not None]
    while stack:
        sig = stack.pop()
        if sig.index not in seen:
            seen.add(sig.index)
            stack.extend(sig.cell.inputs)
    return [s for s in lowered.netlist.signals if s.index in seen]


Usage = dict[str, dict[Key, int]]  # reading layer -> bits it reads of each storage
Outs = list[list[tuple[int, int, str]]]  # per output port: (hi, lo, expression) per element


def _merge(usage: Usage) -> dict[Key, int]:
    total: dict[Key, int] = {}
    for reads in usage.values():
        for key, mask in reads.items():
            total[key] = total.get(key, 0) | mask
    return total


class _BodyWriter:
    """Two passes over the live netlist: find the bits each stage reads, then write.

    Every signal belongs to the layer (IR node) whose lowering made it; a layer's module holds
    its signals' wires and pipeline registers, and the output registers of the graph outputs it
    produces.  Storage another layer reads becomes an output port of its owner and an input port
    of the reader, connected through a wire of the same name in the top module.
    """

    def __init__(self, lowered: Lowered, in_width: int, out_width: int, top: str) -> None:
        self.lowered, self.in_width, self.out_width = lowered, in_width, out_width
        self.live = _live(lowered)
        self.signal = {s.index: s for s in self.live}
        out_sigs = [v.sig for p in lowered.outputs for v in p.values if v.sig is not None]
        self.latency = max((s.stage for s in out_sigs), default=1)
        self.storage: dict[Key, Storage] = {}
        names = lowered.netlist
        self.out_regs = [
            names.fresh_name(f"{verilog_identifier(p.tensor.name)}_q") for p in lowered.outputs
        ]
        self.layers = self._layers(top)

    def _layers(self, top: str) -> list[LayerModule]:
        owners = {s.group for s in self.live} | {p.group for p in self.lowered.outputs}
        taken, layers = {top, f"{top}_hls_wrapper"}, []
        for layer in self.lowered.layers:
            if layer not in owners:
                continue
            module = f"{top}_{verilog_identifier(layer)}"
            while module in taken:
                module += "_l"
            taken.add(module)
            stages = [s.stage for s in self.live if s.group == layer] or [self.latency]
            instance = self.lowered.netlist.fresh_name(f"u_{verilog_identifier(layer)}")
            layers.append(LayerModule(layer, module, instance, (min(stages), max(stages))))
        return layers

    def _render(self, storage: Callable[[Signal, int], Storage]) -> tuple[dict, Outs, Usage]:
        usage: Usage = {}
        refs = Refs(storage, {})
        exprs = {}
        for sig in self.live:
            if not isinstance(sig.cell, InputCell):
                refs.stage, refs.usage = sig.stage, usage.setdefault(sig.group, {})
                exprs[sig.index] = cell_expression(sig.cell, refs, sig.width)
        refs.stage = self.latency
        outs: Outs = []
        for port in self.lowered.outputs:
            refs.usage = usage.setdefault(port.group, {})
            width = port.tensor.type.width
            outs.append(
                [(j * width + width - 1, j * width, refs.value(v, width))
                 for j, v in enumerate(port.values)]
            )  # fmt: skip
        return exprs, outs, usage

    def _plan_storage(self, usage: dict[Key, int]) -> None:
        names = self.lowered.netlist
        by_signal: dict[int, dict[int, int]] = {}
        for (index, delay), mask in usage.items():
            by_signal.setdefault(index, {})[delay] = mask
        for sig in self.live:
            masks = by_signal.get(sig.index, {})
            if not isinstance(sig.cell, InputCell):
                self.storage[(sig.index, 0)] = Storage(sig.name, 0, sig.width - 1)
            needed = 0
            for delay in range(max(masks, default=0), -1, -1):
                needed |= masks.get(delay, 0)
                if delay == 0 and not isinstance(sig.cell, InputCell):
                    break
                lo = (needed & -needed).bit_length() - 1
                name = sig.name if delay == 0 else names.fresh_name(f"{sig.name}_r{delay}")
                self.storage[(sig.index, delay)] = Storage(name, lo, needed.bit_length() - 1)

    def _registers(self, usage: Usage) -> dict[int, list[tuple[Signal, Storage, str]]]:
        """Pipeline registers by the stage they close: (signal, register, source bits)."""
        regs: dict[int, list[tuple[Signal, Storage, str]]] = {}
        for stage in range(1, self.latency):
            for sig in self.live:
                delay = stage - sig.stage + 1
                st = self.storage.get((sig.index, delay))
                if delay < 1 or st is None:
                    continue
                src = self.storage[(sig.index, delay - 1)]
                rhs = slice_text(src.name, src.width, st.hi - src.lo, st.lo - src.lo)
                regs.setdefault(stage, []).append((sig, st, rhs))
                reads, key = usage.setdefault(sig.group, {}), (sig.index, delay - 1)
                reads[key] = reads.get(key, 0) | (((1 << st.width) - 1) << st.lo)
        return regs

    def write(self) -> Body:
        full = {}

        def full_width(sig: Signal, delay: int) -> Storage:
            return full.setdefault((sig.index, delay), Storage("_", 0, sig.width - 1))

        self._plan_storage(_merge(self._render(full_width)[2]))
        exprs, outs, usage = self._render(lambda sig, delay: self.storage[(sig.index, delay)])
        regs = self._registers(usage)
        body = self.body = Body("", self.latency, [0.0] * self.latency, signals=len(self.live))
        total = _merge(usage)
        exported = {
            key
            for reader, reads in usage.items()
            for key in reads
            if self.signal[key[0]].group != reader
        }
        for layer in self.layers:
            self._write_layer(layer, exprs, outs, regs, usage.get(layer.layer, {}), total, exported)
        body.layers = self.layers
        body.text = self._write_top(exported)
        return body

    def _is_register(self, key: Key) -> bool:
        return key[1] >= 1 or isinstance(self.signal[key[0]].cell, InputCell)

    def _declaration(self, key: Key) -> str:
        st = self.storage[key]
        kind = "reg " if self._is_register(key) else "wire"
        return f"{kind} {VerilogWriter._range(st.width)}{st.name}"

    def _write_layer(
        self,
        layer: LayerModule,
        exprs: dict[int, str],
        outs: Outs,
        regs: dict[int, list[tuple[Signal, Storage, str]]],
        reads: dict[Key, int],
        total: dict[Key, int],
        exported: set[Key],
    ) -> None:
        """The ports and body of one layer's module."""
        name = layer.layer
        owned = {k for k in self.storage if self.signal[k[0]].group == name}
        ports = {k for k in exported if k in owned}
        w = VerilogWriter()
        with w.indent():
            in_port, in_mask = self._write_inputs(w, name, ports)
            for stage in range(1, self.latency + 1):
                self._write_stage(w, stage, name, exprs, ports)
                mine = [r for r in regs.get(stage, []) if r[0].group == name]
                self._write_registers(w, stage, mine, ports)
            out_ports = [i for i, p in enumerate(self.lowered.outputs) if p.group == name]
            for i in out_ports:
                self._write_output(w, i, outs[i])
            parts = []
            for key, st in sorted(self.storage.items()):
                if key in owned or key in reads:  # bits no one reads, or this module does not
                    mask = (total if key in owned else reads).get(key, 0)
                    runs = _mask_runs(mask, st.lo, st.hi)
                    parts += [slice_text(st.name, st.width, h - st.lo, b - st.lo) for h, b in runs]
            if in_port is not None:
                parts += [
                    slice_text("in_data", in_port.end - in_port.offset, hi, lo)
                    for hi, lo in _mask_runs(in_mask, 0, in_port.end - in_port.offset - 1)
                ]
            _write_sink(w, parts)
        layer.text = w.text()
        clocked = in_port is not None or out_ports or any(k[1] >= 1 for k in owned)
        if clocked:
            layer.ports.append("input  wire clk")
            layer.connections.append(("clk", "clk"))
        if in_port is not None:
            hi, lo = in_port.end - 1, in_port.offset
            layer.ports.append(f"input  wire {VerilogWriter._range(hi - lo + 1)}in_data")
            layer.connections.append(("in_data", slice_text("in_data", self.in_width, hi, lo)))
        for key in sorted(k for k in reads if k not in owned):
            st = self.storage[key]
            layer.ports.append(f"input  wire {VerilogWriter._range(st.width)}{st.name}")
            layer.connections.append((st.name, st.name))
        for key in sorted(ports):
            layer.ports.append(f"output {self._declaration(key)}")
            layer.connections.append((self.storage[key].name, self.storage[key].name))
        for i in out_ports:
            width = self.lowered.outputs[i].end - self.lowered.outputs[i].offset
            layer.ports.append(f"output reg  {VerilogWriter._range(width)}{self.out_regs[i]}")
            layer.connections.append((self.out_regs[i], self.out_regs[i]))

    def _write_inputs(self, w: VerilogWriter, layer: str, ports: set[Key]) -> tuple:
        """Input registers of an input layer; returns its ``in_data`` port and the bits read."""
        in_port = next((p for p in self.lowered.inputs if p.group == layer), None)
        feeds, in_mask = [], 0
        for sig in self.live:
            st = self.storage.get((sig.index, 0))
            if sig.group != layer or not isinstance(sig.cell, InputCell) or st is None:
                continue
            assert in_port is not None
            lo = sig.cell.offset - in_port.offset + st.lo
            if (sig.index, 0) not in ports:
                w.reg(st.name, st.width)
            self.body.register_bits += st.width
            in_mask |= ((1 << st.width) - 1) << lo
            size = in_port.end - in_port.offset
            feeds.append((st.name, slice_text("in_data", size, lo + st.width - 1, lo)))
        if feeds:
            w.comment("input registers (in_data -> stage 1)")
            with w.always_posedge("clk"):
                for lhs, rhs in feeds:
                    w.nonblocking(lhs, rhs)
        return in_port, in_mask

    def _write_stage(
        self, w: VerilogWriter, stage: int, layer: str, exprs: dict, ports: set[Key]
    ) -> None:
        sigs = [s for s in self.live if s.stage == stage and s.group == layer and s.index in exprs]
        if not sigs:
            return
        body = self.body
        w.line()
        w.comment(f"stage {stage}")
        for sig in sigs:
            if (sig.index, 0) in ports:
                w.line(f"assign {sig.name} = {exprs[sig.index]};")
            else:
                w.wire(sig.name, sig.width, exprs[sig.index])
            body.stage_delays[stage - 1] = max(body.stage_delays[stage - 1], sig.time)
            if isinstance(sig.cell, AddCell):
                body.adders += 1
                body.adder_bits += sig.width - sig.cell.passthrough(sig.width)
            elif isinstance(sig.cell, RoundCell):
                body.adders += 1
                body.adder_bits += sig.width

    def _write_registers(
        self, w: VerilogWriter, stage: int, regs: list[tuple[Signal, Storage, str]], ports: set
    ) -> None:
        if not regs:
            return
        w.line()
        w.comment(f"pipeline registers (stage {stage} -> {stage + 1})")
        for sig, st, _ in regs:
            if (sig.index, stage - sig.stage + 1) not in ports:
                w.reg(st.name, st.width)
            self.body.register_bits += st.width
        with w.always_posedge("clk"):
            for _, st, rhs in regs:
                w.nonblocking(st.name, rhs)

    def _write_output(self, w: VerilogWriter, i: int, outs: list[tuple[int, int, str]]) -> None:
        port, name = self.lowered.outputs[i], self.out_regs[i]
        width = port.end - port.offset
        w.line()
        w.comment(
            f"output register (stage {self.latency} -> out_data[{port.end - 1}:{port.offset}])"
        )
        with w.always_posedge("clk"):
            for hi, lo, expr in outs:
                w.nonblocking(slice_text(name, width, hi, lo), expr)
        self.body.register_bits += width

    def _write_top(self, exported: set[Key]) -> str:
        """The top module's body: nets between layers, one instance per layer, ``out_data``."""
        w = VerilogWriter()
        with w.indent():
            w.comment("nets between the layer modules")
            for key in sorted(exported):
                st = self.storage[key]
                w.line(f"wire {VerilogWriter._range(st.width)}{st.name};")
            for port, name in zip(self.lowered.outputs, self.out_regs, strict=True):
                w.line(f"wire {VerilogWriter._range(port.end - port.offset)}{name};")
            for layer in self.layers:
                w.line()
                w.comment(f"layer {layer.layer} ({layer.stage_text})")
                w.line(f"{layer.module} {layer.instance} (")
                with w.indent():
                    for k, (port, net) in enumerate(layer.connections):
                        comma = "," if k + 1 < len(layer.connections) else ""
                        w.line(f".{port}({net}){comma}")
                w.line(");")
            in_mask = 0  # the in_data bits some layer module takes
            for p in self.lowered.inputs:
                if any(layer.layer == p.group for layer in self.layers):
                    in_mask |= ((1 << (p.end - p.offset)) - 1) << p.offset
            _write_sink(
                w,
                [slice_text("in_data", self.in_width, hi, lo)
                 for hi, lo in _mask_runs(in_mask, 0, self.in_width - 1)],
            )  # fmt: skip
            w.line()
            w.line(f"assign out_data = {_concat(self.out_regs)};")
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


def render_body(lowered: Lowered, in_width: int, out_width: int, top: str) -> Body:
    """The body of the top module and the modules of its layers."""
    return _BodyWriter(lowered, in_width, out_width, top).write()
