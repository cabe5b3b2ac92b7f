"""An estimated Fmax from a mapped Xilinx netlist: register-to-register paths, a delay per cell.

This is an *estimate*, not static timing analysis: there is no placement, so every general net
costs the same average routing delay.  The model (per family, :data:`DELAY_MODELS`):

* a path starts at a clocked cell's output (flip-flop ``Q``, SRL, block/ultra RAM, a registered
  DSP output) or at a module input, and ends at a clocked cell's input; the design is taken out
  of context, its ports registered outside, so paths ending at a module output are not timed;
* a path costs ``clock_overhead`` (clock-to-out + setup + clock uncertainty) plus, per cell on
  it, the cell's logic delay (``lut``, ``muxf``, ``carry``; ``INV`` is free, Vivado absorbs it
  into a LUT) plus ``net`` for each general net it crosses; dedicated wires (carry ``CO`` to the
  next carry's ``CI``, LUT to ``MUXF7`` to ``MUXF8``, LUT into its slice's carry) are free;
* a DSP slice is up to three segments from an input to ``P``: input (``dsp_in``), multiplier
  (``dsp_mult``, for ``A``/``B``/``D``) and post-adder (``dsp_post``; ``C`` skips the multiplier,
  a cascade ``PCIN`` enters here), split by whichever of ``AREG``/``BREG``/``CREG``, ``MREG``,
  ``PREG`` Yosys packed into it; a register-to-register segment inside is a path of its own.

Fmax = 1000 / (worst path in ns).  The numbers are round figures of the order of the data-sheet
switching characteristics (DS923 for UltraScale+ -2, DS183 for Virtex-7 -2) and typical routed
nets; expect Vivado's post-route figure within a few tens of percent, usually lower for large
designs whose nets are long.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import TrigcError


@dataclass(frozen=True)
class DelayModel:
    """Delays in ns of one device family (see the module docstring)."""

    name: str
    clock_overhead: float
    net: float
    lut: float
    muxf: float
    carry: float
    dsp_in: float
    dsp_mult: float
    dsp_post: float
    ram_clock_to_out: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DELAY_MODELS: dict[str, DelayModel] = {
    "xcup": DelayModel(
        "UltraScale+ -2 (trigc estimate)",
        clock_overhead=0.25, net=0.35, lut=0.12, muxf=0.08, carry=0.06,
        dsp_in=0.35, dsp_mult=1.45, dsp_post=0.95, ram_clock_to_out=0.9,
    ),
    "xc7": DelayModel(
        "7 series -2 (trigc estimate)",
        clock_overhead=0.45, net=0.50, lut=0.12, muxf=0.25, carry=0.10,
        dsp_in=0.45, dsp_mult=1.90, dsp_post=1.30, ram_clock_to_out=1.9,
    ),
}  # fmt: skip

_FF_PREFIXES = ("FD", "LD")
_RAM_PREFIXES = ("RAMB", "URAM", "FIFO", "SRL")
_DSP_PREFIX = "DSP48"


@dataclass(frozen=True)
class CriticalPath:
    """The worst register-to-register path found."""

    delay_ns: float
    levels: int  # LUT, MUXF, CARRY and DSP cells on it
    cells: tuple[str, ...]  # cell types from start to end
    scope: str  # instance (hierarchy path) of the path's end point, "" for the top

    @property
    def fmax_mhz(self) -> float:
        return 1000.0 / self.delay_ns if self.delay_ns > 0 else float("inf")


@dataclass(frozen=True)
class TimingResult:
    """The worst path overall and the worst path ending in each instance."""

    worst: CriticalPath
    by_scope: dict[str, CriticalPath]
    model: DelayModel


def _kind(cell_type: str) -> str:
    if cell_type.startswith("LUT"):
        return "lut"
    if cell_type.startswith("MUXF"):
        return "muxf"
    if cell_type.startswith("CARRY"):
        return "carry"
    if cell_type.startswith(_DSP_PREFIX):
        return "dsp"
    if cell_type.startswith(_FF_PREFIXES):
        return "ff"
    if cell_type.startswith(_RAM_PREFIXES):
        return "ram"
    if cell_type in ("INV", "BUF", "$scopeinfo"):
        return "free"
    return "lut"  # unknown combinational cell: cost it as a LUT


def _dedicated(src_type: str, dst_type: str, dst_port: str) -> bool:
    """Whether the wire from a ``src_type`` output to ``dst_type``'s ``dst_port`` is dedicated."""
    if src_type.startswith("CARRY") and dst_type.startswith("CARRY"):
        return dst_port in ("CI", "CIN")
    if src_type.startswith(("LUT", "MUXF")) and dst_type.startswith("MUXF"):
        return True
    if src_type.startswith("LUT") and dst_type.startswith("CARRY"):
        return dst_port in ("S", "DI")
    if src_type.startswith(_DSP_PREFIX) and dst_type.startswith(_DSP_PREFIX):
        return dst_port in ("PCIN", "ACIN", "BCIN", "CARRYCASCIN", "MULTSIGNIN")  # cascades
    return src_type == "INV"  # an INV is absorbed into the LUT it drives


def _flag(params: dict[str, Any], name: str) -> bool:
    value = str(params.get(name, "0")).strip()
    try:
        return int(value, 2 if set(value) <= {"0", "1"} else 10) > 0
    except ValueError:
        return False


# DSP input port -> register that first samples it, for ports feeding the multiplier.
_DSP_MULT_PORTS = {"A": "AREG", "ACIN": "AREG", "B": "BREG", "BCIN": "BREG", "D": "DREG"}
_DSP_MULT_PORTS |= {"INMODE": "INMODEREG"}
_DSP_POST_PORTS = {"PCIN", "CARRYIN", "CARRYCASCIN", "MULTSIGNIN", "OPMODE", "ALUMODE"}


def _dsp_segments(port: str, params: dict[str, Any], m: DelayModel) -> list[tuple[float, bool]]:
    """(delay, ends in a register) segments from DSP input ``port`` to the ``P`` output."""
    post = (m.dsp_post, _flag(params, "PREG"))
    if port in _DSP_MULT_PORTS:
        segments = [(m.dsp_in, _flag(params, _DSP_MULT_PORTS[port]))]
        if str(params.get("USE_MULT", "MULTIPLY")).strip('"') != "NONE":
            segments.append((m.dsp_mult, _flag(params, "MREG")))
        return [*segments, post]
    if port == "C":
        return [(m.dsp_in, _flag(params, "CREG")), post]
    if port in _DSP_POST_PORTS:
        return [post]
    return []  # clock, clock enables, resets: not timed


def _walk(segments: list[tuple[float, bool]]) -> tuple[float | None, float, float]:
    """(delay to the first register or None, worst register-to-register, delay after the last
    register, or the whole delay when there is no register)."""
    head: float | None = None
    internal = acc = 0.0
    for delay, registered in segments:
        acc += delay
        if registered:
            if head is None:
                head = acc
            else:
                internal = max(internal, acc)
            acc = 0.0
    return head, internal, acc


def _scope_of(name: str, scopes: list[str]) -> str:
    """The instance path a flattened cell name belongs to ("" for the top module)."""
    local = name.removeprefix("$flatten\\").removeprefix("\\")
    for scope in scopes:  # longest first
        if local.startswith(scope + "."):
            return scope
    return ""


def analyze(netlist: dict[str, Any], top: str, family: str) -> TimingResult:
    """Worst paths of the flattened module ``top`` of a Yosys ``write_json`` netlist."""
    model = DELAY_MODELS.get(family)
    if model is None:
        raise TrigcError(f"no delay model for family {family!r}; known: {', '.join(DELAY_MODELS)}")
    try:
        module = netlist["modules"][top]
    except KeyError:
        raise TrigcError(f"synthesized netlist has no module {top!r}") from None
    cells: dict[str, dict[str, Any]] = module.get("cells", {})
    scopes = sorted(
        (n.removeprefix("\\") for n, c in cells.items() if c.get("type") == "$scopeinfo"),
        key=len,
        reverse=True,
    )
    return _Analysis(cells, scopes, model).run()


class _Analysis:
    """Arrival times over the netlist's combinational cells in topological order."""

    def __init__(self, cells: dict[str, dict[str, Any]], scopes: list[str], m: DelayModel):
        self.cells, self.scopes, self.m = cells, scopes, m
        self.driver: dict[int, tuple[str, str]] = {}  # bit -> (cell, output port)
        for name, cell in cells.items():
            for port, direction in cell.get("port_directions", {}).items():
                if direction == "output":
                    for bit in cell["connections"].get(port, []):
                        if isinstance(bit, int):
                            self.driver[bit] = (name, port)
        # arrival: cell -> (time at its outputs, levels, cell types on the path)
        self.arrival: dict[str, tuple[float, int, tuple[str, ...]]] = {}
        self.worst: dict[str, CriticalPath] = {}

    def _inputs(self, name: str) -> list[tuple[int, str]]:
        cell = self.cells[name]
        return [
            (bit, port)
            for port, direction in cell.get("port_directions", {}).items()
            if direction == "input"
            for bit in cell["connections"].get(port, [])
            if isinstance(bit, int)
        ]

    def _launch(self, name: str) -> tuple[float, int, tuple[str, ...]] | None:
        """Arrival at the outputs of a clocked cell, or None if any input reaches an output
        combinationally (then :meth:`run` times it in topological order)."""
        cell = self.cells[name]
        kind = _kind(cell["type"])
        if kind == "ff":
            return 0.0, 0, (cell["type"],)
        if kind == "ram":
            return self.m.ram_clock_to_out, 0, (cell["type"],)
        if kind == "dsp":
            walks = self._dsp_walks(name)
            if all(head is not None for head, _, _ in walks.values()):
                return max((tail for _, _, tail in walks.values()), default=0.0), 1, (cell["type"],)
        return None

    def _dsp_walks(self, name: str) -> dict[str, tuple[float | None, float, float]]:
        """:func:`_walk` of every timed, connected input port of a DSP."""
        cell = self.cells[name]
        params = cell.get("parameters", {})
        walks = {}
        for port, direction in cell.get("port_directions", {}).items():
            connected = any(isinstance(b, int) for b in cell["connections"].get(port, []))
            segments = _dsp_segments(port, params, self.m)
            if direction == "input" and connected and segments:
                walks[port] = _walk(segments)
        return walks

    def _arrive(self, bit: int, port: str, sink_type: str) -> tuple[float, int, tuple[str, ...]]:
        """Arrival at a sink pin fed by ``bit``, including the net delay."""
        if bit not in self.driver:
            return 0.0, 0, ()  # module input (registered outside) or constant
        src, _ = self.driver[bit]
        t, levels, path = self.arrival[src]
        src_type = self.cells[src]["type"]
        net = 0.0 if _dedicated(src_type, sink_type, port) else self.m.net
        return t + net, levels, path

    def _end(self, name: str, t: float, levels: int, path: tuple[str, ...]) -> None:
        scope = _scope_of(name, self.scopes)
        delay = round(t + self.m.clock_overhead, 4)
        best = self.worst.get(scope)
        if best is None or delay > best.delay_ns:
            self.worst[scope] = CriticalPath(delay, levels, path, scope)

    def _order(self) -> list[str]:
        """Combinational cells in topological order (Kahn); clocked cells cut every path."""
        combinational = [n for n in self.cells if self._launch(n) is None]
        indegree = dict.fromkeys(combinational, 0)
        users: dict[str, list[str]] = defaultdict(list)
        for name in combinational:
            for bit, _ in self._inputs(name):
                src = self.driver.get(bit, (None,))[0]
                if src in indegree:
                    indegree[name] += 1
                    users[src].append(name)
        queue = deque(n for n, d in indegree.items() if d == 0)
        order = []
        while queue:
            name = queue.popleft()
            order.append(name)
            for user in users[name]:
                indegree[user] -= 1
                if indegree[user] == 0:
                    queue.append(user)
        if len(order) != len(combinational):
            raise TrigcError("synthesized netlist has a combinational loop; cannot time it")
        return order

    def run(self) -> TimingResult:
        for name in self.cells:
            launched = self._launch(name)
            if launched is not None:
                self.arrival[name] = launched
        for name in self._order():
            self.arrival[name] = self._through(name)
        self._ends()
        if not self.worst:
            self.worst[""] = CriticalPath(self.m.clock_overhead, 0, (), "")
        worst = max(self.worst.values(), key=lambda p: p.delay_ns)
        return TimingResult(worst, dict(sorted(self.worst.items())), self.m)

    def _through(self, name: str) -> tuple[float, int, tuple[str, ...]]:
        """Arrival at the outputs of a combinational cell (or partly registered DSP)."""
        cell_type = self.cells[name]["type"]
        kind = _kind(cell_type)
        if kind == "dsp":
            walks = self._dsp_walks(name)
            # registered inputs launch at their last register; others pass through
            best = max(
                ((tail, 0, ()) for head, _, tail in walks.values() if head is not None),
                default=(0.0, 0, ()),
                key=lambda a: a[0],
            )
            for bit, port in self._inputs(name):
                head, _, tail = walks.get(port, (0.0, 0.0, 0.0))
                if head is None:
                    t, levels, path = self._arrive(bit, port, cell_type)
                    best = max(best, (t + tail, levels, path), key=lambda a: a[0])
            t, levels, path = best
            return t, levels + 1, (*path, cell_type)
        ins = [self._arrive(bit, port, cell_type) for bit, port in self._inputs(name)]
        t, levels, path = max(ins, default=(0.0, 0, ()), key=lambda a: a[0])
        if kind != "free":
            t += getattr(self.m, kind)
        counted = kind in ("lut", "muxf", "carry")
        return t, levels + counted, (*path, cell_type)

    def _ends(self) -> None:
        """Record every path end: clocked cells' inputs and DSP-internal register paths."""
        for name, cell in self.cells.items():
            kind = _kind(cell["type"])
            if kind in ("ff", "ram"):
                for bit, port in self._inputs(name):
                    t, levels, path = self._arrive(bit, port, cell["type"])
                    self._end(name, t, levels, (*path, cell["type"]))
            elif kind == "dsp":
                walks = self._dsp_walks(name)
                internal = max((w[1] for w in walks.values()), default=0.0)
                if internal:
                    self._end(name, internal, 1, (cell["type"],))
                for bit, port in self._inputs(name):
                    head = walks.get(port, (None, 0.0, 0.0))[0]
                    if head is not None:
                        t, levels, path = self._arrive(bit, port, cell["type"])
                        self._end(name, t + head, levels + 1, (*path, cell["type"]))
