"""QONNX quantizers: ``Quant`` (and ``IntQuant``) with a power-of-two scale and zero point 0 as
an exact fixed-point cast, evaluated on constants exactly as QONNX's ``int_quant`` does."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ...ir.fixed import FixedType
from ..layers.where import onnx_node_where


def _node_attrs(node: Any) -> dict[str, Any]:
    import onnx  # noqa: PLC0415

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


QUANT_OPS = ("Quant", "IntQuant")
# QONNX rounding modes (qonnx.custom_op.general.intquant.resolve_rounding_mode) → ap_fixed.
ROUNDING = {
    "ROUND": "RND_CONV",
    "HALF_EVEN": "RND_CONV",
    "FLOOR": "TRN",
    "DOWN": "TRN_ZERO",
    "HALF_UP": "RND_INF",
    "HALF_DOWN": "RND_ZERO",
}


def power_of_two_exponent(scale: np.ndarray, where: str) -> np.ndarray:
    scale = np.asarray(scale, dtype=np.float64)
    mant, exp = np.frexp(scale)
    if not np.all((mant == 0.5) & (scale > 0)):
        raise InexactError(
            f"{where}: scale {scale.reshape(-1)[:4].tolist()} is not a power of two, so the "
            "quantized values are not fixed-point numbers and no fixed-point firmware can "
            "reproduce them bit for bit. Export with power-of-two scales."
        )
    return (exp - 1).astype(np.int64)


class QuantNode:
    """A QONNX Quant node's parameters."""

    def __init__(self, node: Any, consts: dict[str, np.ndarray]) -> None:
        where = onnx_node_where(node)
        attrs = _node_attrs(node)
        scale, zeropt, bits = (consts[n] for n in node.input[1:4])
        if np.any(np.asarray(zeropt) != 0):
            raise UnsupportedModelError(f"{where}: zero point {zeropt} is not 0; not supported")
        if np.asarray(bits).size != 1 or float(bits) != int(bits):
            raise UnsupportedModelError(f"{where}: bit width {bits} must be one integer")
        self.where = where
        self.bits = int(bits)
        self.signed = bool(attrs.get("signed", 1))
        self.narrow = bool(attrs.get("narrow", 0))
        mode = attrs.get("rounding_mode", "ROUND")
        self.mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        if self.mode.upper() not in ROUNDING:
            raise UnsupportedModelError(
                f"{where}: rounding_mode {self.mode!r} has no ap_fixed equivalent; supported: "
                f"{', '.join(ROUNDING)}"
            )
        self.scale = np.asarray(scale, dtype=np.float64)
        self.exp = power_of_two_exponent(self.scale, where)
        if self.narrow and not self.signed:
            raise UnsupportedModelError(
                f"{where}: unsigned narrow range (maximum 2^bits-2) is not a fixed-point type"
            )

    @property
    def lo(self) -> int:
        return -(2 ** (self.bits - 1)) + self.narrow if self.signed else 0

    @property
    def hi(self) -> int:
        return 2 ** (self.bits - 1) - 1 if self.signed else 2**self.bits - 1

    def fixed_type(self) -> FixedType:
        """The per-tensor fixed-point type this Quant casts to."""
        if self.exp.size != 1:
            raise UnsupportedModelError(
                f"{self.where}: a per-channel scale on activations is not supported"
            )
        if self.bits == 1 and self.signed:
            raise UnsupportedModelError(
                f"{self.where}: a 1-bit signed Quant is a binary activation, not yet supported"
            )
        frac = -int(self.exp.reshape(-1)[0])
        overflow = "SAT_SYM" if self.narrow else "SAT"
        rounding = ROUNDING[self.mode.upper()]
        return FixedType(self.bits, self.bits - frac, self.signed, rounding, overflow)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """QONNX's ``int_quant`` on constants, exactly in float64."""
        y = np.asarray(x, dtype=np.float64) / self.scale
        if self.bits == 1 and self.signed:
            return np.where(y >= 0, 1.0, -1.0) * self.scale
        y = np.clip(y, self.lo, self.hi)
        rounding = ROUNDING[self.mode.upper()]
        funcs = {
            "RND_CONV": np.round,
            "TRN": np.floor,
            "TRN_ZERO": np.fix,
            "RND_INF": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),
            "RND_ZERO": lambda v: np.sign(v) * np.ceil(np.abs(v) - 0.5),
        }
        return funcs[rounding](y) * self.scale
