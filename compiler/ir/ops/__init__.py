"""The IR's ops, one module per family, and :data:`OPS`, the registry of all of them.

``base`` holds what every op builds on (:class:`~.base.Op`, :class:`~.base.Exact`,
:class:`~.base.Interval` and the shared integer helpers); ``core`` the input, dense, ReLU,
requantize and scale-shift ops; ``tensor`` reshapes, pooling windows and merges;
``rearrange`` transposes, zero padding, cropping and upsampling (data movement only); ``conv``
convolutions; ``activation`` the other activations and argmax; ``lut`` table lookups and
softmax; ``function`` the real-valued activations frontends write before they are tabulated.
To add an op: subclass :class:`~.base.Op` in its family's module, add an instance to the
family's tuple, and it is registered here.
"""

from __future__ import annotations

from ...errors import IRError
from .activation import ACTIVATION_OPS
from .base import Op
from .conv import CONV_OPS
from .core import CORE_OPS
from .function import FUNCTION_OPS
from .lut import LUT_OPS
from .rearrange import REARRANGE_OPS
from .tensor import TENSOR_OPS

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        *CORE_OPS,
        *TENSOR_OPS,
        *REARRANGE_OPS,
        *CONV_OPS,
        *ACTIVATION_OPS,
        *LUT_OPS,
        *FUNCTION_OPS,
    )
}


def get_op(name: str) -> Op:
    """The op called ``name``; the error lists the valid ones."""
    try:
        return OPS[name]
    except KeyError:
        raise IRError(f"unknown op {name!r}; valid ops: {', '.join(sorted(OPS))}") from None


__all__ = ["OPS", "Op", "get_op"]
