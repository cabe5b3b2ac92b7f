"""Netlist building blocks for sliding-window ops: convolution and pooling.

A convolution is a constant sparse matrix times the flattened input: each output position is
a dense layer over the elements its window reads (padding reads the constant 0), so it goes
through the same shift-and-add lowering as ``dense`` (:func:`.linear.linear`).  Average pooling
over ``2**k`` elements is their sum read with ``k`` more fractional bits (an adder tree);
max pooling is a balanced tree of compare-and-select cells (:class:`MaxCell`), which also
make the leaky ReLU and the clipped ReLU; the binary sign activation is one minus twice the
sign bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .delay import DelayModel
from .linear import linear
from .netlist import Cell, Netlist, SliceCell, Term, Value, range_width


def windows(values: Sequence[Value], index: np.ndarray, channels: int) -> list[list[Value]]:
    """Per output position and channel-major window order: the elements each window reads.

    ``index`` comes from :func:`trigc.compiler.ir.ops.conv.window_index` (``-1``: padding, 0).
    Each returned list holds ``kernel elements * channels`` values in C order.
    """
    rank = index.ndim // 2
    flat_windows = index.reshape(int(np.prod(index.shape[:rank])), -1)
    zero = Value.constant(0)
    out = []
    for positions in flat_windows:
        row: list[Value] = []
        for q in positions:
            q = int(q)
            row += [zero] * channels if q < 0 else list(values[q * channels : (q + 1) * channels])
        out.append(row)
    return out


def convolution(
    nl: Netlist,
    rows: list[list[Value]],
    weights: np.ndarray,
    shift: int,
    consts: list[int],
    prefix: str,
    sharing: str,
) -> list[Value]:
    """Each window times the ``(window elements, c_out)`` integer matrix, plus ``consts``.

    ``shift`` aligns the products to the accumulator's fractional bits.
    """
    w = [[int(v) for v in r] for r in weights.tolist()]
    n_in, n_out = len(w), len(w[0]) if w else 0
    columns = [[(i, w[i][o] << shift) for i in range(n_in) if w[i][o]] for o in range(n_out)]
    out: list[Value] = []
    for p, row in enumerate(rows):
        out += linear(nl, row, columns, consts, f"{prefix}_p{p}", sharing)
    return out


class MaxCell(Cell):
    """``a > b ? a : b`` for two signals (each shifted left by its term's shift).

    The comparison is signed, at a width holding both operands; the delay is a comparator
    (an adder's carry chain) followed by a LUT level of multiplexers.
    """

    def __init__(self, a: Term, b: Term, compare_width: int) -> None:
        self.a, self.b, self.compare_width = a, b, compare_width
        self.inputs = tuple(dict.fromkeys(t.sig for t in (a, b) if t.sig is not None))

    def delay(self, model: DelayModel, width: int) -> float:
        return model.adder(self.compare_width) + model.logic(3)

    def chain(self, width: int) -> int:
        return 0  # the result waits for the whole comparison or product


def maximum(nl: Netlist, a: Value, b: Value, name: str) -> Value:
    """``max(a, b)`` exactly (a constant when the ranges decide it)."""
    if a.lo >= b.hi:
        return a
    if b.lo >= a.hi:
        return b
    ta, tb = (operand_term(nl, v, f"{name}_neg") for v in (a, b))
    compare_width = range_width(min(a.lo, b.lo), max(a.hi, b.hi)) + 1
    return nl.make(name, MaxCell(ta, tb, compare_width), max(a.lo, b.lo), max(a.hi, b.hi))


def operand_term(nl: Netlist, v: Value, name: str) -> Term:
    """``v`` as a term of a comparison: its negation materialised, its shift kept."""
    v = nl.materialize(v, name)
    return Term(v.sig, v.const, v.shift) if v.sig is not None else Term(None, v.const, 0)


def max_tree(nl: Netlist, values: Sequence[Value], name: str) -> Value:
    """The largest of ``values``, as a balanced tree of :func:`maximum`."""
    level = list(values)
    while len(level) > 1:
        nxt = [
            maximum(nl, level[i], level[i + 1], f"{name}_t") for i in range(0, len(level) - 1, 2)
        ]
        level = nxt + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def pooling(
    nl: Netlist, rows: list[list[Value]], channels: int, average: bool, prefix: str
) -> list[Value]:
    """Per window and channel the sum (average) or the maximum of its elements."""
    out = []
    for p, row in enumerate(rows):
        for c in range(channels):
            members = row[c::channels]
            name = f"{prefix}_p{p}c{c}"
            out.append(nl.sum_tree(members, name) if average else max_tree(nl, members, name))
    return out


def leaky_relu(nl: Netlist, values: Sequence[Value], shift: int, prefix: str) -> list[Value]:
    """``max(x << shift, x)``: ``x`` for ``x > 0``, else ``x * 2**-shift``, with ``shift``
    more fractional bits (a slope below one makes the larger of the two the leaky ReLU)."""
    return [maximum(nl, v.shifted(shift), v, f"{prefix}_o{j}") for j, v in enumerate(values)]


def binary(nl: Netlist, values: Sequence[Value], prefix: str) -> list[Value]:
    """``1`` for ``x >= 0``, else ``-1``: one minus twice the sign bit."""
    out = []
    for j, v in enumerate(values):
        if v.lo >= 0 or v.hi < 0:
            out.append(Value.constant(1 if v.lo >= 0 else -1))
            continue
        v = nl.materialize(v, f"{prefix}_neg{j}")
        assert v.sig is not None
        sign = nl.make(f"{prefix}_s{j}", SliceCell(v.sig, v.sig.width - 1), 0, 1)
        out.append(nl.add(Value.constant(1), sign.shifted(1).negated(), f"{prefix}_o{j}"))
    return out


def relu_max(nl: Netlist, values: Sequence[Value], top: int, prefix: str) -> list[Value]:
    """``min(max(x, 0), top)`` as ``-max(-max(x, 0), -top)``."""
    out = []
    for j, v in enumerate(values):
        low = maximum(nl, v, Value.constant(0), f"{prefix}_r{j}")
        out.append(maximum(nl, low.negated(), Value.constant(-top), f"{prefix}_m{j}").negated())
    return out
