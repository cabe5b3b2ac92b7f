"""One-bit logic over signal bits: a small boolean expression tree, folded as it is built.

Expressions are ``bool`` constants or tuples: ``("bit", sig, i)``, ``("any", sig, hi, lo)``,
``("all", sig, hi, lo)``, ``("not", e)``, ``("and", a, b)``, ``("or", a, b)``.  Rounding
carries, saturation conditions, ROM address bits and the argmax's comparisons are built from
them; the Verilog templates (:mod:`.expressions`) print them.
"""

from __future__ import annotations

from typing import Protocol


class Signal(Protocol):
    """What the logic needs of a netlist signal (:class:`.netlist.Signal`)."""

    width: int
    signed: bool


Bool = bool | tuple


def bit(sig: Signal, i: int) -> Bool:
    """Bit ``i`` of ``sig``'s value (sign extension above its width)."""
    if i >= sig.width:
        return ("bit", sig, sig.width - 1) if sig.signed else False
    return ("bit", sig, i)


def _bits(kind: str, sig: Signal, hi: int, lo: int) -> Bool:
    if hi < lo:
        return kind == "all"  # empty reduction: OR of nothing is 0, AND of nothing is 1
    if hi >= sig.width and not sig.signed:
        if kind == "all":
            return False
        hi = sig.width - 1
    hi, lo = min(hi, sig.width - 1), min(lo, sig.width - 1)
    return ("bit", sig, hi) if hi == lo else (kind, sig, hi, lo)


def any_bits(sig: Signal, hi: int, lo: int) -> Bool:
    """OR of bits ``hi..lo`` of ``sig`` (``False`` when empty)."""
    return _bits("any", sig, hi, lo)


def all_bits(sig: Signal, hi: int, lo: int) -> Bool:
    """AND of bits ``hi..lo`` of ``sig`` (``True`` when empty)."""
    return _bits("all", sig, hi, lo)


def not_(a: Bool) -> Bool:
    if isinstance(a, bool):
        return not a
    return a[1] if a[0] == "not" else ("not", a)


def and_(a: Bool, b: Bool) -> Bool:
    if a is False or b is False:
        return False
    if a is True:
        return b
    return a if b is True else ("and", a, b)


def or_(a: Bool, b: Bool) -> Bool:
    if a is True or b is True:
        return True
    if a is False:
        return b
    return a if b is False else ("or", a, b)


def bool_signals(e: Bool) -> list[Signal]:
    """Signals an expression reads."""
    if isinstance(e, bool):
        return []
    if e[0] in ("bit", "any", "all"):
        return [e[1]]
    return [s for sub in e[1:] for s in bool_signals(sub)]


def bool_inputs(e: Bool) -> int:
    """Number of signal bits an expression reads (for its LUT depth)."""
    if isinstance(e, bool):
        return 0
    if e[0] == "bit":
        return 1
    if e[0] in ("any", "all"):
        return e[2] - e[3] + 1
    return sum(bool_inputs(sub) for sub in e[1:])
