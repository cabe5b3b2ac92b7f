"""Verilog expressions: references to signal bits as one stage sees them (:class:`Refs`,
which records the bits it hands out), and one printer per cell type (:func:`cell_expression`).

Cells are data (:mod:`.netlist` and the arithmetic modules define them with their operands);
this module is the only place that turns them into text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .argmax import AllCell, CompareCell
from .merge import MulCell
from .netlist import AddCell, Bool, Cell, ClampCell, RoundCell, Signal, SliceCell, Term, Value
from .rom import RomCell
from .window import MaxCell


# -- references to signal bits ------------------------------------------------------------------
@dataclass(frozen=True)
class Storage:
    """A wire or register holding bits ``lo..hi`` of a signal."""

    name: str
    lo: int
    hi: int

    @property
    def width(self) -> int:
        return self.hi - self.lo + 1


Key = tuple[int, int]  # (signal index, registers behind the signal's own stage)


class Refs:
    """Expressions for signal bits as seen from one stage; records the bits it hands out."""

    def __init__(self, storage: Callable[[Signal, int], Storage], usage: dict[Key, int]) -> None:
        self._storage, self.usage = storage, usage
        self.stage = 1

    def bits(self, sig: Signal, hi: int, lo: int) -> str:
        delay = self.stage - sig.stage
        assert delay >= 0, (sig, self.stage)
        st = self._storage(sig, delay)
        key = (sig.index, delay)
        self.usage[key] = self.usage.get(key, 0) | (((1 << (hi - lo + 1)) - 1) << lo)
        return slice_text(st.name, st.width, hi - st.lo, lo - st.lo)

    def ext(self, sig: Signal, width: int, drop: int = 0) -> str:
        """``sig >> drop`` sign- or zero-extended (or truncated) to ``width`` bits."""
        n = sig.width - drop
        if n <= 0:  # every bit dropped: -1 or 0
            if not sig.signed:
                return self.literal(0, width)
            sign = self.bits(sig, sig.width - 1, sig.width - 1)
            return sign if width == 1 else f"{{{width}{{{sign}}}}}"
        if width <= n:
            return self.bits(sig, drop + width - 1, drop)
        body, pad = self.bits(sig, sig.width - 1, drop), width - n
        if not sig.signed:
            return f"{{{pad}'b0, {body}}}"
        sign = self.bits(sig, sig.width - 1, sig.width - 1)
        return f"{{{sign if pad == 1 else f'{{{pad}{{{sign}}}}}'}, {body}}}"

    def term(self, term: Term, width: int) -> str:
        """``term.sig << term.shift`` (or the constant) in ``width`` bits."""
        if term.sig is None:
            return self.literal(term.const << term.shift, width)
        if term.shift >= width:
            return self.literal(0, width)
        if term.shift == 0:
            return self.ext(term.sig, width)
        return f"{{{self.ext(term.sig, width - term.shift)}, {term.shift}'b0}}"

    def part(self, term: Term, width: int, drop: int = 0) -> str:
        """``term >> drop`` (an unshifted term) in ``width`` bits."""
        assert term.shift == 0
        if term.sig is None:
            return self.literal(term.const >> drop, width)
        return self.ext(term.sig, width, drop)

    def value(self, v: Value, width: int) -> str:
        """A lowered value (no pending sign) in ``width`` bits."""
        assert not v.neg
        return self.term(Term(v.sig, v.const, v.shift), width)

    @staticmethod
    def literal(value: int, width: int) -> str:
        return f"{width}'d{value % (1 << width)}"

    def boolean(self, e: Bool) -> str:
        if isinstance(e, bool):
            return "1'b1" if e else "1'b0"
        kind = e[0]
        if kind == "bit":
            return self.bits(e[1], e[2], e[2])
        if kind in ("any", "all"):
            return ("|" if kind == "any" else "&") + self.bits(e[1], e[2], e[3])
        if kind == "not":
            inner = self.boolean(e[1])
            return f"~{inner}" if e[1][0] == "bit" else f"~({inner})"
        op = " & " if kind == "and" else " | "
        return f"({self.boolean(e[1])}{op}{self.boolean(e[2])})"


def slice_text(name: str, width: int, hi: int, lo: int) -> str:
    """``name[hi:lo]``, or just ``name`` when that is the whole vector."""
    if lo == 0 and hi == width - 1:
        return name
    return f"{name}[{hi}]" if hi == lo else f"{name}[{hi}:{lo}]"


# -- one printer per cell type --------------------------------------------------------------
def _add_cell(cell: AddCell, refs: Refs, width: int) -> str:
    op = " - " if cell.subtract else " + "
    low = cell.passthrough(width)
    if not low:
        return refs.term(cell.a, width) + op + refs.term(cell.b, width)
    high = width - low
    b = Term(cell.b.sig, cell.b.const, 0)
    return f"{{{refs.part(cell.a, high, low)}{op}{refs.term(b, high)}, {refs.part(cell.a, low)}}}"


def _slice_cell(cell: SliceCell, refs: Refs, width: int) -> str:
    return refs.ext(cell.src, width, cell.drop)


def _round_cell(cell: RoundCell, refs: Refs, width: int) -> str:
    carry = refs.boolean(cell.up)
    if width > 1:
        carry = f"{{{width - 1}'b0, {carry}}}"
    return f"{refs.ext(cell.src, width, cell.drop)} + {carry}"


def _clamp_cell(cell: ClampCell, refs: Refs, width: int) -> str:
    text = refs.term(Term(cell.src, 0, cell.shift), width)
    if cell.under is not False:
        low = refs.literal(cell.low, width)
        text = f"{refs.boolean(cell.under)} ? {low} : {text}"
    if cell.over is not False:
        high = refs.literal(cell.high, width)
        text = f"{refs.boolean(cell.over)} ? {high} : ({text})"
    return text


def _compare_cell(cell: CompareCell, refs: Refs, width: int) -> str:
    cw, op = cell.compare_width, " > " if cell.strict else " >= "
    return f"$signed({refs.term(cell.a, cw)}){op}$signed({refs.term(cell.b, cw)})"


def _all_cell(cell: AllCell, refs: Refs, width: int) -> str:
    return refs.boolean(cell.expr)


def _mul_cell(cell: MulCell, refs: Refs, width: int) -> str:
    return f"{refs.ext(cell.a, width)} * {refs.ext(cell.b, width)}"


def _rom_cell(cell: RomCell, refs: Refs, width: int) -> str:
    def tree(level: int, entries: list[int]) -> str:
        if all(e == entries[0] for e in entries):
            return refs.literal(entries[0], width)
        half = len(entries) // 2
        select = refs.boolean(cell.address_bits[level])
        low, high = tree(level - 1, entries[:half]), tree(level - 1, entries[half:])
        return f"({select} ? {high} : {low})"

    return tree(len(cell.address_bits) - 1, cell.table)


def _max_cell(cell: MaxCell, refs: Refs, width: int) -> str:
    cw = cell.compare_width
    a, b = refs.term(cell.a, cw), refs.term(cell.b, cw)
    return (
        f"($signed({a}) > $signed({b})) ? {refs.term(cell.a, width)} : {refs.term(cell.b, width)}"
    )


PRINTERS: dict[type[Cell], Callable[[Any, Refs, int], str]] = {
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


def cell_expression(cell: Cell, refs: Refs, width: int) -> str:
    """The Verilog expression of ``cell``'s result in ``width`` bits."""
    return PRINTERS[type(cell)](cell, refs, width)
