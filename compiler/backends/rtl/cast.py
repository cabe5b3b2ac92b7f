"""The output cast of a node (and ReLU) in logic, exactly as :func:`trigc.compiler.ir.fixed.cast`.

A cast is rounding, then overflow handling:

* dropping ``d`` fractional bits keeps ``x >> d`` (wiring) and adds one ``up`` bit decided by
  a little logic on the dropped bits, the sign and the kept LSB (:func:`round_up_bit`);
  trailing zeros known from the value's shift are dropped for free;
* ``WRAP`` keeps the low bits (wiring); ``SAT``/``SAT_ZERO``/``SAT_SYM`` test the bits above
  the destination range and select a bound or zero with a multiplexer.

Every step is skipped when the exact range shows it cannot change the value.  ReLU is done
after rounding and before overflow (``round(max(x, 0)) == max(round(x), 0)`` for every mode,
since rounding is monotone and never lifts a negative value above zero); after a ReLU the
sign-dependent modes act as on non-negative values.
"""

from __future__ import annotations

import numpy as np

from ...ir.fixed import FixedType, cast
from .logic import Bool, all_bits, and_, any_bits, bit, not_, or_
from .netlist import ClampCell, Netlist, RoundCell, Signal, SliceCell, Value

NONNEGATIVE_MODE = {"TRN_ZERO": "TRN", "RND_ZERO": "RND_MIN_INF", "RND_INF": "RND"}
"""Rounding modes that agree with a simpler one on non-negative values."""

_WIDE = 400  # wide enough for any intermediate value trigc handles


def round_int(value: int, drop: int, mode: str) -> int:
    """``value / 2**drop`` rounded with ``mode`` (reference: :func:`fixed.cast`)."""
    src = FixedType(_WIDE, _WIDE - drop)
    dst = FixedType(_WIDE, _WIDE, True, mode, "WRAP")
    return int(cast(np.array([value], dtype=object), src, dst)[0])


def cast_int(value: int, src_frac: int, dst: FixedType) -> int:
    """A constant mantissa with ``src_frac`` fractional bits cast to ``dst``."""
    src = FixedType(_WIDE, _WIDE - src_frac)
    return int(cast(np.array([value], dtype=object), src, dst)[0])


def round_up_bit(sig: Signal, drop: int, mode: str, nonnegative: bool) -> Bool:
    """The bit to add to ``sig >> drop`` so that the sum is ``sig / 2**drop`` rounded."""
    if nonnegative:
        mode = NONNEGATIVE_MODE.get(mode, mode)
    half = bit(sig, drop - 1)
    rest = any_bits(sig, drop - 2, 0)
    negative = bit(sig, sig.width - 1) if sig.signed else False
    if mode == "TRN":
        return False
    if mode == "TRN_ZERO":
        return and_(negative, any_bits(sig, drop - 1, 0))
    if mode == "RND":
        return half
    if mode == "RND_MIN_INF":
        return and_(half, rest)
    if mode == "RND_ZERO":
        return and_(half, or_(rest, negative))
    if mode == "RND_INF":
        return and_(half, or_(rest, not_(negative)))
    assert mode == "RND_CONV"
    return and_(half, or_(rest, bit(sig, drop)))


def round_value(nl: Netlist, v: Value, drop: int, mode: str, nonnegative: bool, name: str) -> Value:
    """``v / 2**drop`` rounded (``v`` without pending sign; ``drop > v.shift``)."""
    assert v.sig is not None and not v.neg and drop > v.shift
    sig, drop = v.sig, drop - v.shift
    if nonnegative:
        mode = NONNEGATIVE_MODE.get(mode, mode)
    lo, hi = round_int(sig.lo, drop, mode), round_int(sig.hi, drop, mode)
    up = round_up_bit(sig, drop, mode, nonnegative)
    if up is False:
        return nl.make(f"{name}_trn", SliceCell(sig, drop), lo, hi)
    return nl.make(f"{name}_rnd", RoundCell(sig, drop, up), lo, hi)


def relu_value(nl: Netlist, v: Value, name: str) -> Value:
    """``max(v, 0)`` (``v`` without pending sign): a multiplexer on the sign bit."""
    assert not v.neg
    if v.lo >= 0:
        return v
    if v.hi <= 0 or v.sig is None:
        return Value.constant(max(v.const, 0) if v.sig is None else 0)
    cell = ClampCell(v.sig, 0, False, 0, bit(v.sig, v.sig.width - 1), 0)
    return nl.make(f"{name}_relu", cell, 0, v.sig.hi).shifted(v.shift)


def _above(sig: Signal, top: int) -> Bool:
    """``sig > top`` for ``top = 2**p - 1``."""
    p = top.bit_length()
    if sig.signed:
        return and_(not_(bit(sig, sig.width - 1)), any_bits(sig, sig.width - 2, p))
    return any_bits(sig, sig.width - 1, p)


def _below(sig: Signal, bottom: int) -> Bool:
    """``sig < bottom`` for ``bottom`` = 0, ``-2**q`` or ``-2**q + 1`` (``q >= 0``)."""
    if not sig.signed:
        return False
    negative = bit(sig, sig.width - 1)
    if bottom == 0:
        return negative
    if (-bottom) & (-bottom - 1) == 0:  # -2**q: not all of bits W-2..q are ones
        q = (-bottom).bit_length() - 1
        return and_(negative, not_(all_bits(sig, sig.width - 2, q)))
    q = (1 - bottom).bit_length() - 1  # -2**q + 1: below -2**q, or equal to it
    assert 1 - bottom == 1 << q, bottom
    at_or_below = or_(not_(all_bits(sig, sig.width - 2, q)), not_(any_bits(sig, q - 1, 0)))
    return and_(negative, at_or_below)


def overflow_value(nl: Netlist, v: Value, dst: FixedType, name: str, relu: bool = False) -> Value:
    """``v`` (or ``max(v, 0)``) brought into ``dst``'s range with ``dst.overflow``.

    No rounding is left to do.  A ReLU before saturation shares its multiplexer: negative
    values select 0 like out-of-range ones select a bound.
    """
    relu = relu and v.lo < 0
    if relu and v.hi <= 0:
        return Value.constant(0)
    if not relu and dst.min_int <= v.lo and v.hi <= dst.max_int:
        return v
    if v.is_const:
        return Value.constant(cast_int(v.const, dst.frac, dst))
    v = nl.materialize(v, f"{name}_neg")
    if relu and (dst.overflow == "WRAP" or v.hi <= dst.max_int):
        return overflow_value(nl, relu_value(nl, v, name), dst, name)
    assert v.sig is not None
    sig, shift = v.sig, v.shift
    if dst.overflow == "WRAP":
        bits = dst.width - shift  # the wrapped value keeps the trailing zeros
        if bits <= 0:
            return Value.constant(0)
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if dst.signed else (0, (1 << bits) - 1)
        return nl.make(f"{name}_wrap", SliceCell(sig, 0), lo, hi).shifted(shift)
    high, low, kept_min = dst.max_int, dst.min_int, dst.min_int
    if dst.overflow == "SAT_ZERO":
        high = low = 0
    elif dst.overflow == "SAT_SYM" and dst.signed and dst.width > 1:
        # ap_fixed maps the minimum itself to -max too (see fixed._handle_overflow)
        low = kept_min = -dst.max_int
    if relu:
        low = kept_min = 0
    top = dst.max_int >> shift  # largest stored value kept as it is
    bottom = -((-kept_min) >> shift)  # smallest stored value kept as it is (ceil division)
    if sig.lo > top:
        return Value.constant(high)
    if sig.hi < bottom:
        return Value.constant(low)
    over = _above(sig, top) if sig.hi > top else False
    under = _below(sig, bottom) if sig.lo < bottom else False
    candidates = [max(sig.lo, bottom) << shift, min(sig.hi, top) << shift]
    candidates += [high] if over is not False else []
    candidates += [low] if under is not False else []
    cell = ClampCell(sig, shift, over, high, under, low)
    return nl.make(f"{name}_sat", cell, min(candidates), max(candidates))


def cast_value(
    nl: Netlist, v: Value, src_frac: int, dst: FixedType, name: str, relu: bool = False
) -> Value:
    """``cast(max(v, 0) if relu else v)`` from ``src_frac`` fractional bits to ``dst``."""
    if v.is_const:
        return Value.constant(cast_int(max(v.const, 0) if relu else v.const, src_frac, dst))
    drop = src_frac - dst.frac
    if drop <= v.shift:
        v = v.shifted(-drop)
    else:
        v = round_value(nl, nl.materialize(v, f"{name}_neg"), drop, dst.rounding, relu, name)
    return overflow_value(nl, v, dst, name, relu)
