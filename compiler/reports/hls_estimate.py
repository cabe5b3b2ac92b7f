"""An analytic *estimate* of what the hls4ml project of a graph costs, without vendor tools.

The hls backend configures hls4ml with ``io_parallel`` and the ``Latency`` strategy: weights are
C++ constants, every layer is unrolled, the top function is pipelined with II = reuse factor R.
The formulas, per layer, with ``Wx`` the input width, ``Ww`` the weight width, ``Wacc`` the
exact accumulator width (as the hls backend declares it) and ``Wout`` the output width:

**Multipliers (dense, scale_shift).**  With R = 1 each product is a multiplication by a
constant, which HLS simplifies: a zero weight costs nothing, a weight of +-2^k is a shift (free).
Any other product uses DSP slices when both operands are at least :data:`DSP_MIN_WIDTH` (10)
bits wide (below that Vivado/Vitis HLS builds the product in fabric, the step seen in the hls4ml
paper, Duarte et al., JINST 13 (2018) P07027), ``ceil(Wx/A) * ceil(Ww/B)`` slices each for an
A x B DSP (27 x 18 DSP48E2 on UltraScale+, 25 x 18 DSP48E1 on 7 series).  Otherwise it is a
shift-and-add tree over the weight's nonzero canonical-signed-digit (CSD) digits ``k``:
``(k - 1) * (Wx + Ww)`` LUTs.  With R > 1 hls4ml limits the multipliers to
``ceil(nonzero / R)`` shared general multipliers: DSPs as above, or ``ceil(Wx * Ww / 2)`` LUTs
each in fabric (two adder levels deep).

**Adders.**  Each output sums its nonzero products and a nonzero bias: ``terms - 1`` adders of
``Wacc`` bits, one LUT (and a carry bit) per bit.

**Activations and casts.**  ReLU: ``Wout`` LUTs per element (each output bit gated by the
sign).  A cast costs ``Wout`` LUTs per element for rounding (a rounding mode other than TRN that
drops fractional bits) and ``Wout`` more for saturation (a SAT mode when integer bits are
dropped); truncation and wrapping are wiring.

**Latency.**  Each layer gets a combinational delay: ``T_DSP`` (or ``ceil(log2 k)`` adder levels
for a LUT product) plus ``ceil(log2 terms)`` adder levels of ``t_add(W) = 0.6 + 0.02 W`` ns, and
:data:`T_ACT` for an activation or cast.  HLS chains operations across layer boundaries, so
the total latency is ``ceil(sum of delays / usable period) + (R - 1)`` cycles, where the usable
period is the clock period less HLS's default clock uncertainty (27 % in Vitis, 12.5 % in
Vivado HLS); per layer the report shows its share ``delay / usable period``.

**Flip-flops.**  Every clock boundary inside a layer (``share`` of them on average) registers
its live values: ``share * outputs * Wacc`` (``Wout`` for activations) per layer, plus the
output registers.

**Memories.**  The Latency strategy keeps weights in logic: BRAM and URAM are 0.

These are estimates for budgeting; a ``csynth.rpt`` / Vivado report, when present in the project,
replaces them (:mod:`.vendor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..backends.options import DEFAULT_CLOCK_PERIOD_NS
from ..ir.fixed import FixedType
from ..ir.graph import Graph, Node

DSP_MIN_WIDTH = 10
DSP_SHAPES = {"xcup": (27, 18), "xc7": (25, 18)}
T_DSP = 2.5  # ns, a multiplication in a DSP slice as HLS characterises it
T_ACT = 0.7  # ns, a ReLU or cast
CLOCK_UNCERTAINTY = {"vitis": 0.27, "vivado": 0.125}


@dataclass(frozen=True)
class LayerEstimate:
    """The estimate of one IR node."""

    name: str
    op: str
    lut: int
    ff: int
    dsp: int
    delay_ns: float
    latency_share: float  # delay_ns / usable clock period


@dataclass(frozen=True)
class HlsEstimate:
    """The estimate of a whole graph."""

    layers: tuple[LayerEstimate, ...]
    latency_cycles: int
    ii: int
    clock_period_ns: float
    usable_period_ns: float

    @property
    def resources(self) -> dict[str, float]:
        out = {"lut": 0.0, "ff": 0.0, "dsp": 0.0, "bram": 0.0, "uram": 0.0}
        for layer in self.layers:
            out["lut"] += layer.lut
            out["ff"] += layer.ff
            out["dsp"] += layer.dsp
        return out


def csd_digits(value: int) -> int:
    """Nonzero digits of ``value`` in canonical signed-digit form (adders of a shift-add)."""
    n, digits = abs(int(value)), 0
    while n:
        if n & 1:
            digits += 1
            n = n + 1 if n & 3 == 3 else n - 1  # a run of ones becomes +2^k - 1
        n >>= 1
    return digits


def t_add(width: int) -> float:
    """Delay in ns of a ``width``-bit adder in HLS's characterisation."""
    return 0.6 + 0.02 * width


@dataclass(frozen=True)
class _Cost:
    lut: int = 0
    dsp: int = 0
    delay_ns: float = 0.0


def _products(weights: np.ndarray, wx: int, ww: int, reuse: int, family: str) -> _Cost:
    """Multipliers of products of a ``wx``-bit input with integer ``weights`` of ``ww`` bits."""
    a, b = DSP_SHAPES.get(family, DSP_SHAPES["xcup"])
    dsp_each = math.ceil(max(wx, ww) / a) * math.ceil(min(wx, ww) / b)
    uses_dsp = min(wx, ww) >= DSP_MIN_WIDTH
    nonzero = [int(w) for w in weights.reshape(-1) if w != 0]
    if reuse > 1:
        units = math.ceil(len(nonzero) / reuse)
        if uses_dsp:
            return _Cost(dsp=units * dsp_each, delay_ns=T_DSP)
        return _Cost(lut=units * math.ceil(wx * ww / 2), delay_ns=t_add(wx + ww) * 2)
    lut, dsp, delay = 0, 0, 0.0
    for w in nonzero:
        digits = csd_digits(w)
        if digits <= 1:
            continue  # a shift
        if uses_dsp:
            dsp += dsp_each
            delay = max(delay, T_DSP)
        else:
            lut += (digits - 1) * (wx + ww)
            delay = max(delay, math.ceil(math.log2(digits)) * t_add(wx + ww))
    return _Cost(lut, dsp, delay)


def _adders(weights: np.ndarray, bias: np.ndarray, width: int) -> _Cost:
    """Adder trees summing each output's nonzero products and bias."""
    terms = np.count_nonzero(weights, axis=0) + (np.asarray(bias) != 0)
    adders = int(np.sum(np.maximum(terms - 1, 0)))
    levels = math.ceil(math.log2(int(terms.max()))) if terms.size and terms.max() > 1 else 0
    return _Cost(lut=adders * width, delay_ns=levels * t_add(width))


def _cast_luts(src: FixedType, dst: FixedType) -> int:
    """LUTs per element of casting ``src`` to ``dst``."""
    luts = 0
    if dst.rounding != "TRN" and src.frac > dst.frac:
        luts += dst.width
    if dst.overflow != "WRAP" and (src.integer > dst.integer or src.signed != dst.signed):
        luts += dst.width
    return luts


def _layer_cost(node: Node, in_type: FixedType, reuse: int, family: str) -> tuple[_Cost, int]:
    """The cost of one node and the width of the values it keeps in flight."""
    out = node.output.type
    size = node.output.size
    if node.op == "dense":
        from ..backends.hls.rules import dense_accumulator_type

        w, b = node.consts["weight"], node.consts["bias"]
        acc = dense_accumulator_type(node, in_type)
        mult = _products(w.values, in_type.width, w.type.width, reuse, family)
        add = _adders(w.values, b.values, acc.width)
        cast = _cast_luts(acc, out) * size
        delay = mult.delay_ns + add.delay_ns + (T_ACT if cast else 0.0)
        return _Cost(mult.lut + add.lut + cast, mult.dsp, delay), acc.width
    if node.op == "scale_shift":
        s, t = node.consts["scale"], node.consts["shift"]
        mult = _products(s.values, in_type.width, s.type.width, reuse, family)
        width = in_type.width + s.type.width
        adds = int(np.count_nonzero(t.values)) * width
        cast = _cast_luts(FixedType(width, width - in_type.frac - s.type.frac), out) * size
        delay = mult.delay_ns + t_add(width) + (T_ACT if cast else 0.0)
        return _Cost(mult.lut + adds + cast, mult.dsp, delay), width
    if node.op == "relu":
        luts = (out.width + _cast_luts(in_type, out)) * size
        return _Cost(lut=luts, delay_ns=T_ACT), out.width
    if node.op == "requantize":
        luts = _cast_luts(in_type, out) * size
        return _Cost(lut=luts, delay_ns=T_ACT if luts else 0.0), out.width
    return _Cost(), out.width


def estimate(
    graph: Graph,
    reuse_factor: int = 1,
    clock_period_ns: float = DEFAULT_CLOCK_PERIOD_NS,
    family: str = "xcup",
    flavor: str = "vitis",
) -> HlsEstimate:
    """Estimate LUT, FF, DSP and latency of ``graph`` as the hls backend emits it."""
    usable = clock_period_ns * (1.0 - CLOCK_UNCERTAINTY.get(flavor.lower(), 0.27))
    layers = []
    total_delay = 0.0
    for node in graph.nodes:
        if node.op == "input":
            continue
        in_type = graph.tensor(node.inputs[0]).type
        cost, live_width = _layer_cost(node, in_type, reuse_factor, family)
        share = cost.delay_ns / usable
        ff = round(share * node.output.size * live_width)  # expected clock boundaries inside
        if node.output.name in graph.outputs:
            ff += node.output.size * node.output.type.width
        layers.append(
            LayerEstimate(
                node.name, node.op, cost.lut, ff, cost.dsp, round(cost.delay_ns, 3), round(share, 3)
            )
        )
        total_delay += cost.delay_ns
    latency = max(1, math.ceil(total_delay / usable)) + (reuse_factor - 1)
    return HlsEstimate(tuple(layers), latency, reuse_factor, clock_period_ns, round(usable, 4))
