"""Fixed-point types with the semantics of Vitis HLS ``ap_fixed`` / ``ap_ufixed``.

Values are carried as integers (the mantissa): a value ``v`` of type ``T`` is the integer
``v * 2**T.frac``.  :func:`cast` converts mantissas between types with every rounding and
overflow mode of ``ap_fixed``; it never touches floating point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

ROUNDING_MODES = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV")
OVERFLOW_MODES = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM")

_TYPE_RE = re.compile(
    r"^\s*(?:ap_)?(?P<kind>fixed|ufixed|int|uint)\s*<\s*(?P<args>[^>]*)>\s*$", re.IGNORECASE
)


class FixedTypeError(ValueError):
    """A fixed-point type string or parameter is not valid."""


@dataclass(frozen=True, order=True)
class FixedType:
    """A fixed-point number format, as ``ap_fixed<width, integer, rounding, overflow>``.

    ``integer`` counts the integer bits including the sign bit (as in ``ap_fixed``) and may be
    negative or larger than ``width``.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: str = "TRN"
    overflow: str = "WRAP"

    def __post_init__(self) -> None:
        if self.width < 1:
            raise FixedTypeError(f"fixed-point width must be at least 1, got {self.width}")
        if self.rounding not in ROUNDING_MODES:
            raise FixedTypeError(
                f"unknown rounding mode {self.rounding!r}; valid: {', '.join(ROUNDING_MODES)}"
            )
        if self.overflow not in OVERFLOW_MODES:
            raise FixedTypeError(
                f"unknown overflow mode {self.overflow!r}; valid: {', '.join(OVERFLOW_MODES)}"
            )

    # -- derived properties -------------------------------------------------------------
    @property
    def frac(self) -> int:
        """Number of fractional bits (``width - integer``; may be negative)."""
        return self.width - self.integer

    @property
    def min_int(self) -> int:
        """Smallest mantissa."""
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def lowest_int(self) -> int:
        """Smallest mantissa a cast to this type can produce: ``SAT_SYM`` (a narrow range, as
        QONNX's ``narrow`` and QKeras' symmetric quantizers) never gives ``-2**(W-1)``."""
        if self.signed and self.overflow == "SAT_SYM":
            return -self.max_int
        return self.min_int

    @property
    def max_int(self) -> int:
        """Largest mantissa."""
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def min_value(self) -> Fraction:
        """Smallest representable value."""
        return Fraction(self.min_int) / Fraction(2) ** self.frac

    @property
    def max_value(self) -> Fraction:
        """Largest representable value."""
        return Fraction(self.max_int) / Fraction(2) ** self.frac

    @property
    def lsb(self) -> Fraction:
        """Value of one unit in the last place."""
        return Fraction(1) / Fraction(2) ** self.frac

    def with_modes(self, rounding: str = "TRN", overflow: str = "WRAP") -> FixedType:
        """The same format with other quantization modes."""
        return FixedType(self.width, self.integer, self.signed, rounding, overflow)

    # -- text forms ---------------------------------------------------------------------
    def __str__(self) -> str:
        kind = "fixed" if self.signed else "ufixed"
        modes = ""
        if (self.rounding, self.overflow) != ("TRN", "WRAP"):
            modes = f",{self.rounding},{self.overflow}"
        return f"{kind}<{self.width},{self.integer}{modes}>"

    def to_hls(self) -> str:
        """The C++ type, e.g. ``ap_fixed<6,1,AP_RND_CONV,AP_SAT>``."""
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        modes = ""
        if (self.rounding, self.overflow) != ("TRN", "WRAP"):
            modes = f",AP_{self.rounding},AP_{self.overflow}"
        return f"{kind}<{self.width},{self.integer}{modes}>"

    @classmethod
    def parse(cls, text: str) -> FixedType:
        """Parse ``fixed<16,6>``, ``ufixed<6,0,RND_CONV,SAT>``, ``ap_fixed<8,3,AP_RND,AP_WRAP>``,
        ``int<8>`` or ``uint<4>``."""
        match = _TYPE_RE.match(text)
        if not match:
            raise FixedTypeError(
                f"cannot read fixed-point type {text!r}; expected e.g. 'fixed<16,6>' or "
                "'ufixed<6,0,RND_CONV,SAT>'"
            )
        kind = match["kind"].lower()
        args = [a.strip() for a in match["args"].split(",") if a.strip()]
        signed = kind in ("fixed", "int")
        if kind in ("int", "uint") and len(args) != 1:
            raise FixedTypeError(f"{text!r}: {kind}<W> takes exactly one number")
        if kind not in ("int", "uint") and len(args) not in (2, 3, 4):
            raise FixedTypeError(
                f"{text!r}: {kind}<W,I[,rounding[,overflow]]> takes two to four arguments"
            )
        try:
            numbers = [int(a) for a in args[:2]]
        except ValueError:
            raise FixedTypeError(f"{text!r}: width and integer bits must be integers") from None
        modes = [a.upper().removeprefix("AP_") for a in args[2:]]
        rounding = modes[0] if modes else "TRN"
        overflow = modes[1] if len(modes) > 1 else "WRAP"
        width, integer = (numbers[0], numbers[0]) if len(numbers) == 1 else numbers
        try:
            return cls(width, integer, signed, rounding, overflow)
        except FixedTypeError as exc:
            raise FixedTypeError(f"{text!r}: {exc}") from None

    # -- value conversion ---------------------------------------------------------------
    def to_float(self, mantissa: np.ndarray) -> np.ndarray:
        """Mantissas as float64 (exact while the width is at most 53)."""
        return np.asarray(mantissa, dtype=np.float64) * np.ldexp(1.0, -self.frac)

    def from_float_exact(self, values: np.ndarray, what: str = "value") -> np.ndarray:
        """Mantissas of values that must lie exactly on this type's grid and range."""
        values = np.asarray(values, dtype=np.float64)
        scaled = np.ldexp(values, self.frac)
        mantissa = np.round(scaled)
        off_grid = (mantissa != scaled) | ~np.isfinite(scaled)
        if off_grid.any():
            bad = values[off_grid].flat[0]
            raise FixedTypeError(f"{what} {float(bad)!r} is not on the grid of {self}")
        mantissa = mantissa.astype(object if self.width > 62 else np.int64)
        if (mantissa < self.min_int).any() or (mantissa > self.max_int).any():
            raise FixedTypeError(f"{what} outside the range of {self}")
        return mantissa


def fits(value_min: int, value_max: int, width: int, signed: bool) -> bool:
    """Whether all mantissas in ``[value_min, value_max]`` fit in ``width`` bits."""
    if signed:
        return -(1 << (width - 1)) <= value_min and value_max <= (1 << (width - 1)) - 1
    return value_min >= 0 and value_max <= (1 << width) - 1


def smallest_type(lo: int, hi: int, frac: int) -> FixedType:
    """The narrowest type with ``frac`` fractional bits that holds mantissas ``lo..hi``."""
    signed = lo < 0
    width = 1
    while not fits(lo, hi, width, signed):
        width += 1
    return FixedType(width, width - frac, signed)


def _shift_right_rounded(x: np.ndarray, shift: int, rounding: str) -> np.ndarray:
    """Divide mantissas by ``2**shift`` (``shift > 0``) with an ap_fixed rounding mode.

    Every mode is one floor division of ``x`` plus a bias below ``2**shift``: ``half`` rounds
    ties up, ``half - 1`` rounds them down, and the sign or the parity of the truncated result
    picks between the two.
    """
    if rounding == "TRN":
        return x >> shift
    half = 1 << (shift - 1)
    if rounding == "RND":  # ties towards plus infinity
        return (x + half) >> shift
    if rounding == "RND_MIN_INF":  # ties towards minus infinity
        return (x + (half - 1)) >> shift
    if rounding == "RND_CONV":  # ties to even: up exactly when the truncated result is odd
        return (x + (half - 1) + ((x >> shift) & 1)) >> shift
    negative = (x < 0).astype(x.dtype)  # 0 or 1, as Python integers for object arrays
    if rounding == "TRN_ZERO":
        return (x + negative * ((1 << shift) - 1)) >> shift
    if rounding == "RND_ZERO":  # ties towards zero
        return (x + (half - 1) + negative) >> shift
    assert rounding == "RND_INF", rounding  # ties away from zero
    return (x + half - negative) >> shift


def _wrap(x: np.ndarray, width: int, signed: bool) -> np.ndarray:
    mask = (1 << width) - 1
    wrapped = x & mask
    if signed:
        wrapped = wrapped - ((wrapped >> (width - 1)) << width)
    return wrapped


def _working_array(x: np.ndarray, src: FixedType, shift: int) -> np.ndarray:
    """``x`` as int64 when every intermediate of :func:`cast` fits, else as Python integers."""
    if x.dtype == object or src.width > 60:
        return x.astype(object)
    x = x.astype(np.int64)
    if shift < 0 and x.size:
        largest = max(-int(x.min()), int(x.max()))
        if largest.bit_length() - shift > 61:
            return x.astype(object)
    return x


def cast(mantissa: np.ndarray, src: FixedType, dst: FixedType) -> np.ndarray:
    """Convert mantissas of type ``src`` to ``dst`` exactly as ``ap_fixed`` assignment does.

    Rounding uses ``dst.rounding`` on the dropped fractional bits, then ``dst.overflow`` on the
    result.  Works on int64 arrays when the intermediate fits, otherwise on Python integers;
    returns int64 when ``dst`` is at most 62 bits wide, else an object array of Python integers.
    Checked value by value against the ap_types headers
    (tests/compiler/ir/test_fixed_vs_ap_fixed.py).
    """
    shift = src.frac - dst.frac
    x = _working_array(np.asarray(mantissa), src, shift)
    if shift > 0:
        # Dropping more than width + 1 bits leaves a value strictly inside (-1/2, 1/2): every
        # rounding mode then gives the same result as dropping width + 1 bits, and the shift
        # stays within int64.
        x = _shift_right_rounded(x, min(shift, src.width + 1), dst.rounding)
    elif shift < 0:
        x = x << (-shift)
    if dst.width > 62:
        # the destination's bounds (and its values) need not fit in int64
        return _handle_overflow(x.astype(object), dst)
    return _handle_overflow(x, dst).astype(np.int64, copy=False)


def _handle_overflow(x: np.ndarray, dst: FixedType) -> np.ndarray:
    """Bring rounded mantissas into the range of ``dst`` with its overflow mode."""
    lo, hi = dst.min_int, dst.max_int
    if x.size and lo < int(x.min()) and int(x.max()) <= hi:
        return x  # nothing overflows (the minimum itself matters to SAT_SYM)
    if dst.overflow == "WRAP":
        return _wrap(x, dst.width, dst.signed)
    if dst.overflow == "SAT_ZERO":
        return np.where((x > hi) | (x < lo), 0, x)
    if dst.overflow == "SAT_SYM" and dst.signed:
        # ap_fixed's SAT_SYM maps the exact minimum -2**(W-1) to -max as well as everything
        # below it (ap_fixed_base::operator=: "underflow |= neg_src && V[W-2:0] == 0"), so the
        # result range is symmetric.  Saturating sets the pattern 10..01, i.e. min + 1 = -max;
        # for a 1-bit type that pattern is 1 = -1 = min.  Only a signed source can reach the
        # minimum, and an unsigned destination saturates as with SAT.
        sym_lo = lo + 1 if dst.width > 1 else lo
        return np.where(x > hi, hi, np.where(x <= lo, sym_lo, x))
    return np.clip(x, lo, hi)
