"""The delay model that places pipeline registers.

A signal's timing is two figures in nanoseconds from the start of its stage: when its lowest
bit is ready (``Signal.time``) and when its highest bit settles (``Signal.finish``).  Bits in
between ripple: on a carry chain (CARRY8 on UltraScale+, about 0.1 ns per 8 bits) bit ``b``
settles ``carry_ns_per_bit * b`` after bit 0.  Per cell (:meth:`.netlist.Cell.delay` is the
step from the latest operand's lowest bit to the result's, :meth:`.netlist.Cell.chain` the
bits that ripple behind it):

* an adder or subtractor: one LUT level (``lut_ns``, routing into the next level folded in)
  that forms propagate/generate from the operands' bits, then its carry chain over the
  result bits that are not wires from an operand.  An adder reading another adder's result
  starts on that result's lowest bit: bit ``b`` of the second waits for bit ``b`` of the first
  and for its own carry, both about the same time, so an adder tree of depth ``d`` over
  ``W``-bit words takes ``d * lut_ns + W * carry_ns_per_bit``, not ``d`` whole carry chains;
* a rounding incrementer: the dropped bits (the source's low bits, first to settle) decide
  the carry-in through LUT levels, then its chain;
* a saturation or other multiplexer deciding on a source's top bits, a comparison, a
  product: the whole source must settle first; its result bits are then ready together;
* a LUT tree combining ``inputs`` bits (ReLU, rounding decisions): ``lut_ns`` per LUT6
  level, ``ceil(log6(inputs))`` levels;
* bit selection, wrapping and constant shifts: wiring (a slice starts at the source bit it
  keeps lowest).

A stage may hold ``budget_ns(period) = period * (1 - uncertainty) - register_ns`` of logic:
``register_ns`` covers clock-to-out plus setup, ``uncertainty`` keeps a margin for clock
jitter and routing congestion.  The scheduler places each cell as soon as its operands are
ready and, when its top bit would settle past the budget, starts it in the next stage behind
registers (its operands are registered, not its result).  Operand bits are taken as rippling
from their lowest bit even where they settle together, and a shifted operand's bits as
arriving with the unshifted ones: both err on the side of meeting timing.  A single cell
longer than the budget gets a stage of its own; the manifest then shows a stage delay above
the budget.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DelayModel:
    """Delay estimates for an AMD UltraScale+ speed grade -2 device (nanoseconds)."""

    lut_ns: float = 0.55
    carry_ns_per_bit: float = 0.02
    register_ns: float = 0.55
    uncertainty: float = 0.125

    def budget_ns(self, clock_period_ns: float) -> float:
        """Logic delay one stage may hold at this clock period."""
        return clock_period_ns * (1.0 - self.uncertainty) - self.register_ns

    def adder(self, width: int) -> float:
        """Delay of a ``width``-bit comparison or adder whose result waits for the top bit."""
        return self.lut_ns + self.carry_ns_per_bit * width

    def finish(self, lowest_bit_ns: float, chain: int) -> float:
        """When the top bit of a ``chain``-bit ripple settles (its lowest bit ready at the time)."""
        return round(lowest_bit_ns + self.carry_ns_per_bit * chain, 6)

    def logic(self, inputs: int = 1) -> float:
        """Delay of a LUT tree combining ``inputs`` signals (at least one level)."""
        levels, reach = 1, 6
        while reach < inputs:
            levels += 1
            reach *= 6
        return self.lut_ns * levels

    def to_dict(self, clock_period_ns: float) -> dict[str, float]:
        """The parameters and the resulting stage budget, for the manifest."""
        return {**asdict(self), "budget_ns": round(self.budget_ns(clock_period_ns), 4)}
