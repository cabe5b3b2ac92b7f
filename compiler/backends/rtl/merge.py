"""Netlist building blocks for ops on whole tensors: concatenation and element-wise merges.

Tensors are lists of :class:`~.netlist.Value` in C order with a common number of fractional
bits.  Concatenation and reshaping are wiring.  A sum or difference is one adder per element
(the operands' trailing zeros and signs stay symbolic, as in the linear layers).  A product of
two signals is one multiplier cell (:class:`MulCell`); a product with a constant is a linear
layer of one term, so it becomes shifts and adds over the constant's canonical signed digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .delay import DelayModel
from .linear import linear
from .netlist import Cell, Netlist, Signal, Value


class MulCell(Cell):
    """``a * b`` of two signals, computed modulo ``2**width`` (exact: the product fits).

    Both operands are extended to the result width, so the two's-complement product modulo
    ``2**width`` is the exact product.  Delay model: one adder of the result width per bit
    of the narrower operand's binary length, i.e. a balanced tree of partial products.
    """

    def __init__(self, a: Signal, b: Signal) -> None:
        self.a, self.b = a, b
        self.inputs = tuple(dict.fromkeys((a, b)))

    def delay(self, model: DelayModel, width: int) -> float:
        levels = max(1, min(self.a.width, self.b.width).bit_length())
        return model.adder(width) * levels

    def chain(self, width: int) -> int:
        return 0  # the result waits for the whole comparison or product


def align(values: Sequence[Value], frac: int, target: int) -> list[Value]:
    """The values expressed with ``target >= frac`` fractional bits (trailing zeros)."""
    return [v.shifted(target - frac) for v in values]


def concatenate(
    parts: Sequence[Sequence[Value]], shapes: Sequence[tuple[int, ...]], axis: int
) -> list[Value]:
    """C-order elements of the tensors of ``shapes`` concatenated along ``axis``."""
    offsets = np.cumsum([0, *(len(p) for p in parts)])
    index = np.concatenate(
        [np.arange(len(p)).reshape(s) + o for p, s, o in zip(parts, shapes, offsets, strict=False)],
        axis=axis,
    )
    flat = [v for p in parts for v in p]
    return [flat[int(i)] for i in index.reshape(-1)]


def add(
    nl: Netlist, a: Sequence[Value], b: Sequence[Value], subtract: bool, prefix: str
) -> list[Value]:
    """``a[j] + b[j]`` (or ``a[j] - b[j]``) exactly, one adder per element."""
    return [
        nl.add(x, y.negated() if subtract else y, f"{prefix}_o{j}")
        for j, (x, y) in enumerate(zip(a, b, strict=True))
    ]


def multiply(
    nl: Netlist, a: Sequence[Value], b: Sequence[Value], prefix: str, sharing: str
) -> list[Value]:
    """``a[j] * b[j]`` exactly: a multiplier, or shifts and adds when one side is constant."""
    out = []
    for j, (x, y) in enumerate(zip(a, b, strict=True)):
        name = f"{prefix}_o{j}"
        if x.is_const and y.is_const:
            out.append(Value.constant(x.const * y.const))
        elif x.is_const or y.is_const:
            c, v = (x.const, y) if x.is_const else (y.const, x)
            out.append(linear(nl, [v], [[(0, c)] if c else []], [0], name, sharing)[0])
        else:
            out.append(_signal_product(nl, x, y, name))
    return out


def _signal_product(nl: Netlist, x: Value, y: Value, name: str) -> Value:
    assert x.sig is not None and y.sig is not None
    sa, sb = x.sig, y.sig
    corners = [sa.lo * sb.lo, sa.lo * sb.hi, sa.hi * sb.lo, sa.hi * sb.hi]
    product = nl.make(name, MulCell(sa, sb), min(corners), max(corners))
    product = product.shifted(x.shift + y.shift)
    return product.negated() if x.neg != y.neg else product
