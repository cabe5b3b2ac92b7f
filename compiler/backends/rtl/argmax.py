"""The one-hot argmax in logic: output ``i`` is 1 when element ``i`` is larger than every
element before it and at least as large as every element after it (the first maximum wins).

Each pair is one signed comparison (:class:`CompareCell`, a carry chain); each output is the
AND of its comparisons (:class:`AllCell`, LUTs).  The classes of a trigger network are few, so
the ``n * (n - 1)`` comparisons stay small; ranges that decide a comparison remove it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .delay import DelayModel
from .logic import Bool, and_, bit, bool_inputs, bool_signals
from .netlist import Cell, Netlist, Signal, Term, Value
from .window import operand_term


class CompareCell(Cell):
    """``a > b`` (``strict``) or ``a >= b``, signed, at a width holding both: one bit."""

    def __init__(self, a: Term, b: Term, compare_width: int, strict: bool) -> None:
        self.a, self.b, self.compare_width, self.strict = a, b, compare_width, strict
        self.inputs = tuple(dict.fromkeys(t.sig for t in (a, b) if t.sig is not None))

    def delay(self, model: DelayModel, width: int) -> float:
        return model.adder(self.compare_width)

    def chain(self, width: int) -> int:
        return 0  # the result waits for the whole comparison or product


class AllCell(Cell):
    """The AND of single-bit signals."""

    def __init__(self, expr: Bool) -> None:
        self.expr = expr
        self.inputs = tuple(dict.fromkeys(bool_signals(expr)))

    def delay(self, model: DelayModel, width: int) -> float:
        return model.logic(bool_inputs(self.expr))


def _compare(nl: Netlist, a: Value, b: Value, strict: bool, name: str) -> Signal | bool:
    """``a > b`` or ``a >= b`` as a one-bit signal, or a constant when the ranges decide."""
    if (a.lo > b.hi) or (not strict and a.lo >= b.hi):
        return True
    if (a.hi < b.lo) or (strict and a.hi <= b.lo):
        return False
    width = max(range_bits(a), range_bits(b)) + 1
    ta, tb = operand_term(nl, a, f"{name}_na"), operand_term(nl, b, f"{name}_nb")
    v = nl.make(name, CompareCell(ta, tb, width, strict), 0, 1)
    return v.sig if v.sig is not None else bool(v.const)


def range_bits(v: Value) -> int:
    return max(abs(v.lo), abs(v.hi)).bit_length() + 1


def argmax_onehot(nl: Netlist, values: Sequence[Value], prefix: str) -> list[Value]:
    """The one-hot of the first maximum of ``values``."""
    out = []
    for i, x in enumerate(values):
        expr: Bool = True
        for j, y in enumerate(values):
            if i != j:
                c = _compare(nl, x, y, j < i, f"{prefix}_c{i}_{j}")
                expr = and_(expr, c if isinstance(c, bool) else bit(c, 0))
        if isinstance(expr, bool):
            out.append(Value.constant(int(expr)))
        elif expr[0] == "bit":
            out.append(Value(expr[1]))
        else:
            out.append(nl.make(f"{prefix}_o{i}", AllCell(expr), 0, 1))
    return out
