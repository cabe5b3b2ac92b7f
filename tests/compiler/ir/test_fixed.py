"""FixedType and cast(): parsing, text forms, ranges and hand-computed conversions.

The exhaustive comparison with the real ap_fixed headers is in test_fixed_vs_ap_fixed.py.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest

from trigc.compiler.ir.fixed import (
    OVERFLOW_MODES,
    ROUNDING_MODES,
    FixedType,
    FixedTypeError,
    cast,
    fits,
    smallest_type,
)

# -- parsing and text forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fixed<16,6>", FixedType(16, 6)),
        ("ufixed<6,0,RND_CONV,SAT>", FixedType(6, 0, False, "RND_CONV", "SAT")),
        ("ap_fixed<8,3,AP_RND,AP_SAT_SYM>", FixedType(8, 3, True, "RND", "SAT_SYM")),
        ("ap_ufixed<4, -2, AP_TRN_ZERO>", FixedType(4, -2, False, "TRN_ZERO", "WRAP")),
        ("fixed<8,12,rnd_inf,sat_zero>", FixedType(8, 12, True, "RND_INF", "SAT_ZERO")),
        (" fixed < 5 , -1 > ", FixedType(5, -1)),
        ("int<8>", FixedType(8, 8)),
        ("uint<4>", FixedType(4, 4, signed=False)),
        ("ap_int<3>", FixedType(3, 3)),
    ],
)
def test_parse(text: str, expected: FixedType) -> None:
    assert FixedType.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "float",
        "fixed",
        "fixed<16>",
        "fixed<16,6",
        "fixed<a,6>",
        "fixed<16,6.5>",
        "fixed<0,0>",
        "fixed<-3,1>",
        "fixed<16,6,RND,SAT,0>",  # the saturation-bits argument is not supported
        "fixed<16,6,ROUND>",
        "fixed<16,6,RND,CLAMP>",
        "fixed<16,6,SAT>",  # an overflow mode in the rounding position
        "int<8,3>",
        "uint<0>",
        "sfixed<8,3>",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(FixedTypeError):
        FixedType.parse(text)


def test_constructor_rejects_bad_parameters() -> None:
    with pytest.raises(FixedTypeError, match="width"):
        FixedType(0, 0)
    with pytest.raises(FixedTypeError, match="rounding"):
        FixedType(8, 3, rounding="AP_RND")
    with pytest.raises(FixedTypeError, match="overflow"):
        FixedType(8, 3, overflow="SATURATE")


ROUND_TRIP_TYPES = [
    FixedType(16, 6),
    FixedType(6, 0, False, "RND_CONV", "SAT"),
    FixedType(8, 3, True, "RND", "SAT_SYM"),
    FixedType(5, -1, True, "TRN_ZERO", "WRAP"),
    FixedType(6, 8, False, "TRN", "SAT_ZERO"),
    FixedType(1, 1),
    FixedType(100, 40, True, "RND_MIN_INF", "SAT"),
] + [FixedType(7, 3, True, r, o) for r in ROUNDING_MODES for o in OVERFLOW_MODES]


@pytest.mark.parametrize("t", ROUND_TRIP_TYPES, ids=str)
def test_text_round_trips(t: FixedType) -> None:
    assert FixedType.parse(str(t)) == t
    assert FixedType.parse(t.to_hls()) == t


def test_text_forms() -> None:
    assert str(FixedType(16, 6)) == "fixed<16,6>"
    assert FixedType(16, 6).to_hls() == "ap_fixed<16,6>"
    t = FixedType(6, 0, False, "RND_CONV", "SAT")
    assert str(t) == "ufixed<6,0,RND_CONV,SAT>"
    assert t.to_hls() == "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"
    # a non-default overflow mode needs the rounding mode spelled out too
    assert FixedType(8, 3, overflow="SAT").to_hls() == "ap_fixed<8,3,AP_TRN,AP_SAT>"


# -- ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "frac", "min_int", "max_int", "min_value", "max_value"),
    [
        (FixedType(8, 3), 5, -128, 127, Fraction(-4), Fraction(127, 32)),
        (FixedType(6, 0, False), 6, 0, 63, Fraction(0), Fraction(63, 64)),
        (FixedType(5, -1), 6, -16, 15, Fraction(-1, 4), Fraction(15, 64)),
        (FixedType(6, 8), -2, -32, 31, Fraction(-128), Fraction(124)),
        (FixedType(1, 1), 0, -1, 0, Fraction(-1), Fraction(0)),
        (FixedType(1, 0, False), 1, 0, 1, Fraction(0), Fraction(1, 2)),
        (FixedType(70, 10), 60, -(2**69), 2**69 - 1, Fraction(-512), Fraction(2**69 - 1, 2**60)),
    ],
    ids=str,
)
def test_ranges(
    t: FixedType,
    frac: int,
    min_int: int,
    max_int: int,
    min_value: Fraction,
    max_value: Fraction,
) -> None:
    assert (t.frac, t.min_int, t.max_int) == (frac, min_int, max_int)
    assert (t.min_value, t.max_value) == (min_value, max_value)
    assert t.lsb == Fraction(2) ** -frac


def test_with_modes_keeps_the_format() -> None:
    t = FixedType(9, 2, False).with_modes("RND", "SAT")
    assert t == FixedType(9, 2, False, "RND", "SAT")


def test_fits() -> None:
    assert fits(-128, 127, 8, True)
    assert not fits(-129, 127, 8, True)
    assert not fits(-128, 128, 8, True)
    assert fits(0, 255, 8, False)
    assert not fits(-1, 0, 8, False)
    assert not fits(0, 256, 8, False)


@pytest.mark.parametrize(
    ("lo", "hi", "frac", "expected"),
    [
        (-128, 127, 5, FixedType(8, 3)),
        (0, 63, 6, FixedType(6, 0, False)),
        (0, 64, 6, FixedType(7, 1, False)),
        (-129, 0, 0, FixedType(9, 9)),
        (-1, -1, 0, FixedType(1, 1)),
        (0, 0, 4, FixedType(1, -3, False)),
        (-3, 100, -2, FixedType(8, 10)),
        (0, 2**70, 10, FixedType(71, 61, False)),
    ],
)
def test_smallest_type(lo: int, hi: int, frac: int, expected: FixedType) -> None:
    t = smallest_type(lo, hi, frac)
    assert t == expected
    assert t.frac == frac and t.min_int <= lo and hi <= t.max_int


# -- float conversion -------------------------------------------------------------------------


def test_from_float_exact_on_grid() -> None:
    t = FixedType(8, 3)
    m = t.from_float_exact(np.array([0.5, -4.0, 127 / 32, 0.0, -1 / 32]))
    assert m.dtype == np.int64
    assert m.tolist() == [16, -128, 127, 0, -1]
    assert t.to_float(m).tolist() == [0.5, -4.0, 127 / 32, 0.0, -1 / 32]


@pytest.mark.parametrize("value", [0.01, 1 / 64, 4.0, -4.03125, math.nan, math.inf, -math.inf])
def test_from_float_exact_rejects_off_grid_and_out_of_range(value: float) -> None:
    with pytest.raises(FixedTypeError, match="weight"):
        FixedType(8, 3).from_float_exact(np.array([0.5, value]), what="weight")


def test_from_float_exact_negative_frac_and_unsigned() -> None:
    assert FixedType(6, 8).from_float_exact(np.array([-128.0, 124.0, 4.0])).tolist() == [-32, 31, 1]
    with pytest.raises(FixedTypeError):
        FixedType(6, 8).from_float_exact(np.array([2.0]))  # finer than the LSB of 4
    with pytest.raises(FixedTypeError):
        FixedType(4, 2, signed=False).from_float_exact(np.array([-0.25]))


# -- cast: hand-computed cases ----------------------------------------------------------------

# Source values in units of 1/4, cast to whole numbers: ties and non-ties of both signs.
HALVES = FixedType(8, 6)
HALVES_VALUES = [-1.5, -0.5, 0.5, 1.5, 2.5, -2.5, -0.75, 0.25, 0.75]
ROUNDED = {
    "TRN": [-2, -1, 0, 1, 2, -3, -1, 0, 0],  # floor
    "TRN_ZERO": [-1, 0, 0, 1, 2, -2, 0, 0, 0],  # toward zero
    "RND": [-1, 0, 1, 2, 3, -2, -1, 0, 1],  # ties toward +inf
    "RND_ZERO": [-1, 0, 0, 1, 2, -2, -1, 0, 1],  # ties toward zero
    "RND_INF": [-2, -1, 1, 2, 3, -3, -1, 0, 1],  # ties away from zero
    "RND_MIN_INF": [-2, -1, 0, 1, 2, -3, -1, 0, 1],  # ties toward -inf
    "RND_CONV": [-2, 0, 0, 2, 2, -2, -1, 0, 1],  # ties to even
}


@pytest.mark.parametrize("rounding", ROUNDING_MODES)
def test_cast_rounding_modes(rounding: str) -> None:
    src_m = HALVES.from_float_exact(np.array(HALVES_VALUES))
    out = cast(src_m, HALVES, FixedType(8, 8, True, rounding, "WRAP"))
    assert out.dtype == np.int64
    assert out.tolist() == ROUNDED[rounding]


# Integers cast to a 4-bit signed integer, range -8..7.
OVERFLOW_SRC = FixedType(8, 8)
OVERFLOW_VALUES = [-128, -9, -8, -7, 0, 7, 8, 100]
SATURATED = {
    "WRAP": [0, 7, -8, -7, 0, 7, -8, 4],
    "SAT": [-8, -8, -8, -7, 0, 7, 7, 7],
    "SAT_ZERO": [0, 0, -8, -7, 0, 7, 0, 0],
    # ap_fixed maps the exact minimum -8 to -7 as well: the range becomes symmetric
    "SAT_SYM": [-7, -7, -7, -7, 0, 7, 7, 7],
}


@pytest.mark.parametrize("overflow", OVERFLOW_MODES)
def test_cast_overflow_modes(overflow: str) -> None:
    out = cast(np.array(OVERFLOW_VALUES), OVERFLOW_SRC, FixedType(4, 4, True, "TRN", overflow))
    assert out.tolist() == SATURATED[overflow]


def test_cast_sat_sym_edge_cases() -> None:
    # rounding first, then the symmetric saturation: -8.25 and -7.75 both round to -8 -> -7
    src = FixedType(10, 8)
    out = cast(np.array([-33, -31, -29]), src, FixedType(4, 4, True, "RND", "SAT_SYM"))
    assert out.tolist() == [-7, -7, -7]
    # a 1-bit signed type has max 0; ap_fixed saturates negatives to pattern 1, i.e. -1
    out = cast(np.array([-3, -1, 0, 2]), OVERFLOW_SRC, FixedType(1, 1, True, "TRN", "SAT_SYM"))
    assert out.tolist() == [-1, -1, 0, 0]
    # unsigned destinations saturate as with SAT
    out = cast(np.array([-5, 0, 20]), OVERFLOW_SRC, FixedType(4, 4, False, "TRN", "SAT_SYM"))
    assert out.tolist() == [0, 0, 15]


def test_cast_to_unsigned() -> None:
    src = FixedType(8, 8)
    values = np.array([-1, -16, 3, 17])
    assert cast(values, src, FixedType(4, 4, False)).tolist() == [15, 0, 3, 1]  # WRAP
    assert cast(values, src, FixedType(4, 4, False, "TRN", "SAT")).tolist() == [0, 0, 3, 15]
    assert cast(values, src, FixedType(4, 4, False, "TRN", "SAT_ZERO")).tolist() == [0, 0, 3, 0]
    # TRN_ZERO from a negative value rounds toward zero before the unsigned saturation
    quarter = cast(np.array([-1]), FixedType(8, 6), FixedType(4, 4, False, "TRN_ZERO", "SAT"))
    assert quarter.tolist() == [0]


def test_cast_left_shift() -> None:
    # more fractional bits: exact, however large the shift
    assert cast(np.array([-8, 7, 3]), FixedType(4, 4), FixedType(8, 4)).tolist() == [-128, 112, 48]
    # fewer integer bits at the same time: the shifted value wraps
    assert cast(np.array([100]), FixedType(8, 8), FixedType(8, 6)).tolist() == [-112]
    # shifted past the whole destination: only zeros remain
    assert cast(np.array([-3, 5]), FixedType(4, 4), FixedType(4, -2)).tolist() == [0, 0]


def test_cast_right_shift_beyond_int64() -> None:
    src = FixedType(8, -60)  # 68 fractional bits: every value lies strictly inside (-1/2, 1/2)
    values = np.array([-128, -1, 0, 1, 127])
    assert cast(values, src, FixedType(8, 8, True, "TRN")).tolist() == [-1, -1, 0, 0, 0]
    for rounding in ROUNDING_MODES[1:]:
        assert cast(values, src, FixedType(8, 8, True, rounding)).tolist() == [0] * 5


def test_cast_wide_values_use_python_integers() -> None:
    src = FixedType(100, 50)
    values = np.array([2**98, -(2**99), 3 << 9, 5 << 9, -(5 << 9), (1 << 9) + 1], dtype=object)
    out = cast(values, src, FixedType(80, 40, True, "RND_CONV", "SAT"))
    assert out.dtype == object
    assert out.tolist() == [2**79 - 1, -(2**79), 2, 2, -2, 1]
    # a wide source into a narrow destination gives int64
    narrow = cast(values, src, FixedType(16, 6, True, "RND", "SAT"))
    assert narrow.dtype == np.int64
    assert narrow.tolist() == [32767, -32768, 0, 0, 0, 0]
    # wrapping a wide value keeps its low bits exactly
    out = cast(np.array([2**98 + 2**70 + 5 * 2**10], dtype=object), src, FixedType(64, 24))
    assert out.dtype == object
    assert out.tolist() == [2**60 + 5]


def test_cast_left_shift_that_outgrows_int64() -> None:
    src = FixedType(40, 40)
    # 2**38 shifted by 60 bits needs 99 bits before saturating to a 62-bit destination
    out = cast(np.array([2**38, 3, -5]), src, FixedType(62, 2, True, "TRN", "SAT"))
    assert out.dtype == np.int64
    assert out.tolist() == [2**61 - 1, 2**61 - 1, -(2**61)]
    out = cast(np.array([2**38, -5]), src, FixedType(100, 40))
    assert out.dtype == object
    assert out.tolist() == [2**98, -5 * 2**60]


def test_cast_keeps_the_shape() -> None:
    src = FixedType(8, 4)
    x = np.arange(-12, 12).reshape(2, 3, 4)
    out = cast(x, src, FixedType(6, 4, True, "RND", "SAT"))
    assert out.shape == (2, 3, 4)
    assert cast(np.array(5), src, src).shape == ()


# -- cast against a reference written from the definitions, on random types -----------------


def _reference_cast(m: int, src: FixedType, dst: FixedType) -> int:
    """One value, from the mode definitions with exact fractions (slow, obviously right)."""
    scaled = Fraction(m) * Fraction(2) ** (dst.frac - src.frac)
    low = math.floor(scaled)
    rem = scaled - low
    half = Fraction(1, 2)
    up = {
        "TRN": False,
        "TRN_ZERO": rem > 0 and scaled < 0,
        "RND": rem >= half,
        "RND_ZERO": rem > half or (rem == half and scaled < 0),
        "RND_INF": rem > half or (rem == half and scaled > 0),
        "RND_MIN_INF": rem > half,
        "RND_CONV": rem > half or (rem == half and low % 2 == 1),
    }[dst.rounding]
    x = low + int(up)
    lo, hi = dst.min_int, dst.max_int
    if dst.overflow == "WRAP":
        x %= 1 << dst.width
        return x - (1 << dst.width) if dst.signed and x > hi else x
    if lo <= x <= hi and not (dst.overflow == "SAT_SYM" and dst.signed and x == lo):
        return x
    if dst.overflow == "SAT_ZERO":
        return 0
    if x > hi:
        return hi
    if dst.overflow == "SAT_SYM" and dst.signed and dst.width > 1:
        return lo + 1
    return lo


def _random_type(rng: random.Random) -> FixedType:
    width = rng.choice([rng.randint(1, 12), rng.randint(13, 70), rng.randint(71, 130)])
    return FixedType(
        width,
        width + rng.randint(-40, 40),
        rng.random() < 0.6,
        rng.choice(ROUNDING_MODES),
        rng.choice(OVERFLOW_MODES),
    )


def _random_values(rng: random.Random, src: FixedType, dst: FixedType) -> list[int]:
    """Range edges, random values and, when bits are dropped, exact ties and their neighbours."""
    values = [src.min_int, src.min_int + 1, -1, 0, 1, src.max_int]
    values += [rng.randint(src.min_int, src.max_int) for _ in range(12)]
    shift = src.frac - dst.frac
    if shift > 0:
        for _ in range(4):
            tie = (rng.randint(src.min_int, src.max_int) >> shift << shift) + (1 << (shift - 1))
            values += [tie - 1, tie, tie + 1]
    return [v for v in values if src.min_int <= v <= src.max_int]


def test_cast_matches_reference_on_random_types() -> None:
    rng = random.Random(7)
    for _ in range(1000):
        src, dst = _random_type(rng), _random_type(rng)
        values = _random_values(rng, src, dst)
        dtype = object if src.width > 62 else np.int64
        got = cast(np.array(values, dtype=dtype), src, dst).tolist()
        expected = [_reference_cast(v, src, dst) for v in values]
        assert got == expected, f"{src} -> {dst}"
