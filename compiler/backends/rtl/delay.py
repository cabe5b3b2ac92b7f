"""The delay model that places pipeline registers.

Every cell of the netlist gets an estimated combinational delay in nanoseconds:

* an adder or subtractor of ``W`` result bits: ``lut_ns + carry_ns_per_bit * W`` -- one
  LUT level that forms the propagate/generate signals, then the carry chain (CARRY8 on
  UltraScale+, about 0.1 ns per 8 bits), with the routing into the next level folded into
  ``lut_ns``; low bits that pass through from an operand (its trailing zeros in the other
  operand) are not counted;
* a rounding incrementer: the LUT levels that decide the carry-in, then the carry chain;
* a multiplexer or small bit test (ReLU, saturation, rounding decisions):
  ``lut_ns`` per LUT6 level, ``ceil(log6(inputs))`` levels for a wide OR/AND;
* bit selection, wrapping and constant shifts: free (wiring).

A stage may hold ``budget_ns(period) = period * (1 - uncertainty) - register_ns`` of logic:
``register_ns`` covers clock-to-out plus setup, ``uncertainty`` keeps a margin for clock
jitter and routing congestion.  The scheduler places each cell as soon as its operands are
ready and, when it would end past the budget, starts it in the next stage behind registers
(its operands are registered, not its result).  Chained adders are modelled as if each waited
for the full carry chain of the previous one, which overestimates deep trees slightly: the
placement errs on the side of meeting timing.  A single cell longer than the budget gets a
stage of its own; the manifest then shows a stage delay above the budget.
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
        """Delay of a ``width``-bit adder, subtractor or incrementer."""
        return self.lut_ns + self.carry_ns_per_bit * width

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
