"""A word-level netlist of exact integer arithmetic, with the arrival estimate it grows by.

Every :class:`Signal` is a wire holding an integer whose exact range ``lo..hi`` is known; its
width and signedness follow from that range (two's complement when ``lo < 0``), so every wire
is as narrow as the values it can carry.  Inside a linear layer the range comes from the
signal's *linear form* over the layer's inputs (``sum(coeff * leaf) + const``), which is exact
where interval arithmetic on the shift-and-add cells would not be (``(x << 3) - x`` is
``7 * x``, not ``[8 * lo - hi, 8 * hi - lo]``).

A :class:`Value` is what a tensor element is while lowering: ``+-(signal << shift)`` or a
constant.  Trailing zeros and signs stay symbolic until a cell has to materialise them.

Cells are placed as soon as they are created (:mod:`.placement`, delays from :mod:`.delay`):
``stage`` is the pipeline stage whose logic computes the signal, ``time`` its estimated
arrival within that stage; :mod:`.schedule` decides where the registers finally go.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from .delay import DelayModel
from .logic import Bool, bool_inputs, bool_signals
from .placement import GreedyPlacement


def range_width(lo: int, hi: int) -> int:
    """Bits of the narrowest two's-complement (``lo < 0``) or plain word holding ``lo..hi``."""
    if lo < 0:
        return max((-lo - 1).bit_length(), hi.bit_length()) + 1
    return max(hi.bit_length(), 1)


# -- cells --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """An adder operand: ``signal << shift``, or the constant ``const << shift``."""

    sig: Signal | None
    const: int
    shift: int


class Cell:
    """Something that computes one signal from its ``inputs`` (plain data: the Verilog
    printer, :func:`~.expressions.cell_expression`, turns it into text).

    Timing (see :mod:`.delay`): the result's least significant bit is ready ``delay`` after
    the latest operand's, and its bit ``b`` of the ``chain`` bits that ripple ``b`` carry
    steps later still.
    """

    inputs: tuple[Signal, ...] = ()

    def delay(self, model: DelayModel, width: int) -> float:
        raise NotImplementedError

    def chain(self, width: int) -> int:
        """Result bits behind the least significant one on a carry chain (or a ramp)."""
        return width


class InputCell(Cell):
    """One element of ``in_data``, registered at the input (rendered by the writer)."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def delay(self, model, width):
        return 0.0

    def chain(self, width):
        return 0


class AddCell(Cell):
    """``a + b`` or ``a - b``, computed modulo ``2**width`` (exact: the result fits).

    When ``a`` is unshifted and ``b`` shifted left by ``d``, the low ``d`` bits of the result
    are ``a``'s and only ``width - d`` bits need a carry chain.
    """

    def __init__(self, a: Term, b: Term, subtract: bool) -> None:
        self.a, self.b, self.subtract = a, b, subtract
        self.inputs = tuple(t.sig for t in (a, b) if t.sig is not None)

    def passthrough(self, width: int) -> int:
        """Low result bits that are wires from ``a``."""
        return self.b.shift if self.a.shift == 0 and self.b.shift < width else 0

    def delay(self, model, width):
        return model.lut_ns

    def chain(self, width):
        return width - self.passthrough(width)


class SliceCell(Cell):
    """``src >> drop`` wrapped to the result width: wiring only (truncation, WRAP)."""

    def __init__(self, src: Signal, drop: int) -> None:
        self.src, self.drop = src, drop
        self.inputs = (src,)

    def delay(self, model, width):
        return model.carry_ns_per_bit * self.drop  # bit ``drop`` of a rippling source


class RoundCell(Cell):
    """``(src >> drop) + up``: rounding, where ``up`` decides on the dropped bits."""

    def __init__(self, src: Signal, drop: int, up: Bool) -> None:
        self.src, self.drop, self.up = src, drop, up
        self.inputs = tuple(dict.fromkeys([src, *bool_signals(up)]))

    def delay(self, model, width):
        # the dropped bits decide the carry-in of an incrementer over the kept ones
        return model.carry_ns_per_bit * self.drop + model.logic(bool_inputs(self.up))


class ClampCell(Cell):
    """``over ? high : under ? low : src << shift``: saturation to a type's range."""

    def __init__(
        self, src: Signal, shift: int, over: Bool, high: int, under: Bool, low: int
    ) -> None:
        self.src, self.shift = src, shift
        self.over, self.high, self.under, self.low = over, high, under, low
        self.inputs = (src,)

    def delay(self, model, width):
        # the tests read the source's top bits, the last of its chain to settle
        settle = model.carry_ns_per_bit * self.src.width
        return settle + model.logic(bool_inputs(self.over) + bool_inputs(self.under) + 1)

    def chain(self, width):
        return 0  # a multiplexer: every bit at once


# -- signals and values -------------------------------------------------------------------------
class Signal:
    """A wire of the netlist with its exact value range and pipeline placement."""

    def __init__(
        self, index: int, name: str, lo: int, hi: int, cell: Cell, stage: int, time: float
    ) -> None:
        self.index, self.name, self.lo, self.hi = index, name, lo, hi
        self.cell, self.stage, self.time = cell, stage, time  # time: of the lowest bit
        self.finish = time  # when the highest bit settles (set by the placement)
        self.width = range_width(lo, hi)
        self.signed = lo < 0
        self.form: dict[int, int] = {index: 1}  # linear form over leaf signal indices
        self.const = 0
        self.group = ""  # the IR node whose lowering made the signal (its layer module)

    def __repr__(self) -> str:
        return f"<{self.name} [{self.lo}, {self.hi}] stage {self.stage} t={self.time:.2f}>"


@dataclass(frozen=True)
class Value:
    """``-(sig << shift)`` if ``neg`` else ``sig << shift``; ``const`` when ``sig`` is None."""

    sig: Signal | None
    const: int = 0
    shift: int = 0
    neg: bool = False

    @staticmethod
    def constant(value: int) -> Value:
        return Value(None, value)

    @property
    def is_const(self) -> bool:
        return self.sig is None

    @property
    def lo(self) -> int:
        """Smallest value."""
        if self.sig is None:
            return self.const
        return -(self.sig.hi << self.shift) if self.neg else self.sig.lo << self.shift

    @property
    def hi(self) -> int:
        """Largest value."""
        if self.sig is None:
            return self.const
        return -(self.sig.lo << self.shift) if self.neg else self.sig.hi << self.shift

    def shifted(self, by: int) -> Value:
        """The value times ``2**by`` (``by`` may be negative down to ``-shift``)."""
        if self.sig is None:
            return Value.constant(self.const << by if by >= 0 else self.const >> -by)
        assert self.shift + by >= 0
        return Value(self.sig, 0, self.shift + by, self.neg)

    def negated(self) -> Value:
        if self.sig is None:
            return Value.constant(-self.const)
        return Value(self.sig, 0, self.shift, not self.neg)

    def ready(self) -> tuple[int, float]:
        """(stage, time) at which the value is available."""
        return (1, 0.0) if self.sig is None else (self.sig.stage, self.sig.time)


RESERVED_NAMES = (
    "clk",
    "rst",
    "in_valid",
    "in_data",
    "out_valid",
    "out_data",
    "valid_q",
    "out_q",
    "unused_bits",
)
"""Names of the top level's own ports and registers, never given to a signal."""


def _operand(v: Value) -> tuple[Term, int]:
    """``v`` as a term and a sign (a constant as its odd part and trailing zeros)."""
    if v.sig is None:
        magnitude = abs(v.const)
        zeros = (magnitude & -magnitude).bit_length() - 1
        return Term(None, magnitude >> zeros, zeros), 1 if v.const > 0 else -1
    return Term(v.sig, 0, v.shift), -1 if v.neg else 1


# -- the netlist --------------------------------------------------------------------------------
class Netlist:
    """Signals in creation (hence topological) order, placed into stages as they are made."""

    def __init__(self, model: DelayModel, budget_ns: float) -> None:
        self.model, self.budget_ns = model, budget_ns
        self.placement = GreedyPlacement(model, budget_ns)
        self.signals: list[Signal] = []
        self._names: set[str] = set(RESERVED_NAMES)
        self._negated: dict[int, Value] = {}  # signal index -> its materialised negation
        self.group = ""  # the IR node being lowered: new signals belong to its layer module

    def names_in_use(self) -> frozenset[str]:
        """Every name given to a signal, and the reserved ones."""
        return frozenset(self._names)

    def fresh_name(self, base: str) -> str:
        name, n = base, 1
        while name in self._names:
            name, n = f"{base}_{n}", n + 1
        self._names.add(name)
        return name

    def make(self, name: str, cell: Cell, lo: int, hi: int) -> Value:
        """A new signal computed by ``cell`` with range ``lo..hi`` (a constant if one value)."""
        if lo == hi:
            return Value.constant(lo)
        width = range_width(lo, hi)
        chain = cell.chain(width)
        stage, time = self.placement.place(cell.inputs, cell.delay(self.model, width), chain)
        sig = Signal(len(self.signals), self.fresh_name(name), lo, hi, cell, stage, time)
        sig.finish = self.model.finish(time, chain)
        sig.group = self.group
        self.signals.append(sig)
        return Value(sig)

    def input(self, name: str, offset: int, lo: int, hi: int) -> Value:
        """A registered element of ``in_data``: stage 1, available at time 0."""
        return self.make(name, InputCell(offset), lo, hi)

    # -- linear arithmetic ----------------------------------------------------------------------
    def _form_range(self, form: dict[int, int], const: int) -> tuple[int, int]:
        lo = hi = const
        for leaf, coeff in form.items():
            sig = self.signals[leaf]
            lo += coeff * (sig.lo if coeff > 0 else sig.hi)
            hi += coeff * (sig.hi if coeff > 0 else sig.lo)
        return lo, hi

    def add(self, a: Value, b: Value, name: str, positive: bool = False) -> Value:
        """``a + b`` with one adder (none when one of them is the constant 0).

        The operand with fewer trailing zeros goes first and enters positively, so that the
        low bits of the other pass through (``AddCell``); the sum's sign stays symbolic.
        ``positive`` asks for a sum without pending sign where one operand is positive.
        """
        if a.is_const and b.is_const:
            return Value.constant(a.const + b.const)
        for x, y in ((a, b), (b, a)):
            if y.is_const and y.const == 0:
                return x
        ops = sorted(
            (_operand(a), _operand(b)), key=lambda o: (o[0].shift, -o[1], o[0].sig is None)
        )
        (low, low_sign), (high, high_sign) = ops
        if positive and low_sign < 0 < high_sign:
            (low, low_sign), (high, high_sign) = (high, high_sign), (low, low_sign)
        shift = min(low.shift, high.shift)
        subtract = low_sign != high_sign
        ta = Term(low.sig, low.const, low.shift - shift)
        tb = Term(high.sig, high.const, high.shift - shift)
        form, const = self._combine([(ta, 1), (tb, -1 if subtract else 1)])
        return self._finish(name, AddCell(ta, tb, subtract), form, const, shift, low_sign < 0)

    def _combine(self, terms: list[tuple[Term, int]]) -> tuple[dict[int, int], int]:
        """Linear form of ``sum(sign * (term << term.shift))``."""
        form: dict[int, int] = {}
        const = 0
        for term, sign in terms:
            if term.sig is None:
                const += sign * (term.const << term.shift)
                continue
            for leaf, coeff in term.sig.form.items():
                form[leaf] = form.get(leaf, 0) + sign * (coeff << term.shift)
            const += sign * (term.sig.const << term.shift)
        return {k: c for k, c in form.items() if c}, const

    def _finish(
        self, name: str, cell: Cell, form: dict[int, int], const: int, shift: int, neg: bool
    ) -> Value:
        lo, hi = self._form_range(form, const)
        out = self.make(name, cell, lo, hi)
        if out.sig is None:
            return Value.constant(-out.const if neg else out.const).shifted(shift)
        out.sig.form, out.sig.const = form, const
        return Value(out.sig, 0, shift, neg)

    def materialize(self, v: Value, name: str) -> Value:
        """``v`` without a pending negation (a subtractor ``0 - x`` when needed)."""
        if not v.neg:
            return v
        assert v.sig is not None
        if v.sig.index not in self._negated:
            term = Term(v.sig, 0, 0)
            form, const = self._combine([(term, -1)])
            cell = AddCell(Term(None, 0, 0), term, subtract=True)
            self._negated[v.sig.index] = self._finish(name, cell, form, const, 0, False)
        return self._negated[v.sig.index].shifted(v.shift)

    def sum_tree(self, values: Sequence[Value], name: str) -> Value:
        """A balanced adder tree: always combine the two operands that are ready first."""
        const = sum(v.const for v in values if v.is_const)
        pending = [v for v in values if not v.is_const]
        if const:
            pending.insert(0, Value.constant(const))
        if not pending:
            return Value.constant(0)
        heap = [(*v.ready(), _msb(v), order, v) for order, v in enumerate(pending)]
        order = len(heap)
        heapq.heapify(heap)
        while len(heap) > 1:
            a = heapq.heappop(heap)[-1]
            b = heapq.heappop(heap)[-1]
            v = self.add(a, b, f"{name}_t" if heap else name, positive=not heap)
            heapq.heappush(heap, (*v.ready(), _msb(v), order, v))
            order += 1
        return heap[0][-1]


def _msb(v: Value) -> int:
    """Position above the highest bit a value can occupy (tie-break: narrow sums first)."""
    return max(abs(v.lo), abs(v.hi)).bit_length()
