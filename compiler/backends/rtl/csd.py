"""Canonical signed digits and shift-and-add plans for multiplying by constants.

A constant multiplier becomes adders over the constant's *canonical signed digit* (CSD)
form: digits in {-1, 0, +1}, no two adjacent digits non-zero, the fewest non-zero digits of
any signed-binary form.  ``x * c`` then costs ``csd_cost(c) - 1`` adders.

When one input feeds several outputs (a dense layer's input row), the odd parts of its
weights are multiplied once and shared: :func:`plan_products` builds every needed odd
multiple of ``x`` from ``x`` and earlier multiples, one adder each (a greedy form of the
multiple-constant-multiplication problem, in the spirit of Voronenko & Pueschel's Hcub).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


def csd_digits(value: int) -> tuple[tuple[int, int], ...]:
    """The non-zero CSD digits of ``value`` as ``(position, sign)``, lowest position first.

    ``sum(sign << position) == value`` and no two positions are adjacent.
    """
    digits = []
    position = 0
    while value:
        if value & 1:
            sign = 2 - (value & 3)  # +1 when value % 4 == 1, -1 when value % 4 == 3
            digits.append((position, sign))
            value -= sign
        value >>= 1
        position += 1
    return tuple(digits)


def csd_cost(value: int) -> int:
    """Number of non-zero CSD digits of ``value`` (0 for 0)."""
    return len(csd_digits(value))


def odd_part(value: int) -> tuple[int, int, int]:
    """``(sign, odd, shift)`` with ``value == sign * odd << shift`` (``value != 0``)."""
    if value == 0:
        raise ValueError("zero has no odd part")
    sign = 1 if value > 0 else -1
    magnitude = abs(value)
    shift = (magnitude & -magnitude).bit_length() - 1
    return sign, magnitude >> shift, shift


@dataclass(frozen=True)
class ProductStep:
    """``target * x = sign_a * (a * x << shift_a) + sign_b * (b * x << shift_b)``.

    ``a`` and ``b`` are 1 (``x`` itself) or targets of earlier steps.
    """

    target: int
    a: int
    shift_a: int
    sign_a: int
    b: int
    shift_b: int
    sign_b: int

    def check(self) -> None:
        """Raise ``AssertionError`` unless the step computes its target."""
        value = self.sign_a * (self.a << self.shift_a) + self.sign_b * (self.b << self.shift_b)
        assert value == self.target, self


def csd_depth(value: int) -> int:
    """Adder levels of a balanced tree over the CSD digits of ``value``."""
    return max(csd_cost(value) - 1, 0).bit_length()


class _Planner:
    """Greedy shift-and-add planner for the odd multiples of one input.

    Each multiple is made no deeper than the balanced CSD tree of its own digits
    (:func:`csd_depth`), so sharing never lengthens the critical path.
    """

    def __init__(self) -> None:
        self.depth: dict[int, int] = {1: 0}
        self.steps: list[ProductStep] = []

    def realize(self, m: int) -> None:
        if m in self.depth:
            return
        step = self._one_adder(m) or self._split(m)
        step.check()
        self.realize(step.a)
        self.realize(step.b)
        self.steps.append(step)
        self.depth[m] = 1 + max(self.depth[step.a], self.depth[step.b])

    def _depth_if_made(self, m: int) -> int:
        return self.depth.get(m, csd_depth(m))

    def _one_adder(self, m: int) -> ProductStep | None:
        """The shallowest step making ``m`` from two existing multiples, within budget."""
        have = sorted(self.depth)
        best: tuple[tuple[int, int, int], ProductStep] | None = None
        for a in have:
            for shift in range(1, m.bit_length() + 2):
                big = a << shift
                for step in (
                    ProductStep(m, a, shift, 1, m - big, 0, 1),  # m = (a << s) + b
                    ProductStep(m, a, shift, 1, big - m, 0, -1),  # m = (a << s) - b
                    ProductStep(m, m + big, 0, 1, a, shift, -1),  # m = b - (a << s)
                ):
                    if step.a not in self.depth or step.b not in self.depth:
                        continue
                    depth = 1 + max(self.depth[step.a], self.depth[step.b])
                    key = (depth, step.a, step.b)
                    if depth <= csd_depth(m) and (best is None or key < best[0]):
                        best = (key, step)
        return best[1] if best else None

    def _split(self, m: int) -> ProductStep:
        """``m`` as the sum of the two halves of its CSD digits (a balanced CSD tree)."""
        digits = csd_digits(m)
        half = len(digits) // 2
        low = sum(sign << position for position, sign in digits[:half])
        high = sum(sign << position for position, sign in digits[half:])
        sign_a, a, shift_a = odd_part(high)
        sign_b, b, shift_b = odd_part(low)
        return ProductStep(m, a, shift_a, sign_a, b, shift_b, sign_b)


@lru_cache(maxsize=4096)
def _plan(targets: tuple[int, ...]) -> tuple[ProductStep, ...]:
    planner = _Planner()
    for m in sorted(targets, key=lambda v: (csd_cost(v), v)):
        planner.realize(m)
    return tuple(planner.steps)


def plan_products(targets: Iterable[int]) -> tuple[ProductStep, ...]:
    """Steps that make every odd ``m > 1`` in ``targets`` from ``x``, one adder per step.

    Cheapest targets first; each is made with one adder from existing multiples when that is
    no deeper than its own balanced CSD tree, otherwise from the two halves of its CSD digits
    (made first, and themselves shared).  Never costs more adders, nor more adder levels,
    than the targets' separate CSD forms.
    """
    odd = sorted({t for t in targets if t > 1})
    if any(t % 2 == 0 for t in odd):
        raise ValueError(f"product targets must be odd: {odd}")
    return _plan(tuple(odd))
