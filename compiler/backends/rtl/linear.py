"""Linear-form arithmetic: integer matrices times lowered values, as shift-and-add trees.

``linear`` computes ``y[o] = sum(c * x[i]) + const[o]`` exactly for integer coefficients.  The
constant multiplications are shared between outputs in one of three ways (:data:`SHARING`):
not at all (every CSD digit is a term of the output's adder tree), per input and odd multiple
(``x * m`` made once, :func:`.csd.plan_products`), or as two-digit subexpressions common to
several outputs (:mod:`.cse`, the default).  Dense, batch norm, convolution windows and
products with constants all go through it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .csd import csd_cost, csd_digits, odd_part, plan_products
from .cse import extract_pairs
from .netlist import Netlist, Signal, Value

Column = list[tuple[int, int]]  # (input index, integer coefficient), non-zero coefficients only


def _products(nl: Netlist, sig: Signal, odd: set[int], prefix: str) -> dict[int, Value]:
    """``sig * m`` for every odd ``m`` in ``odd``, shared shift-and-add steps."""
    made = {1: Value(sig)}
    for step in plan_products(odd):
        a = made[step.a].shifted(step.shift_a)
        b = made[step.b].shifted(step.shift_b)
        a = a if step.sign_a > 0 else a.negated()
        b = b if step.sign_b > 0 else b.negated()
        made[step.target] = nl.add(a, b, f"{prefix}m{step.target}")
    return made


SHARING = ("digits", "products", "pairs")
"""How a linear layer's constant multiplications are shared (see :func:`linear`)."""


def _digit_terms(sig: Signal, c: int) -> list[Value]:
    return [Value(sig, 0, p, sign < 0) for p, sign in csd_digits(c)]


def linear(
    nl: Netlist,
    xs: Sequence[Value],
    columns: Sequence[Column],
    consts: Sequence[int],
    prefix: str,
    sharing: str = "pairs",
) -> list[Value]:
    """``y[o] = sum(c * xs[i] for i, c in columns[o]) + consts[o]`` exactly.

    ``sharing``: ``"digits"`` adds every CSD digit of every coefficient in the output's tree;
    ``"products"`` makes each odd multiple of an input once (:func:`.csd.plan_products`);
    ``"pairs"`` shares two-digit subexpressions between outputs (:mod:`.cse`).
    """
    const = list(consts)
    uses: dict[int, list[tuple[int, int]]] = {}  # input -> [(output, coefficient on its signal)]
    for o, column in enumerate(columns):
        for i, c in column:
            x = xs[i]
            if x.sig is None:
                const[o] += x.const * c
            else:
                uses.setdefault(i, []).append((o, -(c << x.shift) if x.neg else c << x.shift))
    terms: list[list[Value]] = [[] for _ in columns]
    plain = sorted(uses)  # inputs whose products are shared per input, or not at all
    if sharing == "pairs":
        sources = [Value(x.sig) if x.sig is not None else x for x in xs]
        plain = []
        blocks = _pair_blocks(sorted(uses))
        for n, block in enumerate(blocks):
            block_uses = {i: uses[i] for i in block}
            if _pair_count(block_uses, len(columns)) > MAX_PAIRS:
                plain += block  # the pair search would be slow: share products only
            else:
                name = prefix if len(blocks) == 1 else f"{prefix}_b{n}"
                _pair_terms(nl, sources, block_uses, terms, name)
        sharing = "products"
    for i in plain:
        sig = xs[i].sig
        assert sig is not None
        if sharing == "products":
            made = _products(nl, sig, {odd_part(c)[1] for _, c in uses[i]}, f"{prefix}_x{i}")
            for o, c in uses[i]:
                sign, m, shift = odd_part(c)
                v = made[m].shifted(shift)
                terms[o].append(v if sign > 0 else v.negated())
        else:
            for o, c in uses[i]:
                terms[o] += _digit_terms(sig, c)
    return [
        nl.sum_tree([*terms[o], Value.constant(const[o])], f"{prefix}_o{o}")
        for o in range(len(columns))
    ]


MAX_PAIRS = 4_000_000
"""Above this many digit pairs in a block, ``"pairs"`` sharing falls back to ``"products"``."""

PAIR_BLOCK = 64
"""Inputs whose digits search for common pairs together.  The search costs the square of the
terms per output; in blocks of inputs it grows linearly with the layer's weights.  A layer of at
most this many inputs is one block, and pairs across blocks are not shared."""


def _pair_blocks(inputs: list[int]) -> list[list[int]]:
    return [inputs[k : k + PAIR_BLOCK] for k in range(0, len(inputs), PAIR_BLOCK)]


def _pair_count(uses: dict[int, list[tuple[int, int]]], n_out: int) -> int:
    digits = [0] * n_out
    for outputs in uses.values():
        for o, c in outputs:
            digits[o] += csd_cost(c)
    return sum(n * (n - 1) // 2 for n in digits)


def _pair_terms(
    nl: Netlist,
    sources: list[Value],
    uses: dict[int, list[tuple[int, int]]],
    terms: list[list[Value]],
    prefix: str,
) -> None:
    """Digit terms with common pairs made once (:func:`.cse.extract_pairs`); the shared sums
    are appended to ``sources`` (the layer's inputs first)."""
    digit_columns: list[list[tuple[int, int, int]]] = [[] for _ in terms]
    for i, outputs in uses.items():
        for o, c in outputs:
            digit_columns[o] += [(i, p, sign) for p, sign in csd_digits(c)]
    shared, digit_columns = extract_pairs(digit_columns, len(sources))
    for k, pair in enumerate(shared):
        a = sources[pair.a].shifted(pair.shift_a)
        b = sources[pair.b].shifted(pair.shift_b)
        sources.append(nl.add(a, b if pair.sign > 0 else b.negated(), f"{prefix}_s{k}"))
    for o, column in enumerate(digit_columns):
        for source, shift, sign in column:
            v = sources[source].shifted(shift)
            terms[o].append(v if sign > 0 else v.negated())
