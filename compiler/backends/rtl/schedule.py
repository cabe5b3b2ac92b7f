"""Scheduling: where the pipeline registers go, a step of its own after the netlist is built.

The netlist arrives with the greedy placement it was built with (:mod:`.placement`); with
``retime`` the registers move to the minimum cuts that hold the fewest bits at the same latency
(:mod:`.retime`).  :func:`~.plan.plan_design` then reads the stages as they are.
"""

from __future__ import annotations

from .delay import DelayModel
from .lower import Lowered
from .retime import RetimeResult, retime


def schedule(
    lowered: Lowered, model: DelayModel, budget_ns: float, retime_registers: bool = True
) -> RetimeResult | None:
    """Place the registers of ``lowered`` (in place); the retiming's figures, if it ran."""
    if not retime_registers:
        return None
    return retime(lowered, model, budget_ns)
