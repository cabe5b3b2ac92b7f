"""Signal-level views of the two interfaces a trigc RTL design offers to the testbench.

Both present the same transaction model to the driver and monitors: a packed ``in_data``
vector offered with a valid flag, a reset, and a packed ``out_data`` vector with a valid flag
(packing as in :mod:`trigc.sim.manifest`).

* :class:`CoreBus` – the contract's own ports: ``clk``, ``rst``, ``in_valid``, ``in_data``,
  ``out_valid``, ``out_data``.
* :class:`HlsBus` – the ``<top>_hls_wrapper`` with hls4ml io_parallel Vitis ports: ``ap_clk``,
  ``ap_rst``, ``ap_start``/``ap_ready``/``ap_done``/``ap_idle`` and, per tensor, ``<port>`` and
  ``<port>_ap_vld`` (``<port>`` from the manifest's ``hls_wrapper`` section, else the tensor
  name).  A vector is taken at an edge where ``ap_start`` and ``ap_ready`` are high;
  every output's ``_ap_vld`` and ``ap_done`` must rise together; at II=1 ``ap_ready`` must
  follow ``ap_start``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from cocotb.types import LogicArray

from trigc.compiler.backends.rtl.manifest import Port, RtlManifest


def read_uint(handle: Any) -> int | None:
    """A signal's value as an unsigned integer, or ``None`` if any bit is X or Z."""
    value = handle.value
    if not value.is_resolvable:
        return None
    return value.to_unsigned() if isinstance(value, LogicArray) else int(value)


@dataclass(frozen=True)
class InputState:
    """What the design samples at the coming rising edge."""

    reset: bool
    accepted: bool
    data: int | None
    problem: str = ""


@dataclass(frozen=True)
class OutputState:
    """What the design presents after a rising edge (``None``: X/Z bits)."""

    valid: bool | None
    data: int | None
    problem: str = ""


def _signal(dut: Any, name: str) -> Any:
    try:
        return getattr(dut, name)
    except AttributeError:
        raise AttributeError(
            f"the top level {dut._name!r} has no port {name!r}; does the RTL follow the trigc "
            "interface contract?"
        ) from None


class CoreBus:
    """The contract's native ports."""

    def __init__(self, dut: Any, manifest: RtlManifest, rng: random.Random) -> None:
        self.manifest = manifest
        self.rng = rng
        self.x_when_idle = False
        self._bind(dut)

    def _bind(self, dut: Any) -> None:
        self.clk = _signal(dut, "clk")
        self._rst = _signal(dut, "rst")
        self._in_valid = _signal(dut, "in_valid")
        self._in_data = _signal(dut, "in_data")
        self._out_valid = _signal(dut, "out_valid")
        self._out_data = _signal(dut, "out_data")

    def junk(self, width: int) -> int | LogicArray:
        """Data for an idle bus: random bits, or all X when ``x_when_idle``."""
        return LogicArray("X" * width) if self.x_when_idle else self.rng.getrandbits(width)

    def set_reset(self, active: bool) -> None:
        """Drive the synchronous reset."""
        self._rst.value = int(active)

    def drive(self, data: int | None) -> None:
        """Offer a packed vector, or idle (``None``)."""
        self._in_valid.value = int(data is not None)
        self._in_data.value = self.junk(self.manifest.in_width) if data is None else data

    def sample_input(self) -> InputState:
        """Reset / valid / data as the design will sample them (read after the drive)."""
        valid = read_uint(self._in_valid)
        accepted = valid == 1
        return InputState(read_uint(self._rst) != 0, accepted, read_uint(self._in_data))

    def sample_output(self) -> OutputState:
        """``out_valid`` and, when valid, ``out_data``."""
        valid = read_uint(self._out_valid)
        data = read_uint(self._out_data) if valid == 1 else None
        return OutputState(None if valid is None else valid == 1, data)

    def idle_problem(self) -> str:
        """Empty if the design reports idle correctly once drained (nothing to check here)."""
        return ""


class HlsBus(CoreBus):
    """The hls4ml-style wrapper: ap_ctrl_hs block control and ap_vld data ports."""

    def _bind(self, dut: Any) -> None:
        self.clk = _signal(dut, "ap_clk")
        self._rst = _signal(dut, "ap_rst")
        self._start = _signal(dut, "ap_start")
        self._ready = _signal(dut, "ap_ready")
        self._done = _signal(dut, "ap_done")
        self._idle = _signal(dut, "ap_idle")
        self._inputs = [self._port(dut, p) for p in self.manifest.inputs]
        self._outputs = [self._port(dut, p) for p in self.manifest.outputs]

    def _port(self, dut: Any, port: Port) -> tuple[Port, Any, Any]:
        name = self.manifest.wrapper_port(port.name)
        return port, _signal(dut, name), _signal(dut, f"{name}_ap_vld")

    @staticmethod
    def _slice(packed: int, port: Port) -> int:
        return (packed >> port.offset) & ((1 << (port.end - port.offset)) - 1)

    def drive(self, data: int | None) -> None:
        """``ap_start`` and every ``_ap_vld`` follow the valid flag; data split per tensor."""
        self._start.value = int(data is not None)
        for port, bus, vld in self._inputs:
            vld.value = int(data is not None)
            width = port.end - port.offset
            bus.value = self.junk(width) if data is None else self._slice(data, port)

    def sample_input(self) -> InputState:
        """A vector is taken when ``ap_start`` and ``ap_ready`` are both high."""
        start, ready = read_uint(self._start), read_uint(self._ready)
        reset = read_uint(self._rst) != 0
        problem = ""
        if not reset and start == 1 and ready != 1:
            problem = (
                f"ap_ready={ready} while ap_start=1: the wrapper does not take a vector every "
                "cycle (II=1)"
            )
        data: int | None = 0
        for port, bus, _ in self._inputs:
            value = read_uint(bus)
            data = None if value is None or data is None else data | (value << port.offset)
        return InputState(reset, start == 1 and ready == 1, data, problem)

    def sample_output(self) -> OutputState:
        """All ``_ap_vld`` and ``ap_done`` must agree; data joined in out_data order."""
        flags = [read_uint(vld) for _, _, vld in self._outputs]
        done = read_uint(self._done)
        problem = ""
        if len(set(flags)) > 1 or done != flags[0]:
            port_names = (self.manifest.wrapper_port(p.name) for p, _, _ in self._outputs)
            names = ", ".join(f"{n}_ap_vld={f}" for n, f in zip(port_names, flags, strict=True))
            problem = f"output handshakes disagree: {names}, ap_done={done}"
        valid = flags[0]
        if valid != 1:
            return OutputState(None if valid is None else False, None, problem)
        data: int | None = 0
        for port, bus, _ in self._outputs:
            value = read_uint(bus)
            data = None if value is None or data is None else data | (value << port.offset)
        return OutputState(True, data, problem)

    def idle_problem(self) -> str:
        """With ``ap_start`` low and the pipeline drained, ``ap_idle`` must be 1."""
        idle = read_uint(self._idle)
        return "" if idle == 1 else f"ap_idle={idle} with ap_start=0 and the pipeline drained"


INTERFACES: dict[str, type[CoreBus]] = {"core": CoreBus, "hls": HlsBus}
