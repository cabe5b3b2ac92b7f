"""Values of Keras layer configurations that the Keras 2, Keras 3 and HGQ readers share."""

from __future__ import annotations

from typing import Any


def ints(value: Any) -> tuple[int, ...]:
    """An int or a list of ints as a tuple of ints."""
    return tuple(int(v) for v in (value if isinstance(value, list | tuple) else [value]))


def pairs(value: Any, axes: int) -> list[list[int]]:
    """Keras' int / (a, b) / ((a, b), (c, d)) padding or cropping per spatial axis."""
    if isinstance(value, int):
        return [[value, value]] * axes
    if axes == 1:
        return [[int(value[0]), int(value[1])]]
    return [[int(v), int(v)] if isinstance(v, int) else [int(v[0]), int(v[1])] for v in value]
