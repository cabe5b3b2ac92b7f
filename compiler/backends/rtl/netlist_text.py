"""A text form of the netlist: one line per signal, its cell and operands, range and placement.

``netlist_text(netlist)`` lets tests (and a curious reader) compare netlists themselves rather
than the Verilog printed from them: the shift-and-add structure, the sharing of products and
pairs, the ranges and the stage of every signal.  A line reads::

    fc_o0 = Add(a=x_0<<1, b=x_0, subtract=False)  [-12, 9] stage 1 t=0.731 fc

The cell's fields are printed in their declaration order (signals by name, terms as
``name<<shift``, one-bit logic as ``|x[3:0]``-style expressions), so a new cell type needs no
change here.
"""

from __future__ import annotations

from collections.abc import Iterable

from .logic import Bool
from .netlist import Netlist, Signal, Term


def _bool(e: Bool) -> str:
    if isinstance(e, bool):
        return "1" if e else "0"
    kind = e[0]
    if kind == "bit":
        return f"{e[1].name}[{e[2]}]"
    if kind in ("any", "all"):
        return ("|" if kind == "any" else "&") + f"{e[1].name}[{e[2]}:{e[3]}]"
    if kind == "not":
        return f"~{_bool(e[1])}"
    op = " & " if kind == "and" else " | "
    return f"({_bool(e[1])}{op}{_bool(e[2])})"


def _operand(v: object) -> str:
    if isinstance(v, Signal):
        return v.name
    if isinstance(v, Term):
        base = v.sig.name if v.sig is not None else str(v.const)
        return f"{base}<<{v.shift}" if v.shift else base
    if isinstance(v, tuple) and v and isinstance(v[0], str):
        return _bool(v)
    if isinstance(v, list):
        return "[" + ", ".join(_operand(x) for x in v) + "]"
    return repr(v)


def signal_line(sig: Signal) -> str:
    """One signal as ``name = Cell(field=operand, ...)  [lo, hi] stage s t=time group``."""
    cell = sig.cell
    kind = type(cell).__name__.removesuffix("Cell")
    fields = ", ".join(f"{k}={_operand(v)}" for k, v in vars(cell).items() if k != "inputs")
    place = f"[{sig.lo}, {sig.hi}] stage {sig.stage} t={sig.time:.3f} {sig.group}"
    return f"{sig.name} = {kind}({fields})  {place}"


def netlist_text(netlist: Netlist, signals: Iterable[Signal] | None = None) -> str:
    """The text form of ``netlist`` (or of ``signals`` of it), in creation order."""
    return "".join(signal_line(s) + "\n" for s in (netlist.signals if signals is None else signals))
