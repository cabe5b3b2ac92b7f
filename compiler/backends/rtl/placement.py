"""The arrival estimate a netlist keeps while it is built (:class:`GreedyPlacement`).

Each new signal is placed in the stage of its latest operand, after it, unless its logic would
end after the stage's budget: then it starts the next stage.  The estimate shapes the netlist
itself (adder trees add the operands that are ready first, :meth:`.netlist.Netlist.sum_tree`);
where the registers finally go is decided after building, by :func:`.schedule.schedule`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .delay import DelayModel


class Placed(Protocol):
    """What the placement reads of an operand: its stage and arrival time in it."""

    stage: int
    time: float


@dataclass(frozen=True)
class GreedyPlacement:
    """Stages of ``budget_ns`` of logic under ``model``, filled as signals are made."""

    model: DelayModel
    budget_ns: float

    def place(self, inputs: Iterable[Placed], delay: float, chain: int) -> tuple[int, float]:
        """(stage, arrival time) of a cell of ``delay`` ns (and ``chain`` carry bits) reading
        ``inputs``."""
        inputs = list(inputs)
        stage = max((s.stage for s in inputs), default=1)
        start = max((s.time for s in inputs if s.stage == stage), default=0.0)
        if start > 0.0 and self.model.finish(start + delay, chain) > self.budget_ns:
            stage, start = stage + 1, 0.0
        return stage, round(start + delay, 6)
