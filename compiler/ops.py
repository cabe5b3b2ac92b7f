"""Op semantics: exact integer execution and exact value ranges for every IR op.

Each op computes its *exact* result (no rounding, no overflow) as integer mantissas with a
known number of fractional bits; the executor then casts that exact value to the node's
output type with the type's rounding and overflow modes, as ``ap_fixed`` assignment would.
The same split drives precision inference: :meth:`Op.exact_range` gives the exact interval of
every output element, from which the never-overflowing type follows.

``OPS`` is the registry; :func:`get_op` names the valid ops when asked for an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import IRError
from .fixed import FixedType, cast
from .ir import Node

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


def _as_object(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).astype(object)


def _align(values: np.ndarray, frac: int, target: int) -> np.ndarray:
    shift = target - frac
    return values << shift if shift else values


def _int_dtype(bound: int) -> type:
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
    dtype = _int_dtype(bound)
    return np.asarray(x).astype(dtype) @ np.asarray(w).astype(dtype)


class Op:
    """Base class: subclasses define ``exact`` and ``exact_range``."""

    name = ""
    arity = 1
    const_names: tuple[str, ...] = ()
    same_shape = False
    """True for ops whose output has the shape of their (first) input."""

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


class InputOp(Op):
    name = "input"
    arity = 0

    def exact(self, node, xs, types):
        raise AssertionError("inputs are not executed")

    def exact_range(self, node, ranges):
        # A narrow (SAT_SYM) input never holds -2**(W-1): verify's vectors exclude it and
        # every quantizer that produces such a type never gives it.
        t = node.output.type
        full = Interval.of_type(t, node.output.shape)
        return Interval(np.full(full.lo.shape, t.lowest_int, dtype=object), full.hi, full.frac)


class DenseOp(Op):
    """``y[o] = sum_i x[i] * weight[i, o] + bias[o]`` over the last axis."""

    name = "dense"
    const_names = ("weight", "bias")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        w, b = node.consts["weight"].values, node.consts["bias"].values
        n_in = in_shapes[0][-1]
        if w.shape != (n_in, node.output.shape[-1]) or b.shape != (node.output.shape[-1],):
            raise IRError(
                f"node {node.name!r}: weight {w.shape} / bias {b.shape} do not fit input "
                f"{in_shapes[0]} and output {node.output.shape}"
            )

    @staticmethod
    def _fracs(node: Node, x_frac: int) -> tuple[int, int, int]:
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac = x_frac + w.type.frac
        return prod_frac, b.type.frac, max(prod_frac, b.type.frac)

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac, bias_frac, frac = self._fracs(node, xt.frac)
        x_abs = max(abs(xt.min_int), abs(xt.max_int))
        w_abs = int(np.max(np.sum(np.abs(_as_object(w.values)), axis=0), initial=0))
        b_abs = int(np.max(np.abs(_as_object(b.values)), initial=0))
        bound = (x_abs * w_abs << (frac - prod_frac)) + (b_abs << (frac - bias_frac))
        dtype = _int_dtype(bound)
        acc = exact_matmul(x, w.values, x_abs * w_abs).astype(dtype)
        acc = _align(acc, prod_frac, frac) + _align(b.values.astype(dtype), bias_frac, frac)
        return Exact(acc, frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        w = _as_object(node.consts["weight"].values)
        b = _as_object(node.consts["bias"].values)
        prod_frac, bias_frac, frac = self._fracs(node, r.frac)
        lo_terms = np.minimum(r.lo[..., :, None] * w, r.hi[..., :, None] * w)
        hi_terms = np.maximum(r.lo[..., :, None] * w, r.hi[..., :, None] * w)
        lo = _align(lo_terms.sum(axis=-2), prod_frac, frac) + _align(b, bias_frac, frac)
        hi = _align(hi_terms.sum(axis=-2), prod_frac, frac) + _align(b, bias_frac, frac)
        return Interval(lo, hi, frac)


class ReluOp(Op):
    """``y = max(x, 0)``."""

    name = "relu"

    def exact(self, node, xs, types):
        return Exact(np.maximum(xs[0], 0), types[0].frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        return Interval(np.maximum(r.lo, 0), np.maximum(r.hi, 0), r.frac)


class RequantizeOp(Op):
    """``y = x``; the cast to the output type is the whole effect."""

    name = "requantize"

    def exact(self, node, xs, types):
        return Exact(xs[0], types[0].frac)

    def exact_range(self, node, ranges):
        return ranges[0]


class ScaleShiftOp(Op):
    """Per-channel ``y = x * scale + shift`` over the last axis (an unfolded batch norm)."""

    name = "scale_shift"
    const_names = ("scale", "shift")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        n = in_shapes[0][-1]
        for c in self.const_names:
            if node.consts[c].values.shape != (n,):
                raise IRError(f"node {node.name!r}: {c} must have shape ({n},)")

    @staticmethod
    def _fracs(node: Node, x_frac: int) -> tuple[int, int, int]:
        prod_frac = x_frac + node.consts["scale"].type.frac
        shift_frac = node.consts["shift"].type.frac
        return prod_frac, shift_frac, max(prod_frac, shift_frac)

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        s, t = node.consts["scale"], node.consts["shift"]
        prod_frac, shift_frac, frac = self._fracs(node, xt.frac)
        bound = (
            max(abs(xt.min_int), xt.max_int) * max(abs(s.type.min_int), s.type.max_int)
            + max(abs(t.type.min_int), t.type.max_int)
        ) << (frac - min(prod_frac, shift_frac))
        dtype = _int_dtype(bound)
        y = _align(np.asarray(x).astype(dtype) * s.values.astype(dtype), prod_frac, frac)
        return Exact(y + _align(t.values.astype(dtype), shift_frac, frac), frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        s = _as_object(node.consts["scale"].values)
        t = _as_object(node.consts["shift"].values)
        prod_frac, shift_frac, frac = self._fracs(node, r.frac)
        a, b = r.lo * s, r.hi * s
        lo = _align(np.minimum(a, b), prod_frac, frac) + _align(t, shift_frac, frac)
        hi = _align(np.maximum(a, b), prod_frac, frac) + _align(t, shift_frac, frac)
        return Interval(lo, hi, frac)


# Imported here, after the base classes it builds on, to keep one registry of every op.
from .ops_activation import ACTIVATION_OPS  # noqa: E402
from .ops_conv import CONV_OPS  # noqa: E402
from .ops_lut import LUT_OPS  # noqa: E402
from .ops_tensor import TENSOR_OPS  # noqa: E402

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        InputOp(),
        DenseOp(),
        ReluOp(),
        RequantizeOp(),
        ScaleShiftOp(),
        *TENSOR_OPS,
        *CONV_OPS,
        *ACTIVATION_OPS,
        *LUT_OPS,
    )
}


def get_op(name: str) -> Op:
    """The op called ``name``; the error lists the valid ones."""
    try:
        return OPS[name]
    except KeyError:
        raise IRError(f"unknown op {name!r}; valid ops: {', '.join(sorted(OPS))}") from None


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
    lo = cast(r.lo, src, dst).astype(object)
    hi = cast(r.hi, src, dst).astype(object)
    if dst.overflow == "SAT_ZERO":
        lo = np.where(fits, lo, np.minimum(lo, 0))
        hi = np.where(fits, hi, np.maximum(hi, 0))
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    return Interval(lo, hi, dst.frac)
