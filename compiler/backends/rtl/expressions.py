"""Verilog expressions of the cells, as templates with holes for the signal bits they read.

Every cell type has one template function (:data:`TEMPLATES`) that turns the cell (plain data,
defined with its operands in :mod:`.netlist` and the arithmetic modules) into an
:data:`Expr`: a sequence of text fragments and :class:`BitRef` holes.  The holes are the
operands' bits, so the plan (:mod:`.plan`) finds which bits each stage reads without printing
anything, and the printer (:mod:`.verilog`) only fills each hole with the name of the wire or
register holding those bits (:func:`fill`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .argmax import AllCell, CompareCell
from .logic import Bool
from .merge import MulCell
from .netlist import AddCell, Cell, ClampCell, RoundCell, Signal, SliceCell, Term, Value
from .rom import RomCell
from .window import MaxCell


# -- holes and storage --------------------------------------------------------------------------
@dataclass(frozen=True)
class BitRef:
    """Bits ``hi..lo`` of a signal's value, read by the stage that evaluates the expression."""

    sig: Signal
    hi: int
    lo: int

    @property
    def mask(self) -> int:
        return ((1 << (self.hi - self.lo + 1)) - 1) << self.lo


Expr = tuple[str | BitRef, ...]
Key = tuple[int, int]  # (signal index, registers behind the signal's own stage)


@dataclass(frozen=True)
class Storage:
    """A wire or register holding bits ``lo..hi`` of a signal."""

    name: str
    lo: int
    hi: int

    @property
    def width(self) -> int:
        return self.hi - self.lo + 1


def slice_text(name: str, width: int, hi: int, lo: int) -> str:
    """``name[hi:lo]``, or just ``name`` when that is the whole vector."""
    if lo == 0 and hi == width - 1:
        return name
    return f"{name}[{hi}]" if hi == lo else f"{name}[{hi}:{lo}]"


def reads(expr: Expr, stage: int) -> Iterator[tuple[Key, int]]:
    """The storage keys and bit masks ``expr`` reads when evaluated in ``stage``."""
    for part in expr:
        if isinstance(part, BitRef):
            delay = stage - part.sig.stage
            assert delay >= 0, (part.sig, stage)
            yield (part.sig.index, delay), part.mask


def fill(expr: Expr, stage: int, storage: Mapping[Key, Storage]) -> str:
    """The text of ``expr`` evaluated in ``stage``, each hole named after its storage."""
    out = []
    for part in expr:
        if isinstance(part, str):
            out.append(part)
        else:
            st = storage[(part.sig.index, stage - part.sig.stage)]
            out.append(slice_text(st.name, st.width, part.hi - st.lo, part.lo - st.lo))
    return "".join(out)


# -- building blocks ----------------------------------------------------------------------------
def cat(*parts: str | Expr) -> Expr:
    """Fragments and expressions, in order, as one expression."""
    out: list[str | BitRef] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            out.extend(part)
    return tuple(out)


def bits(sig: Signal, hi: int, lo: int) -> Expr:
    return (BitRef(sig, hi, lo),)


def literal(value: int, width: int) -> Expr:
    return (f"{width}'d{value % (1 << width)}",)


def ext(sig: Signal, width: int, drop: int = 0) -> Expr:
    """``sig >> drop`` sign- or zero-extended (or truncated) to ``width`` bits."""
    n = sig.width - drop
    if n <= 0:  # every bit dropped: -1 or 0
        if not sig.signed:
            return literal(0, width)
        sign = bits(sig, sig.width - 1, sig.width - 1)
        return sign if width == 1 else cat(f"{{{width}{{", sign, "}}")
    if width <= n:
        return bits(sig, drop + width - 1, drop)
    body, pad = bits(sig, sig.width - 1, drop), width - n
    if not sig.signed:
        return cat(f"{{{pad}'b0, ", body, "}")
    sign = bits(sig, sig.width - 1, sig.width - 1)
    if pad == 1:
        return cat("{", sign, ", ", body, "}")
    return cat(f"{{{{{pad}{{", sign, "}}, ", body, "}")


def term(t: Term, width: int) -> Expr:
    """``t.sig << t.shift`` (or the constant) in ``width`` bits."""
    if t.sig is None:
        return literal(t.const << t.shift, width)
    if t.shift >= width:
        return literal(0, width)
    if t.shift == 0:
        return ext(t.sig, width)
    return cat("{", ext(t.sig, width - t.shift), f", {t.shift}'b0}}")


def part(t: Term, width: int, drop: int = 0) -> Expr:
    """``t >> drop`` (an unshifted term) in ``width`` bits."""
    assert t.shift == 0
    if t.sig is None:
        return literal(t.const >> drop, width)
    return ext(t.sig, width, drop)


def value(v: Value, width: int) -> Expr:
    """A lowered value (no pending sign) in ``width`` bits."""
    assert not v.neg
    return term(Term(v.sig, v.const, v.shift), width)


def boolean(e: Bool) -> Expr:
    if isinstance(e, bool):
        return ("1'b1" if e else "1'b0",)
    kind = e[0]
    if kind == "bit":
        return bits(e[1], e[2], e[2])
    if kind in ("any", "all"):
        return cat("|" if kind == "any" else "&", bits(e[1], e[2], e[3]))
    if kind == "not":
        inner = boolean(e[1])
        return cat("~", inner) if e[1][0] == "bit" else cat("~(", inner, ")")
    op = " & " if kind == "and" else " | "
    return cat("(", boolean(e[1]), op, boolean(e[2]), ")")


# -- one template per cell type -----------------------------------------------------------------
def _add_cell(cell: AddCell, width: int) -> Expr:
    op = " - " if cell.subtract else " + "
    low = cell.passthrough(width)
    if not low:
        return cat(term(cell.a, width), op, term(cell.b, width))
    high = width - low
    b = Term(cell.b.sig, cell.b.const, 0)
    return cat("{", part(cell.a, high, low), op, term(b, high), ", ", part(cell.a, low), "}")


def _slice_cell(cell: SliceCell, width: int) -> Expr:
    return ext(cell.src, width, cell.drop)


def _round_cell(cell: RoundCell, width: int) -> Expr:
    carry = boolean(cell.up)
    if width > 1:
        carry = cat(f"{{{width - 1}'b0, ", carry, "}")
    return cat(ext(cell.src, width, cell.drop), " + ", carry)


def _clamp_cell(cell: ClampCell, width: int) -> Expr:
    text = term(Term(cell.src, 0, cell.shift), width)
    if cell.under is not False:
        text = cat(boolean(cell.under), " ? ", literal(cell.low, width), " : ", text)
    if cell.over is not False:
        text = cat(boolean(cell.over), " ? ", literal(cell.high, width), " : (", text, ")")
    return text


def _compare_cell(cell: CompareCell, width: int) -> Expr:
    cw, op = cell.compare_width, " > " if cell.strict else " >= "
    return cat("$signed(", term(cell.a, cw), ")", op, "$signed(", term(cell.b, cw), ")")


def _all_cell(cell: AllCell, width: int) -> Expr:
    return boolean(cell.expr)


def _mul_cell(cell: MulCell, width: int) -> Expr:
    return cat(ext(cell.a, width), " * ", ext(cell.b, width))


def _rom_cell(cell: RomCell, width: int) -> Expr:
    def tree(level: int, entries: list[int]) -> Expr:
        if all(e == entries[0] for e in entries):
            return literal(entries[0], width)
        half = len(entries) // 2
        select = boolean(cell.address_bits[level])
        low, high = tree(level - 1, entries[:half]), tree(level - 1, entries[half:])
        return cat("(", select, " ? ", high, " : ", low, ")")

    return tree(len(cell.address_bits) - 1, cell.table)


def _max_cell(cell: MaxCell, width: int) -> Expr:
    cw = cell.compare_width
    a, b = term(cell.a, cw), term(cell.b, cw)
    return cat(
        "($signed(", a, ") > $signed(", b, ")) ? ", term(cell.a, width), " : ", term(cell.b, width)
    )


TEMPLATES: dict[type[Cell], Callable[[Any, int], Expr]] = {
    AddCell: _add_cell,
    SliceCell: _slice_cell,
    RoundCell: _round_cell,
    ClampCell: _clamp_cell,
    CompareCell: _compare_cell,
    AllCell: _all_cell,
    MulCell: _mul_cell,
    RomCell: _rom_cell,
    MaxCell: _max_cell,
}


def cell_expression(cell: Cell, width: int) -> Expr:
    """The Verilog expression of ``cell``'s result in ``width`` bits, with holes."""
    return TEMPLATES[type(cell)](cell, width)
