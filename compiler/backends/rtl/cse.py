"""Common two-term subexpressions shared between the outputs of a linear layer.

Every output of a layer is a sum of signed digit terms ``+-(x_i << p)`` (the CSD digits of its
weights).  When the same pair of terms, up to a common shift, appears in several outputs,
``x_a + -(x_b << d)`` is computed once and each of those outputs adds it as a single term.
The most frequent pair is extracted first and the counts are updated incrementally; pairs of
shared terms are found in later rounds, so larger common sums build up (the greedy
common-subexpression elimination used by da4ml and, before it, by Hcub-style MCM solvers).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

DigitTerm = tuple[int, int, int]  # (source, shift, sign): sign * (source << shift)
Pattern = tuple[int, int, int, int]  # (source a, source b, shift of b minus shift of a, sign)


@dataclass(frozen=True)
class SharedPair:
    """``(a << shift_a) + sign * (b << shift_b)``; sources below the layer's input count are
    inputs, source ``n_inputs + k`` is the ``k``-th shared pair."""

    a: int
    shift_a: int
    b: int
    shift_b: int
    sign: int


def _pattern(t: DigitTerm, u: DigitTerm) -> tuple[Pattern, DigitTerm, DigitTerm]:
    """The pair's pattern with its terms in canonical order (by source, then shift)."""
    if (u[0], u[1]) < (t[0], t[1]):
        t, u = u, t
    return (t[0], u[0], u[1] - t[1], t[2] * u[2]), t, u


class _Columns:
    """Output term sets with per-pattern instance counts kept up to date.

    A column maps ``(source, shift)`` to the sign of its term; ``by_source`` lists the shifts
    present per source, so a pattern's instances are found without scanning all pairs.
    """

    def __init__(self, columns: list[list[DigitTerm]]) -> None:
        self.columns: list[dict[tuple[int, int], int]] = [{} for _ in columns]
        self.by_source: list[dict[int, set[int]]] = [{} for _ in columns]
        self.count: Counter[Pattern] = Counter()
        self.where: dict[Pattern, set[int]] = {}
        for o, column in enumerate(columns):
            for term in column:
                self.add(o, term)

    def _patterns(self, o: int, term: DigitTerm) -> list[Pattern]:
        """Patterns of ``term`` with every term of column ``o`` (inlined for speed)."""
        a, sa, ga = term
        return [
            (a, b, sb - sa, ga * gb) if (a, sa) < (b, sb) else (b, a, sa - sb, ga * gb)
            for (b, sb), gb in self.columns[o].items()
        ]

    def terms(self, o: int) -> list[DigitTerm]:
        return [(src, shift, sign) for (src, shift), sign in self.columns[o].items()]

    def remove(self, o: int, term: DigitTerm) -> None:
        source, shift, _ = term
        del self.columns[o][(source, shift)]
        self.by_source[o][source].discard(shift)
        self.count.subtract(self._patterns(o, term))

    def add(self, o: int, term: DigitTerm) -> list[Pattern]:
        """Add a term (merging with an equal or opposite one); returns the patterns made."""
        source, shift, sign = term
        existing = self.columns[o].get((source, shift))
        if existing is not None:  # x + x = 2x, x - x = 0
            self.remove(o, (source, shift, existing))
            return self.add(o, (source, shift + 1, sign)) if existing == sign else []
        patterns = self._patterns(o, term)
        self.count.update(patterns)
        where = self.where
        for p in patterns:
            if p in where:
                where[p].add(o)
            else:
                where[p] = {o}
        self.columns[o][(source, shift)] = sign
        self.by_source[o].setdefault(source, set()).add(shift)
        return patterns

    def find(self, o: int, pattern: Pattern) -> tuple[DigitTerm, DigitTerm] | None:
        """One instance of ``pattern`` in column ``o`` (terms in canonical order), if any."""
        a, b, delta, sign = pattern
        column = self.columns[o]
        for shift in sorted(self.by_source[o].get(a, ())):
            other = column.get((b, shift + delta))
            if other is not None and other == column[(a, shift)] * sign:
                return (a, shift, column[(a, shift)]), (b, shift + delta, other)
        return None


def extract_pairs(
    columns: list[list[DigitTerm]], n_inputs: int, min_count: int = 2
) -> tuple[list[SharedPair], list[list[DigitTerm]]]:
    """Greedily share the most frequent pairs; returns the pairs and the rewritten columns."""
    state = _Columns(columns)
    heap = [(-n, p) for p, n in state.count.items() if n >= min_count]
    heapq.heapify(heap)
    shared: list[SharedPair] = []
    while heap:
        negative, pattern = heapq.heappop(heap)
        if -negative != state.count[pattern]:
            if state.count[pattern] >= min_count:
                heapq.heappush(heap, (-state.count[pattern], pattern))
            continue
        source = n_inputs + len(shared)
        a, b, delta, sign = pattern
        shared.append(SharedPair(a, max(0, -delta), b, max(0, delta), sign))
        touched: set[Pattern] = set()
        for o in sorted(state.where.get(pattern, ())):
            pair = state.find(o, pattern)
            if pair is None:
                continue
            first, second = pair
            state.remove(o, first)
            state.remove(o, second)
            touched |= set(state.add(o, (source, min(first[1], second[1]), first[2])))
        for p in sorted(touched):
            if state.count[p] >= min_count:
                heapq.heappush(heap, (-state.count[p], p))
    return shared, [state.terms(o) for o in range(len(state.columns))]
