"""Typed attributes: one small frozen dataclass per op, checked once when a node is made.

A node's ``attrs`` is an instance of its op's class in :data:`ATTRS` (ops without attributes
take :class:`NoAttrs`).  Building one from a mapping (:meth:`Attrs.of`) refuses a key the op
does not have and a value of the wrong kind, naming both; whether the values fit the node's
input (a window's ``in_shape``, a transpose's ``perm``) is the op's ``check``.  Fields left at
``None`` are not set; reading an instance as a mapping (``attrs["kernel"]``,
``attrs.get("axis")``, ``attrs.items()``) sees the set fields only, so ``ir.json`` and the text
form hold exactly what was given.  Values stay the JSON values they are written as (lists).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from ..errors import IRError


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _ints(v: Any) -> bool:
    return isinstance(v, list | tuple) and all(_is_int(x) for x in v)


def _int_pairs(v: Any) -> bool:
    return isinstance(v, list | tuple) and all(_ints(p) and len(p) == 2 for p in v)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


KINDS = {
    "int": (_is_int, "an integer"),
    "ints": (_ints, "a list of integers"),
    "int_pairs": (_int_pairs, "a list of [before, after] integer pairs"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "number": (_number, "a number"),
}
"""Kind of a field -> (its test, its description for messages)."""


@dataclass(frozen=True, eq=False)
class Attrs(Mapping[str, Any]):
    """The base of every op's attributes: the fields, read as a mapping of those set."""

    KIND: ClassVar[dict[str, str]] = {}
    """Field -> its kind (a key of :data:`KINDS`)."""

    @classmethod
    def of(cls, values: Mapping[str, Any], op: str, node: str) -> Attrs:
        """The attributes of node ``node`` (op ``op``) from a mapping, checked."""
        if isinstance(values, cls):
            return values
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            valid = ", ".join(names) or "none"
            raise IRError(
                f"node {node!r} ({op}): unknown attribute(s) {', '.join(unknown)}; valid: {valid}"
            )
        for key, value in values.items():
            test, what = KINDS[cls.KIND[key]]
            if value is not None and not test(value):
                raise IRError(f"node {node!r} ({op}): attribute {key} = {value!r} must be {what}")
        return cls(**dict(values))

    def __getitem__(self, key: str) -> Any:
        value = getattr(self, key, None) if key in self.KIND else None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self) if getattr(self, f.name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)})"


@dataclass(frozen=True, eq=False)
class NoAttrs(Attrs):
    """An op without attributes."""


@dataclass(frozen=True, eq=False)
class WindowAttrs(Attrs):
    """``conv``, ``max_pool``, ``avg_pool``: the input's shape, window, strides, padding."""

    KIND: ClassVar[dict[str, str]] = {
        "in_shape": "ints",
        "kernel": "ints",
        "strides": "ints",
        "pads": "int_pairs",
    }
    in_shape: list[int] | None = None
    kernel: list[int] | None = None
    strides: list[int] | None = None
    pads: list[list[int]] | None = None


@dataclass(frozen=True, eq=False)
class RearrangeAttrs(Attrs):
    """``rearrange``: the kind of move and its parameter, and the input's shape."""

    KIND: ClassVar[dict[str, str]] = {
        "kind": "str",
        "in_shape": "ints",
        "perm": "ints",
        "pads": "int_pairs",
        "crops": "int_pairs",
        "factors": "ints",
    }
    kind: str | None = None
    in_shape: list[int] | None = None
    perm: list[int] | None = None
    pads: list[list[int]] | None = None
    crops: list[list[int]] | None = None
    factors: list[int] | None = None


@dataclass(frozen=True, eq=False)
class ConcatenateAttrs(Attrs):
    """``concatenate``: the axis, counted without the batch."""

    KIND: ClassVar[dict[str, str]] = {"axis": "int"}
    axis: int | None = None


@dataclass(frozen=True, eq=False)
class LeakyReluAttrs(Attrs):
    """``leaky_relu``: the slope is ``2**-shift``."""

    KIND: ClassVar[dict[str, str]] = {"shift": "int"}
    shift: int | None = None


@dataclass(frozen=True, eq=False)
class ReluMaxAttrs(Attrs):
    """``relu_max``: the positive whole maximum."""

    KIND: ClassVar[dict[str, str]] = {"max_value": "int"}
    max_value: int | None = None


@dataclass(frozen=True, eq=False)
class FunctionAttrs(Attrs):
    """``function``: the real-valued function (sigmoid, tanh, softmax)."""

    KIND: ClassVar[dict[str, str]] = {"function": "str"}
    function: str | None = None


@dataclass(frozen=True, eq=False)
class LutAttrs(Attrs):
    """``lut``: the function the table approximates and the input range it covers."""

    KIND: ClassVar[dict[str, str]] = {"function": "str", "range": "number"}
    function: str | None = None
    range: int | float | None = None


@dataclass(frozen=True, eq=False)
class SoftmaxAttrs(Attrs):
    """``softmax``: the type of the sum of exponentials and the input width of the tables."""

    KIND: ClassVar[dict[str, str]] = {"sum_type": "str", "input_width": "int"}
    sum_type: str | None = None
    input_width: int | None = None


ATTRS: dict[str, type[Attrs]] = {
    "conv": WindowAttrs,
    "max_pool": WindowAttrs,
    "avg_pool": WindowAttrs,
    "rearrange": RearrangeAttrs,
    "concatenate": ConcatenateAttrs,
    "leaky_relu": LeakyReluAttrs,
    "relu_max": ReluMaxAttrs,
    "function": FunctionAttrs,
    "lut": LutAttrs,
    "softmax": SoftmaxAttrs,
}
"""Op name -> its attribute class; every other op has :class:`NoAttrs`."""


def attrs_of(op: str, values: Mapping[str, Any], node: str) -> Attrs:
    """The typed attributes of node ``node`` of ``op``."""
    return ATTRS.get(op, NoAttrs).of(values, op, node)
