"""Table lookups in logic: the index is a cast (:mod:`.cast`), the table a multiplexer tree.

:class:`RomCell` renders ``table[address]`` as nested ``?:`` on the address bits, most
significant first; a subtree whose entries are all equal is a single constant, so flat regions
of a table (the tails of a sigmoid) cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from .delay import DelayModel
from .logic import Bool, bit, bool_signals, not_
from .netlist import Cell, Netlist, Value


class RomCell(Cell):
    """``table[address]``; ``address_bits[j]`` is bit ``j`` of the address as logic."""

    def __init__(self, address_bits: Sequence[Bool], table: Sequence[int]) -> None:
        self.address_bits, self.table = list(address_bits), list(table)
        self.inputs = tuple(dict.fromkeys(s for b in address_bits for s in bool_signals(b)))

    def delay(self, model: DelayModel, width: int) -> float:
        return model.logic(len(self.address_bits) + 1)


def lookup(nl: Netlist, index: Value, table: Sequence[int], name: str) -> Value:
    """``table[index + len(table) // 2]`` for a signed ``index`` in ``[-N/2, N/2)``."""
    size = len(table)
    if index.is_const:
        return Value.constant(table[index.const + size // 2])
    index = nl.materialize(index, f"{name}_neg")
    assert index.sig is not None
    bits = size.bit_length() - 1
    address: list[Bool] = []
    for j in range(bits):
        b: Bool = bit(index.sig, j - index.shift) if j >= index.shift else False
        address.append(not_(b) if j == bits - 1 else b)  # + N/2 flips the sign bit
    lo, hi = index.lo + size // 2, index.hi + size // 2
    reachable = table[lo : hi + 1]
    return nl.make(name, RomCell(address, table), min(reachable), max(reachable))


def top_bits(nl: Netlist, v: Value, width: int, bits: int, name: str) -> list[Bool]:
    """Bits ``width - bits .. width - 1`` of ``v`` as a ``width``-bit two's complement word,
    least significant first (the address ``nnet::softmax_idx_from_real_val`` slices)."""
    if v.is_const:
        raw = v.const % (1 << width)
        return [bool(raw >> k & 1) for k in range(width - bits, width)]
    v = nl.materialize(v, f"{name}_neg")
    assert v.sig is not None
    return [bit(v.sig, k - v.shift) if k >= v.shift else False for k in range(width - bits, width)]


def read(nl: Netlist, address: Sequence[Bool], table: Sequence[int], name: str) -> Value:
    """``table[address]`` for address bits given least significant first."""
    if all(isinstance(b, bool) for b in address):
        return Value.constant(table[sum(int(b) << k for k, b in enumerate(address))])
    return nl.make(name, RomCell(address, table), min(table), max(table))
