"""Per-element fixed-point types: one ``(width, integer, signed)`` per tensor element.

High-granularity quantization (HGQ, HGQ2) learns a bit width for every activation element, many
of them 0-3 bits and some 0 (the element is constant zero).  :class:`ElementTypes` holds those
types as integer arrays in the tensor's shape, with one rounding and one overflow mode.  A value
of such a tensor is carried as a mantissa of the *container* type (:meth:`ElementTypes.container`,
the narrowest :class:`FixedType` that holds every element's type): element ``j`` of type
``T_j`` holds ``cast(x_j, T_j)`` shifted to the container's fractional bits.  A 0-bit element
(``width == 0``) is always 0.

Elements are cast group by group: every distinct ``(width, integer, signed)`` is one call of
:func:`trigc.compiler.ir.fixed.cast` on the elements that share it, so the semantics are those
of ``ap_fixed`` assignment, element by element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fixed import OVERFLOW_MODES, ROUNDING_MODES, FixedType, FixedTypeError, cast


def _frozen_int_array(a: Any, what: str) -> np.ndarray:
    array = np.asarray(a)
    if array.dtype.kind not in "iub":
        raise FixedTypeError(f"per-element {what} must be integers, got dtype {array.dtype}")
    array = array.astype(np.int64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ElementTypes:
    """The fixed-point type of every element of one tensor (arrays in the tensor's shape)."""

    width: np.ndarray
    integer: np.ndarray
    signed: np.ndarray
    rounding: str = "TRN"
    overflow: str = "WRAP"

    def __post_init__(self) -> None:
        width = _frozen_int_array(self.width, "widths")
        integer = _frozen_int_array(self.integer, "integer bits")
        signed = _frozen_int_array(self.signed, "signedness").astype(bool)
        signed.setflags(write=False)
        if not (width.shape == integer.shape == signed.shape):
            raise FixedTypeError(
                f"per-element widths {width.shape}, integer bits {integer.shape} and "
                f"signedness {signed.shape} must have one shape"
            )
        if width.size and int(width.min()) < 0:
            raise FixedTypeError("per-element widths must be at least 0")
        if self.rounding not in ROUNDING_MODES or self.overflow not in OVERFLOW_MODES:
            raise FixedTypeError(f"unknown modes {self.rounding!r}/{self.overflow!r}")
        # a 0-bit element has no integer bits or sign: one normal form, so equal types compare equal
        integer = np.where(width > 0, integer, 0)
        signed = signed & (width > 0)
        integer.setflags(write=False)
        signed.setflags(write=False)
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "integer", integer)
        object.__setattr__(self, "signed", signed)

    # -- identity -----------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (
            self.rounding,
            self.overflow,
            self.width.shape,
            self.width.tobytes(),
            self.integer.tobytes(),
            self.signed.tobytes(),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElementTypes) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.width.shape)

    # -- derived types ------------------------------------------------------------------
    def type_at(self, flat_index: int) -> FixedType | None:
        """The type of one element (C order), or None for a 0-bit element."""
        w = int(self.width.flat[flat_index])
        if w == 0:
            return None
        i, s = int(self.integer.flat[flat_index]), bool(self.signed.flat[flat_index])
        return FixedType(w, i, s, self.rounding, self.overflow)

    def groups(self) -> Iterator[tuple[FixedType | None, np.ndarray]]:
        """Every distinct element type (None: 0 bits) with the flat indices of its elements."""
        keys = np.stack(
            [self.width.reshape(-1), self.integer.reshape(-1), self.signed.reshape(-1)], axis=1
        )
        if not keys.size:
            return
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        for g, (w, i, s) in enumerate(unique.tolist()):
            index = np.flatnonzero(inverse == g)
            t = FixedType(w, i, bool(s), self.rounding, self.overflow) if w else None
            yield t, index

    def container(self) -> FixedType:
        """The narrowest type that holds every element's values (the tensor's type)."""
        types = [t for t, _ in self.groups() if t is not None]
        if not types:
            return FixedType(1, 1, False, self.rounding, self.overflow)
        frac = max(t.frac for t in types)
        signed = any(t.signed for t in types)
        # an unsigned element of I integer bits needs I + 1 in a signed container
        integer = max(t.integer + (1 if signed and not t.signed else 0) for t in types)
        return FixedType(integer + frac, integer, signed, self.rounding, self.overflow)

    def uniform(self) -> FixedType | None:
        """The one type every element has, or None when they differ (or one has 0 bits)."""
        types = list(self.groups())
        if len(types) == 1 and types[0][0] is not None:
            return types[0][0]
        return None

    def broadcast_to(self, shape: tuple[int, ...]) -> ElementTypes:
        """The same types repeated over ``shape`` (HGQ shares a type along homogeneous axes)."""
        if self.shape == tuple(shape):
            return self
        return ElementTypes(
            np.broadcast_to(self.width, shape),
            np.broadcast_to(self.integer, shape),
            np.broadcast_to(self.signed, shape),
            self.rounding,
            self.overflow,
        )

    @property
    def zero_width(self) -> int:
        """How many elements have 0 bits (are constant zero)."""
        return int(np.count_nonzero(self.width == 0))

    @property
    def total_bits(self) -> int:
        """The sum of the element widths: what the tensor costs in wires or registers."""
        return int(self.width.sum())

    # -- casting --------------------------------------------------------------------------
    def per_element(
        self,
        values: np.ndarray,
        frac: int,
        cast_group: Callable[[np.ndarray, FixedType], np.ndarray],
    ) -> np.ndarray:
        """Cast ``values`` (``(..., *shape)``, ``frac`` fractional bits) element by element and
        express every result in the container's fractional bits."""
        container = self.container()
        lead = values.shape[: values.ndim - len(self.shape)]
        flat = values.reshape(*lead, -1)
        dtype = object if container.width > 62 else np.int64
        out = np.zeros(flat.shape, dtype=dtype)
        for t, index in self.groups():
            if t is None:
                continue
            part = cast_group(flat[..., index], t)
            out[..., index] = np.asarray(part).astype(dtype) << (container.frac - t.frac)
        return out.reshape(values.shape)

    def cast(self, values: np.ndarray, src: FixedType) -> np.ndarray:
        """Mantissas of type ``src`` cast to every element's type, in container mantissas."""
        return self.per_element(np.asarray(values), src.frac, lambda part, t: cast(part, src, t))

    # -- text and JSON ---------------------------------------------------------------------
    def summary(self) -> str:
        """A short description: how many distinct types, bits in all, 0-bit elements."""
        distinct = sum(1 for t, _ in self.groups() if t is not None)
        return (
            f"per-element{{{distinct} types, {self.total_bits} bits, "
            f"{self.zero_width}/{self.width.size} zero}}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": list(self.shape),
            "width": [int(v) for v in self.width.reshape(-1)],
            "integer": [int(v) for v in self.integer.reshape(-1)],
            "signed": [bool(v) for v in self.signed.reshape(-1)],
            "rounding": self.rounding,
            "overflow": self.overflow,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ElementTypes:
        shape = tuple(d["shape"])
        return cls(
            np.array(d["width"], dtype=np.int64).reshape(shape),
            np.array(d["integer"], dtype=np.int64).reshape(shape),
            np.array(d["signed"], dtype=bool).reshape(shape),
            d["rounding"],
            d["overflow"],
        )

    @classmethod
    def from_kif(
        cls, keep_negative: Any, integer: Any, fractional: Any, rounding: str, overflow: str
    ) -> ElementTypes:
        """From HGQ's ``k`` (sign bit or not), ``i`` (integer bits without the sign) and ``f``
        (fractional bits) per element; an element with ``k + i + f <= 0`` has 0 bits."""
        k = np.asarray(keep_negative).astype(np.int64)
        i = np.asarray(integer).astype(np.int64)
        f = np.asarray(fractional).astype(np.int64)
        k, i, f = np.broadcast_arrays(k, i, f)
        width = np.maximum(k + i + f, 0)
        return cls(width, np.where(width > 0, k + i, 0), (k > 0) & (width > 0), rounding, overflow)
