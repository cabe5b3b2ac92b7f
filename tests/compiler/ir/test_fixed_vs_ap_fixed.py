"""``compiler.fixed.cast`` against the real ``ap_fixed`` headers, bit for bit.

A generated C++ program assigns source values to destination types covering every rounding
mode x every overflow mode x signed/unsigned x several shapes, and prints the destination's raw
bits.  It is compiled against the ap_types headers that hls4ml bundles (the headers every hls4ml
project compiles with), and its output is compared with :func:`trigc.compiler.ir.fixed.cast` on
integer mantissas: exact equality, never a tolerance.

Small source types are enumerated completely; types wider than 64 bits (which ``cast`` handles
with Python integers) are sampled, with rounding ties and range edges included on purpose.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template

import numpy as np
import pytest

from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES, FixedType, cast

HARNESS_TEMPLATE = Path(__file__).parent / "data" / "ap_fixed_cast.cpp.tmpl"
CXX_FLAGS = ("-O1", "-std=c++14")
ENUMERATE_MAX_WIDTH = 16  # wider sources are sampled
WIDE_SAMPLES = 300

# Small enough to enumerate every value; signed and unsigned, integer bits inside, below
# (negative) and above the width.
SOURCE_TYPES = (
    FixedType(7, 3),
    FixedType(6, 2, signed=False),
    FixedType(5, -1),
    FixedType(6, 8),
    FixedType(4, 6, signed=False),
)


def destination_shapes(src: FixedType) -> dict[str, tuple[int, int]]:
    """(width, integer) of destinations relative to ``src``, by what they exercise."""
    w, i = src.width, src.integer
    return {
        "same": (w, i),
        "fewer frac": (w - 2, i),  # rounding only
        "more frac": (w + 2, i),  # left shift, never overflows
        "fewer int": (w - 2, i - 2),  # overflow only
        "fewer int and frac": (w - 3, i - 1),  # rounding carry into overflow
        "1 bit": (1, i - 2),
        # every source bit lies below the destination LSB: the rounding bit is a sign extension
        "shift past width": (3, i + w),
    }


# Wider than 64 bits on one side or the other: the object-array paths of cast().
WIDE_SHAPES: dict[FixedType, tuple[tuple[int, int], ...]] = {
    FixedType(70, 10): ((66, 4), (80, 20), (40, 2)),
    FixedType(9, 3): ((90, 20), (70, -40)),
}


def with_every_mode(src: FixedType, shapes: list[tuple[int, int]]) -> list[FixedType]:
    """Every shape x signedness x rounding mode x overflow mode."""
    return [
        FixedType(width, integer, signed, rounding, overflow)
        for (width, integer), signed, rounding, overflow in itertools.product(
            shapes, (True, False), ROUNDING_MODES, OVERFLOW_MODES
        )
    ]


CASES: list[tuple[FixedType, FixedType]] = [
    (src, dst)
    for src in SOURCE_TYPES
    for dst in with_every_mode(src, list(destination_shapes(src).values()))
] + [(src, dst) for src, shapes in WIDE_SHAPES.items() for dst in with_every_mode(src, shapes)]


@dataclass(frozen=True)
class Mismatch:
    """One source value whose cast differs from ap_fixed."""

    src: FixedType
    dst: FixedType
    mantissa: int
    expected: int
    got: int

    def __str__(self) -> str:
        return (
            f"{self.src.to_hls()} -> {self.dst.to_hls()}: source mantissa {self.mantissa} "
            f"(value {self.mantissa} * 2^{-self.src.frac}): ap_fixed gives {self.expected}, "
            f"cast() gives {self.got}"
        )


def ap_types_dir() -> Path | None:
    """The ap_types headers bundled with hls4ml, found without importing hls4ml."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "templates" / "vivado" / "ap_types"
    return path if (path / "ap_fixed.h").is_file() else None


def sign_extend(raw: np.ndarray, t: FixedType) -> np.ndarray:
    """Mantissas from raw ``t.width``-bit patterns (int64 or object arrays)."""
    if not t.signed:
        return raw
    return raw - (((raw >> (t.width - 1)) & 1) << t.width)


def source_mantissas(src: FixedType) -> np.ndarray:
    """Every mantissa of a narrow ``src``; for a wide one, edges, rounding ties and a sample."""
    if src.width <= ENUMERATE_MAX_WIDTH:
        return sign_extend(np.arange(1 << src.width, dtype=np.int64), src)
    rng = random.Random(src.width)
    edges = [src.min_int, src.min_int + 1, -1, 0, 1, src.max_int - 1, src.max_int]
    raw = [e % (1 << src.width) for e in edges]
    for _ in range(WIDE_SAMPLES):
        # Random upper bits over low bits that are exactly half an LSB, or just off it, for
        # some number of dropped bits: ties are what tell the rounding modes apart.
        k = rng.randrange(1, 48)
        low = (1 << (k - 1)) + rng.choice((-1, 0, 0, 1))
        raw.append((rng.getrandbits(src.width) >> k << k) | (low % (1 << k)))
    return sign_extend(np.array(raw, dtype=object), src)


def _words(raw: int, width: int) -> list[int]:
    return [(raw >> (32 * k)) & 0xFFFFFFFF for k in range((width + 31) // 32)]


def harness_source(cases: list[tuple[int, FixedType, FixedType]]) -> str:
    """The C++ program that runs ``(case id, src, dst)`` cases."""
    sources = sorted({src for _, src, _ in cases})
    tables, calls = [], []
    for j, src in enumerate(sources):
        words = [
            w for m in source_mantissas(src) for w in _words(int(m) % (1 << src.width), src.width)
        ]
        tables.append(
            f"// {src.to_hls()}\n"
            f"static const std::uint32_t values_{j}[] = {{{', '.join(map(str, words))}}};"
        )
    for k, src, dst in cases:
        j = sources.index(src)
        n_values = len(source_mantissas(src))
        calls.append(f"  cast_all<{src.to_hls()}, {dst.to_hls()} >({k}, values_{j}, {n_values});")
    return Template(HARNESS_TEMPLATE.read_text()).substitute(
        tables="\n".join(tables), cases="\n".join(calls)
    )


def reads_past_msb(src: FixedType, dst: FixedType) -> bool:
    """Whether ap_fixed's C simulation asserts on this assignment.

    When more fractional bits are dropped than the source has bits, ``ap_fixed_base::operator=``
    still reads the bit just below the destination LSB (``op.V[F2 - F - 1]``) before choosing
    the sign bit instead, and ``ap_private::get_bit`` asserts "Attempting to read bit beyond
    MSB".  The value read is unused, so with ``-DNDEBUG`` the result is the intended one.
    TRN, and TRN_ZERO from an unsigned source, skip the rounding code altogether.
    """
    rounds = dst.rounding != "TRN" and not (dst.rounding == "TRN_ZERO" and not src.signed)
    return rounds and src.frac - dst.frac > src.width


def run_ap_fixed(
    cases: list[tuple[FixedType, FixedType]], workdir: Path, include: Path
) -> tuple[dict[int, np.ndarray], float, float]:
    """Raw destination bits per case and source value from ap_fixed, and compile/run seconds.

    The cases are split into one program per CPU and compiled in parallel: compile time grows
    with the number of template instantiations (~20-40 ms per (source, destination) pair).
    Cases that trip ap_private's bounds assertion (see :func:`reads_past_msb`) go into one more
    program compiled with ``-DNDEBUG``, so that every other case still runs with assertions on.
    """
    numbered = [(k, src, dst) for k, (src, dst) in enumerate(cases)]
    checked = [case for case in numbered if not reads_past_msb(case[1], case[2])]
    unchecked = [case for case in numbered if reads_past_msb(case[1], case[2])]
    jobs = max(1, min(os.cpu_count() or 1, len(checked)))
    programs = [(checked[j::jobs], ()) for j in range(jobs)]
    if unchecked:
        programs.append((unchecked, ("-DNDEBUG",)))

    start = time.perf_counter()
    exes, procs = [], []
    for j, (chunk, flags) in enumerate(programs):
        cpp, exe = workdir / f"ap_fixed_cast_{j}.cpp", workdir / f"ap_fixed_cast_{j}"
        cpp.write_text(harness_source(chunk))
        cmd = ["g++", *CXX_FLAGS, *flags, f"-I{include}", str(cpp), "-o", str(exe)]
        procs.append(subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True))
        exes.append(exe)
    for proc in procs:
        _, err = proc.communicate()
        assert proc.returncode == 0, f"g++ failed on the ap_fixed harness:\n{err[-4000:]}"
    compile_s = time.perf_counter() - start

    start = time.perf_counter()
    raw: dict[int, np.ndarray] = {}
    for exe in exes:
        run = subprocess.run([str(exe)], capture_output=True, text=True)
        assert run.returncode == 0, f"{exe.name} failed ({run.returncode}):\n{run.stderr[-2000:]}"
        for line in run.stdout.splitlines():
            case_id, *words = line.split()
            raw[int(case_id)] = _join_words(words, cases[int(case_id)][1].width)
    return raw, compile_s, time.perf_counter() - start


def _join_words(words: list[str], width: int) -> np.ndarray:
    """Raw bit patterns from the harness's 32-bit words (int64 if they fit, else object)."""
    per_value = (width + 31) // 32
    if per_value == 1:
        return np.array([int(w) for w in words], dtype=np.int64)
    values = [
        sum(int(w) << (32 * k) for k, w in enumerate(words[i : i + per_value]))
        for i in range(0, len(words), per_value)
    ]
    return np.array(values, dtype=object)


def compare(cases: list[tuple[FixedType, FixedType]], raw: dict[int, np.ndarray]) -> list[Mismatch]:
    """Every source value where cast() differs from ap_fixed."""
    mismatches = []
    for k, (src, dst) in enumerate(cases):
        mantissas = source_mantissas(src)
        expected = sign_extend(raw[k], dst)
        got = cast(mantissas, src, dst)
        assert got.dtype == (np.int64 if dst.width <= 62 else object), f"{src} -> {dst}"
        if not np.array_equal(expected, got):
            for idx in np.flatnonzero(expected != got):
                mismatches.append(
                    Mismatch(src, dst, int(mantissas[idx]), int(expected[idx]), int(got[idx]))
                )
    return mismatches


@pytest.mark.slow
def test_cast_equals_ap_fixed(tmp_path: Path) -> None:
    if shutil.which("g++") is None:
        pytest.skip("g++ not found: cannot compile the ap_fixed reference program")
    include = ap_types_dir()
    if include is None:
        pytest.skip("hls4ml's bundled ap_types headers (templates/vivado/ap_types) not found")

    raw, compile_s, run_s = run_ap_fixed(CASES, tmp_path, include)
    assert sorted(raw) == list(range(len(CASES))), "the ap_fixed program skipped some cases"
    n_values = sum(len(source_mantissas(src)) for src, _ in CASES)
    print(
        f"\n{len(CASES)} (source, destination) type pairs, {n_values} assignments: "
        f"compile {compile_s:.1f} s, run {run_s:.2f} s"
    )

    mismatches = compare(CASES, raw)
    report = "\n".join(str(m) for m in mismatches[:10])
    assert not mismatches, f"{len(mismatches)} values differ from ap_fixed, first ones:\n{report}"


def test_cases_cover_every_mode() -> None:
    """The matrix holds every rounding x overflow x signedness for each source and shape."""
    for src in SOURCE_TYPES:
        shapes = set(destination_shapes(src).values())
        dsts = [dst for s, dst in CASES if s == src]
        combos = {(d.width, d.integer, d.signed, d.rounding, d.overflow) for d in dsts}
        assert len(combos) == len(shapes) * 2 * len(ROUNDING_MODES) * len(OVERFLOW_MODES)


def test_source_sample_of_wide_type_has_ties_and_edges() -> None:
    src = FixedType(70, 10)
    values = [int(m) for m in source_mantissas(src)]
    assert {src.min_int, src.max_int, -1, 0, 1} <= set(values)
    assert all(src.min_int <= v <= src.max_int for v in values)
    assert any(v % (1 << 4) == 1 << 3 for v in values)  # a tie when dropping 4 bits
