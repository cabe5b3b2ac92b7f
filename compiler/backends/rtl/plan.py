"""What the Verilog of a lowered netlist holds, computed from the cells' operands.

:func:`plan_design` decides everything the printer (:mod:`.verilog`) needs, without printing:
which signals are live (read, through any path, by a graph output); the expression of each
cell with the bits it reads (:mod:`.expressions`); where every signal's bits are stored in
each stage (a wire in its own stage, a register per later stage that still reads it, holding
only the bits read there); the pipeline registers each stage closes; one module per IR node
(its signals, the storage other modules read as ports, its share of ``in_data`` and
``out_data``) with fresh names; the bits no logic reads (the ``unused_bits`` sinks); and the
figures of the design (adders, adder bits, register bits, the delay of each stage).  Nothing
here changes the netlist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...names import verilog_identifier
from .expressions import Expr, Key, Storage, cell_expression, reads, value
from .lower import Lowered, PortLayout
from .netlist import AddCell, InputCell, RoundCell, Signal

Usage = dict[str, dict[Key, int]]  # reading layer -> bits it reads of each storage


@dataclass(frozen=True)
class BitSlice:
    """Bits ``hi..lo`` of the vector ``name`` of ``width`` bits."""

    name: str
    width: int
    hi: int
    lo: int


@dataclass(frozen=True)
class ModulePort:
    """A port of a layer module and the top-level net it connects to."""

    direction: str  # "input" | "output"
    reg: bool
    name: str
    width: int
    net: BitSlice


@dataclass(frozen=True)
class Register:
    """A pipeline register: ``dest`` takes its bits from ``source`` (one stage earlier)."""

    sig: Signal
    delay: int
    dest: Storage
    source: Storage


@dataclass(frozen=True)
class OutputRegister:
    """The register of one graph output, loaded from its elements' expressions."""

    port: PortLayout
    name: str
    elements: tuple[tuple[int, int, Expr], ...]  # (hi, lo, expression read at the last stage)

    @property
    def width(self) -> int:
        return self.port.end - self.port.offset


@dataclass
class LayerModule:
    """The module of one IR node: its cells, their pipeline registers, its output registers."""

    layer: str  # the IR node
    module: str
    instance: str
    stages: tuple[int, int]  # first and last stage holding its signals
    input_registers: list[tuple[Key, Storage, BitSlice]] = field(default_factory=list)
    wires: dict[int, list[Signal]] = field(default_factory=dict)  # stage -> signals computed
    registers: dict[int, list[Register]] = field(default_factory=dict)  # stage closed -> regs
    outputs: list[OutputRegister] = field(default_factory=list)
    exported: frozenset[Key] = frozenset()  # storage it drives that other modules read
    unused: list[BitSlice] = field(default_factory=list)
    ports: list[ModulePort] = field(default_factory=list)

    @property
    def stage_text(self) -> str:
        first, last = self.stages
        return f"stage {first}" if first == last else f"stages {first}-{last}"


@dataclass
class Plan:
    """Everything the Verilog printer places, and figures about it."""

    top: str
    latency: int
    in_width: int
    storage: dict[Key, Storage]
    exprs: dict[int, Expr]  # signal index -> expression of its cell
    layers: list[LayerModule]
    nets: list[Storage]  # storage read across modules: wires of the top module
    outputs: list[OutputRegister]
    unused_inputs: list[BitSlice]  # in_data bits no layer module takes
    stage_delays: list[float]
    signals: int
    adders: int = 0
    adder_bits: int = 0
    register_bits: int = 0


class _Names:
    """Fresh names next to those the netlist already gave out."""

    def __init__(self, taken: frozenset[str]) -> None:
        self._taken = set(taken)

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self._taken:
            name, n = f"{base}_{n}", n + 1
        self._taken.add(name)
        return name


def _record(usage: dict[Key, int], expr: Expr, stage: int) -> None:
    for key, mask in reads(expr, stage):
        usage[key] = usage.get(key, 0) | mask


def _merge(usage: Usage) -> dict[Key, int]:
    total: dict[Key, int] = {}
    for layer_reads in usage.values():
        for key, mask in layer_reads.items():
            total[key] = total.get(key, 0) | mask
    return total


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


def _storage(live: list[Signal], usage: dict[Key, int], names: _Names) -> dict[Key, Storage]:
    """Per signal and delay, the wire or register holding the bits read at that delay or later."""
    storage: dict[Key, Storage] = {}
    by_signal: dict[int, dict[int, int]] = {}
    for (index, delay), mask in usage.items():
        by_signal.setdefault(index, {})[delay] = mask
    for sig in live:
        masks = by_signal.get(sig.index, {})
        if not isinstance(sig.cell, InputCell):
            storage[(sig.index, 0)] = Storage(sig.name, 0, sig.width - 1)
        needed = 0
        for delay in range(max(masks, default=0), -1, -1):
            needed |= masks.get(delay, 0)
            if delay == 0 and not isinstance(sig.cell, InputCell):
                break
            lo = (needed & -needed).bit_length() - 1
            name = sig.name if delay == 0 else names.fresh(f"{sig.name}_r{delay}")
            storage[(sig.index, delay)] = Storage(name, lo, needed.bit_length() - 1)
    return storage


class _Planner:
    def __init__(self, lowered: Lowered, in_width: int, top: str) -> None:
        self.lowered, self.in_width, self.top = lowered, in_width, top
        self.live = lowered.live()
        self.signal = {s.index: s for s in self.live}
        out_sigs = [v.sig for p in lowered.outputs for v in p.values if v.sig is not None]
        self.latency = max((s.stage for s in out_sigs), default=1)
        self.names = _Names(lowered.netlist.names_in_use())
        self.out_regs = [
            self.names.fresh(f"{verilog_identifier(p.tensor.name)}_q") for p in lowered.outputs
        ]

    def _layers(self) -> list[LayerModule]:
        owners = {s.group for s in self.live} | {p.group for p in self.lowered.outputs}
        taken, layers = {self.top, f"{self.top}_hls_wrapper"}, []
        for layer in self.lowered.layers:
            if layer not in owners:
                continue
            module = f"{self.top}_{verilog_identifier(layer)}"
            while module in taken:
                module += "_l"
            taken.add(module)
            stages = [s.stage for s in self.live if s.group == layer] or [self.latency]
            instance = self.names.fresh(f"u_{verilog_identifier(layer)}")
            layers.append(LayerModule(layer, module, instance, (min(stages), max(stages))))
        return layers

    def _expressions(self) -> tuple[dict[int, Expr], list[OutputRegister], Usage]:
        usage: Usage = {}
        exprs: dict[int, Expr] = {}
        for sig in self.live:
            if not isinstance(sig.cell, InputCell):
                exprs[sig.index] = cell_expression(sig.cell, sig.width)
                _record(usage.setdefault(sig.group, {}), exprs[sig.index], sig.stage)
        outputs = []
        for port, name in zip(self.lowered.outputs, self.out_regs, strict=True):
            width = port.tensor.type.width
            elements = tuple(
                (j * width + width - 1, j * width, value(v, width))
                for j, v in enumerate(port.values)
            )
            for _, _, expr in elements:
                _record(usage.setdefault(port.group, {}), expr, self.latency)
            outputs.append(OutputRegister(port, name, elements))
        return exprs, outputs, usage

    def _registers(self, storage: dict[Key, Storage], usage: Usage) -> dict[int, list[Register]]:
        """Pipeline registers by the stage they close; their reads join ``usage``."""
        regs: dict[int, list[Register]] = {}
        for stage in range(1, self.latency):
            for sig in self.live:
                delay = stage - sig.stage + 1
                dest = storage.get((sig.index, delay))
                if delay < 1 or dest is None:
                    continue
                regs.setdefault(stage, []).append(
                    Register(sig, delay, dest, storage[(sig.index, delay - 1)])
                )
                layer_reads, key = usage.setdefault(sig.group, {}), (sig.index, delay - 1)
                layer_reads[key] = layer_reads.get(key, 0) | (((1 << dest.width) - 1) << dest.lo)
        return regs

    def plan(self) -> Plan:
        layers = self._layers()
        exprs, outputs, usage = self._expressions()
        storage = _storage(self.live, _merge(usage), self.names)
        regs = self._registers(storage, usage)
        total = _merge(usage)
        exported = {
            key
            for reader, layer_reads in usage.items()
            for key in layer_reads
            if self.signal[key[0]].group != reader
        }
        plan = Plan(
            self.top, self.latency, self.in_width, storage, exprs, layers,
            nets=[storage[key] for key in sorted(exported)],
            outputs=outputs,
            unused_inputs=self._unused_inputs(layers),
            stage_delays=[0.0] * self.latency,
            signals=len(self.live),
        )  # fmt: skip
        for layer in layers:
            self._layer(plan, layer, regs, usage.get(layer.layer, {}), total, exported)
        return plan

    def _layer(
        self,
        plan: Plan,
        layer: LayerModule,
        regs: dict[int, list[Register]],
        layer_reads: dict[Key, int],
        total: dict[Key, int],
        exported: set[Key],
    ) -> None:
        """The contents and ports of one layer's module."""
        name, storage = layer.layer, plan.storage
        owned = {k for k in storage if self.signal[k[0]].group == name}
        layer.exported = frozenset(k for k in exported if k in owned)
        in_port = next((p for p in self.lowered.inputs if p.group == name), None)
        in_mask = 0
        for sig in self.live:
            st = storage.get((sig.index, 0))
            if sig.group != name or not isinstance(sig.cell, InputCell) or st is None:
                continue
            assert in_port is not None
            lo = sig.cell.offset - in_port.offset + st.lo
            in_mask |= ((1 << st.width) - 1) << lo
            size = in_port.end - in_port.offset
            layer.input_registers.append(
                ((sig.index, 0), st, BitSlice("in_data", size, lo + st.width - 1, lo))
            )
            plan.register_bits += st.width
        for sig in self.live:
            if sig.group == name and sig.index in plan.exprs:
                layer.wires.setdefault(sig.stage, []).append(sig)
                self._count(plan, sig)
        for stage, stage_regs in regs.items():
            mine = [r for r in stage_regs if r.sig.group == name]
            if mine:
                layer.registers[stage] = mine
                plan.register_bits += sum(r.dest.width for r in mine)
        layer.outputs = [o for o in plan.outputs if o.port.group == name]
        plan.register_bits += sum(o.width for o in layer.outputs)
        for key, st in sorted(storage.items()):
            if key in owned or key in layer_reads:  # bits no one reads, or this module does not
                mask = (total if key in owned else layer_reads).get(key, 0)
                layer.unused += [
                    BitSlice(st.name, st.width, h - st.lo, b - st.lo)
                    for h, b in _mask_runs(mask, st.lo, st.hi)
                ]
        if in_port is not None:
            size = in_port.end - in_port.offset
            layer.unused += [
                BitSlice("in_data", size, hi, lo) for hi, lo in _mask_runs(in_mask, 0, size - 1)
            ]
        self._ports(layer, in_port, owned, layer_reads, storage)

    def _count(self, plan: Plan, sig: Signal) -> None:
        stage = sig.stage - 1
        plan.stage_delays[stage] = max(plan.stage_delays[stage], sig.finish)
        if isinstance(sig.cell, AddCell):
            plan.adders += 1
            plan.adder_bits += sig.width - sig.cell.passthrough(sig.width)
        elif isinstance(sig.cell, RoundCell):
            plan.adders += 1
            plan.adder_bits += sig.width

    def _ports(
        self,
        layer: LayerModule,
        in_port: PortLayout | None,
        owned: set[Key],
        layer_reads: dict[Key, int],
        storage: dict[Key, Storage],
    ) -> None:
        """Clock, ``in_data`` share, storage read from other modules, storage others read,
        graph outputs: the ports of ``layer`` in this order."""

        def whole(name: str, width: int) -> BitSlice:
            return BitSlice(name, width, width - 1, 0)

        ports = layer.ports
        if in_port is not None or layer.outputs or any(k[1] >= 1 for k in owned):
            ports.append(ModulePort("input", False, "clk", 1, whole("clk", 1)))
        if in_port is not None:
            hi, lo = in_port.end - 1, in_port.offset
            net = BitSlice("in_data", self.in_width, hi, lo)
            ports.append(ModulePort("input", False, "in_data", hi - lo + 1, net))
        for key in sorted(k for k in layer_reads if k not in owned):
            st = storage[key]
            ports.append(ModulePort("input", False, st.name, st.width, whole(st.name, st.width)))
        for key in sorted(layer.exported):
            st, reg = storage[key], self.is_register(key)
            ports.append(ModulePort("output", reg, st.name, st.width, whole(st.name, st.width)))
        for out in layer.outputs:
            ports.append(
                ModulePort("output", True, out.name, out.width, whole(out.name, out.width))
            )

    def is_register(self, key: Key) -> bool:
        """Whether the storage is a register (a delayed copy, or an input register)."""
        return key[1] >= 1 or isinstance(self.signal[key[0]].cell, InputCell)

    def _unused_inputs(self, layers: list[LayerModule]) -> list[BitSlice]:
        in_mask = 0  # the in_data bits some layer module takes
        for p in self.lowered.inputs:
            if any(layer.layer == p.group for layer in layers):
                in_mask |= ((1 << (p.end - p.offset)) - 1) << p.offset
        return [
            BitSlice("in_data", self.in_width, hi, lo)
            for hi, lo in _mask_runs(in_mask, 0, self.in_width - 1)
        ]


def plan_design(lowered: Lowered, in_width: int, top: str) -> Plan:
    """The plan of the Verilog of ``lowered`` (top module ``top``, ``in_data`` of ``in_width``)."""
    return _Planner(lowered, in_width, top).plan()
