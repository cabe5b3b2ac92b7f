"""The base of every op: :class:`Op`, exact values (:class:`Exact`) and exact ranges
(:class:`Interval`), and the integer helpers the op families share.

Each op computes its *exact* result (no rounding, no overflow) as integer mantissas with a
known number of fractional bits; the executor then casts that exact value to the node's
output type with the type's rounding and overflow modes, as ``ap_fixed`` assignment would.
The same split drives precision inference: :meth:`Op.exact_range` gives the exact interval of
every output element, from which the never-overflowing type follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...errors import IRError
from ..fixed import FixedType, cast

if TYPE_CHECKING:
    from ..graph import Node, Tensor

INT64_SAFE = 1 << 62
FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53


@dataclass(frozen=True)
class Exact:
    """Integer mantissas with ``frac`` fractional bits, before any rounding."""

    values: np.ndarray
    frac: int


@dataclass(frozen=True)
class Interval:
    """Element-wise exact bounds (Python-int object arrays) with ``frac`` fractional bits."""

    lo: np.ndarray
    hi: np.ndarray
    frac: int

    @classmethod
    def of_type(cls, t: FixedType, shape: tuple[int, ...]) -> Interval:
        lo = np.full(shape, t.min_int, dtype=object)
        hi = np.full(shape, t.max_int, dtype=object)
        return cls(lo, hi, t.frac)

    def aligned(self, frac: int) -> Interval:
        """The same bounds expressed with more fractional bits."""
        shift = frac - self.frac
        assert shift >= 0
        return Interval(self.lo * (1 << shift), self.hi * (1 << shift), frac)

    @property
    def min(self) -> int:
        return int(np.min(self.lo)) if self.lo.size else 0

    @property
    def max(self) -> int:
        return int(np.max(self.hi)) if self.hi.size else 0


def as_object(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).astype(object)


def align(values: np.ndarray, frac: int, target: int) -> np.ndarray:
    shift = target - frac
    return values << shift if shift else values


def int_dtype(bound: int) -> type:
    return np.int64 if bound < INT64_SAFE else object


def exact_matmul(x: np.ndarray, w: np.ndarray, bound: int) -> np.ndarray:
    """``x @ w`` on integers whose every partial sum is at most ``bound`` in magnitude.

    Below 2**24 (float32) or 2**53 (float64) floating point holds every partial sum exactly,
    whatever order BLAS adds in, and BLAS is many times faster than NumPy's integer matmul;
    wider sums use int64 or Python integers.
    """
    for limit, float_type in ((FLOAT32_EXACT, np.float32), (FLOAT64_EXACT, np.float64)):
        if bound < limit:
            product = np.asarray(x, dtype=float_type) @ np.asarray(w, dtype=float_type)
            return product.astype(np.int64)
    dtype = int_dtype(bound)
    return np.asarray(x).astype(dtype) @ np.asarray(w).astype(dtype)


class Op:
    """Base class: subclasses define ``exact`` and ``exact_range``."""

    name = ""
    arity = 1
    const_names: tuple[str, ...] = ()
    keeps_input_type = False  # precision inference gives the output the input's type
    same_shape = False
    """True for ops whose output has the shape of their (first) input."""
    real_valued = False
    """True for ops without fixed-point semantics, legal only before typing (``function``)."""

    def exact(self, node: Node, xs: list[np.ndarray], types: list[FixedType]) -> Exact:
        raise NotImplementedError

    def exact_range(self, node: Node, ranges: list[Interval]) -> Interval:
        raise NotImplementedError

    def check(self, node: Node, in_shapes: list[tuple[int, ...]]) -> None:
        """Raise :class:`IRError` if the node's shapes or constants are inconsistent."""
        if len(node.inputs) != self.arity:
            raise IRError(f"node {node.name!r} ({self.name}) needs {self.arity} input(s)")
        missing = [c for c in self.const_names if c not in node.consts]
        if missing:
            raise IRError(f"node {node.name!r} ({self.name}) lacks constants {missing}")
        if self.same_shape and node.output.shape != in_shapes[0]:
            raise IRError(f"node {node.name!r}: output shape must equal the input's")


def cast_exact(exact: Exact, dst: FixedType) -> np.ndarray:
    """Cast an exact value to ``dst`` with ``dst``'s rounding and overflow modes.

    The source type is the narrowest that holds the values at hand, so that :func:`cast` works
    on int64 whenever they allow it (a nominal 63-bit source would force Python integers).
    """
    values = np.asarray(exact.values)
    if values.dtype == object or not values.size:
        width = 200 if values.dtype == object else 63
    else:
        largest = max(int(values.max()), -int(values.min()) - 1, 0)
        width = largest.bit_length() + 1
    return cast(values, FixedType(width, width - exact.frac), dst)


def cast_interval(r: Interval, dst: FixedType) -> Interval:
    """Bounds of ``cast(x, dst)`` for every ``x`` in ``r``."""
    src = FixedType(400, 400 - r.frac)
    rounded_lo = cast(r.lo, src, FixedType(400, 400 - dst.frac, True, dst.rounding, "WRAP"))
    rounded_hi = cast(r.hi, src, FixedType(400, 400 - dst.frac, True, dst.rounding, "WRAP"))
    fits = (rounded_lo >= dst.min_int) & (rounded_hi <= dst.max_int)
    full_lo = np.full(r.lo.shape, dst.min_int, dtype=object)
    full_hi = np.full(r.hi.shape, dst.max_int, dtype=object)
    if dst.overflow == "WRAP":
        return Interval(
            np.where(fits, rounded_lo, full_lo), np.where(fits, rounded_hi, full_hi), dst.frac
        )
    if dst.overflow == "SAT_ZERO":
        # values inside the range keep their (rounded) value, the others become 0: the
        # rounded interval clipped to the range, plus 0 where anything overflows
        lo = np.maximum(rounded_lo, dst.min_int)
        hi = np.minimum(rounded_hi, dst.max_int)
        empty = lo > hi  # the whole interval overflows: only 0 remains
        lo, hi = np.where(empty, 0, lo), np.where(empty, 0, hi)
        lo = np.where(fits, lo, np.minimum(lo, 0))
        hi = np.where(fits, hi, np.maximum(hi, 0))
        return Interval(lo.astype(object), hi.astype(object), dst.frac)
    lo = cast(r.lo, src, dst).astype(object)
    hi = cast(r.hi, src, dst).astype(object)
    return Interval(lo, hi, dst.frac)


def cast_to_tensor(exact: Exact, tensor: Tensor) -> np.ndarray:
    """Cast an exact value to ``tensor``'s type, element by element when it has per-element
    types (the result is then in the container type's mantissas)."""
    if tensor.elements is None:
        return cast_exact(exact, tensor.type)
    values = np.asarray(exact.values)
    return tensor.elements.per_element(
        values, exact.frac, lambda part, t: cast_exact(Exact(part, exact.frac), t)
    )


def cast_interval_to_tensor(r: Interval, tensor: Tensor) -> Interval:
    """Bounds of :func:`cast_to_tensor` for every value in ``r``."""
    elements = tensor.elements
    if elements is None:
        return cast_interval(r, tensor.type)
    container = tensor.type
    lo = np.zeros(r.lo.size, dtype=object)
    hi = np.zeros(r.hi.size, dtype=object)
    flat_lo, flat_hi = r.lo.reshape(-1), r.hi.reshape(-1)
    for t, index in elements.groups():
        if t is None:
            continue
        part = cast_interval(Interval(flat_lo[index], flat_hi[index], r.frac), t)
        shift = container.frac - t.frac
        lo[index] = part.lo * (1 << shift)
        hi[index] = part.hi * (1 << shift)
    return Interval(lo.reshape(r.lo.shape), hi.reshape(r.hi.shape), container.frac)
