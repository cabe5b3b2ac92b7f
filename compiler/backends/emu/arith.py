"""C++ integer arithmetic for the emulator: integer types by width, literals, and the cast of an
exact value to a fixed-point type as C++ text.

Every value the emulator holds is a mantissa in a signed C++ integer (``int32_t``, ``int64_t``,
or ``__int128`` for wide intermediates), chosen from the exact range the IR gives each node, so
that no operation can overflow its C++ type.  A cast is written for one node at a time, with the
shift, the rounding mode and the overflow mode known when the code is generated: a cast that can
never overflow (the usual case after precision inference) emits no overflow code at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import TrigcError
from ...ir.fixed import FixedType, cast


class EmuError(TrigcError):
    """The model needs something the C++ emulator cannot express."""


@dataclass(frozen=True)
class CInt:
    """A signed C++ integer type."""

    name: str
    bits: int

    def literal(self, value: int) -> str:
        """``value`` as a C++ constant of this type."""
        if signed_bits(value, value) > self.bits:
            raise EmuError(f"the constant {value} does not fit in {self.name}")
        if self.bits == 32:
            return (
                f"({value + 1} - 1)"
                if value == -(1 << 31)
                else (str(value) if value >= 0 else f"({value})")
            )
        if self.bits == 64:
            return f"(INT64_C({value + 1}) - 1)" if value == -(1 << 63) else f"INT64_C({value})"
        if signed_bits(value, value) <= 64:
            return f"{self.name}({INT64.literal(value)})"
        high, low = divmod(value, 1 << 62)  # low in [0, 2**62): both halves fit in int64
        return (
            f"({self.name}(INT64_C({high})) * ({self.name}(1) << 62) + {self.name}(INT64_C({low})))"
        )


INT32 = CInt("std::int32_t", 32)
INT64 = CInt("std::int64_t", 64)
INT128 = CInt("detail::int128", 128)


def signed_bits(lo: int, hi: int) -> int:
    """Bits of the narrowest signed integer holding ``lo..hi``."""
    return max(lo.bit_length(), hi.bit_length()) + 1


def holding(lo: int, hi: int, what: str) -> CInt:
    """The narrowest C++ type holding every integer in ``lo..hi``."""
    bits = signed_bits(lo, hi)
    for t in (INT32, INT64, INT128):
        if bits <= t.bits:
            return t
    raise EmuError(
        f"{what} needs {bits}-bit intermediates; the C++ emulator supports up to 128 bits. "
        "Give the layer a narrower accumulator type (or use the hls/rtl backends)."
    )


def storage(t: FixedType, what: str) -> CInt:
    """The C++ type a tensor of type ``t`` is stored in (``int32_t``, ``int64_t`` or, for
    accumulators wider than 64 bits, ``__int128``)."""
    return holding(t.min_int, t.max_int, what)


def interface_storage(t: FixedType, what: str) -> CInt:
    """The type of a model input or output: the interface passes ``int64_t`` mantissas."""
    c = storage(t, what)
    if c.bits > 64:
        raise EmuError(
            f"{what} has the {t.width}-bit type {t}; the emulator's interface passes inputs and "
            "outputs as 64-bit mantissas. Give it a narrower type (e.g. requantize the output)."
        )
    return c


def rounded_range(lo: int, hi: int, src_frac: int, dst: FixedType) -> tuple[int, int]:
    """The bounds of ``lo..hi`` (``src_frac`` fractional bits) after rounding to ``dst.frac``
    with ``dst``'s rounding mode, before any overflow handling (rounding is monotone)."""
    src = FixedType(400, 400 - src_frac)
    wide = FixedType(400, 400 - dst.frac, True, dst.rounding, "WRAP")
    out = cast(np.array([lo, hi], dtype=object), src, wide)
    return int(out[0]), int(out[1])


def overflows(lo: int, hi: int, dst: FixedType) -> bool:
    """Whether rounded values ``lo..hi`` need ``dst``'s overflow handling (``SAT_SYM`` also
    changes the exact minimum of a signed type)."""
    if dst.overflow == "SAT_SYM" and dst.signed and dst.width > 1:
        return lo <= dst.min_int or hi > dst.max_int
    return lo < dst.min_int or hi > dst.max_int


@dataclass(frozen=True)
class CastCode:
    """A cast written as C++: an expression of ``value`` and the type it is computed in."""

    text: str
    work: CInt


def cast_code(value: str, lo: int, hi: int, src_frac: int, dst: FixedType, what: str) -> CastCode:
    """C++ for ``cast(value, src, dst)`` where ``value`` (any signed C++ integer expression)
    holds mantissas in ``lo..hi`` with ``src_frac`` fractional bits.

    The result is converted to the storage type of ``dst``.  Mirrors
    :func:`trigc.compiler.ir.fixed.cast` step for step: the shift with ``dst.rounding``
    (clamped, as there, to one more bit than the value has), then ``dst.overflow``.
    """
    shift = src_frac - dst.frac
    rlo, rhi = rounded_range(lo, hi, src_frac, dst)
    if shift > 0:
        shift = min(shift, signed_bits(lo, hi) + 1)
        # the rounding bias is below 2**shift and is added before the shift
        work = holding(min(lo, rlo), max(hi, rhi) + (1 << shift), what)
        expr = f"detail::round_{dst.rounding.lower()}<{shift}>({work.name}({value}))"
    elif shift < 0:
        work = holding(min(lo, rlo), max(hi, rhi, 1 << -shift), what)
        expr = f"({work.name}({value}) * ({work.name}(1) << {-shift}))"
    else:
        work = holding(lo, hi, what)
        expr = f"{work.name}({value})"
    if overflows(rlo, rhi, dst):
        work = holding(min(rlo, dst.min_int), max(rhi, dst.max_int), what)
        expr = _overflow(f"{work.name}({expr})", work, dst)
    out = storage(dst, what)
    return CastCode(expr if work == out else f"{out.name}({expr})", work)


def _overflow(expr: str, work: CInt, dst: FixedType) -> str:
    lo, hi = work.literal(dst.min_int), work.literal(dst.max_int)
    if dst.overflow == "WRAP":
        return f"detail::wrap<{dst.width}, {str(dst.signed).lower()}>({expr})"
    if dst.overflow == "SAT_ZERO":
        return f"detail::sat_zero({expr}, {lo}, {hi})"
    if dst.overflow == "SAT_SYM" and dst.signed:
        sym_lo = work.literal(dst.min_int + 1 if dst.width > 1 else dst.min_int)
        return f"detail::sat_sym({expr}, {lo}, {hi}, {sym_lo})"
    return f"detail::sat({expr}, {lo}, {hi})"
