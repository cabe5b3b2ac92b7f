"""QKeras 0.9 quantizers as saved in Keras 2 model configs, read without QKeras installed.

A saved quantizer is either a dict ``{"class_name": "quantized_bits", "config": {...}}`` (a
quantizer object, e.g. ``QDense(kernel_quantizer=quantized_bits(6, 0, alpha=1))``) or a string
``"quantized_relu(6,0)"`` (``QActivation("quantized_relu(6,0)")``).  Both become a small
descriptor with the attributes :mod:`..layers.quantizers` reads from live quantizers, so the legacy
frontend shares the Keras 3 frontend's exactness rules.  Weight quantizers are evaluated here
in NumPy with QKeras's formula.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InexactError, UnsupportedModelError

SUPPORTED_QUANTIZERS = "quantized_bits, quantized_relu"

# Positional parameters of the QKeras 0.9 constructors, in order.
_PARAMS = {
    "quantized_bits": (
        "bits integer symmetric keep_negative alpha use_stochastic_rounding scale_axis "
        "qnoise_factor var_name use_ste use_variables"
    ).split(),
    "quantized_relu": (
        "bits integer use_sigmoid negative_slope use_stochastic_rounding relu_upper_bound "
        "is_quantized_clip qnoise_factor var_name use_ste use_variables"
    ).split(),
}
_DEFAULTS = {
    "quantized_bits": {
        "bits": 8,
        "integer": 0,
        "symmetric": 0,
        "keep_negative": True,
        "alpha": None,
        "use_stochastic_rounding": False,
    },
    "quantized_relu": {
        "bits": 8,
        "integer": 0,
        "use_sigmoid": 0,
        "negative_slope": 0.0,
        "use_stochastic_rounding": False,
        "relu_upper_bound": None,
    },
}


@dataclass(frozen=True)
class SavedQuantizer:
    """A QKeras quantizer read from a config; ``qkeras_class`` is its QKeras class name."""

    qkeras_class: str
    bits: int = 8
    integer: int = 0
    symmetric: int = 0
    keep_negative: bool = True
    alpha: Any = None
    use_stochastic_rounding: bool = False
    use_sigmoid: int = 0
    negative_slope: float = 0.0
    relu_upper_bound: float | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """QKeras's ``quantized_bits`` on weights (alpha None, 1 or a power of two)."""
        return quantize_weights(self, x, f"{self.qkeras_class} quantizer")


def _from_string(text: str, where: str) -> tuple[str, dict[str, Any]]:
    """``"quantized_relu(6, 0)"`` → class name and keyword arguments (literals only)."""
    try:
        expr = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise UnsupportedModelError(f"{where}: cannot read quantizer {text!r}") from None
    if isinstance(expr, ast.Name):
        return expr.id, {}
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)):
        raise UnsupportedModelError(f"{where}: cannot read quantizer {text!r}")
    name = expr.func.id
    params = _PARAMS.get(name, [])
    try:
        kwargs = {params[i]: ast.literal_eval(a) for i, a in enumerate(expr.args)}
        kwargs.update({k.arg: ast.literal_eval(k.value) for k in expr.keywords if k.arg})
    except (ValueError, IndexError):
        raise UnsupportedModelError(f"{where}: cannot read the arguments of {text!r}") from None
    return name, kwargs


def saved_quantizer(saved: Any, where: str) -> SavedQuantizer | str | None:
    """A quantizer (or plain activation name such as ``"relu"``) from a Keras 2 config.

    Returns None for no quantizer, the activation name for plain activations, and a
    :class:`SavedQuantizer` for QKeras quantizers.
    """
    if saved is None:
        return None
    if isinstance(saved, dict):
        name = str(saved.get("class_name", "")).split(">")[-1]
        kwargs = dict(saved.get("config", {}) or {})
    elif isinstance(saved, str):
        name, kwargs = _from_string(saved, where)
        if name not in _PARAMS:
            return name  # a plain Keras activation, e.g. "relu"
    else:
        raise UnsupportedModelError(f"{where}: cannot read quantizer {saved!r}")
    if name not in _PARAMS:
        raise UnsupportedModelError(
            f"{where}: quantizer {name!r} is not supported; supported: {SUPPORTED_QUANTIZERS}"
        )
    values = {**_DEFAULTS[name], **{k: v for k, v in kwargs.items() if k in _DEFAULTS[name]}}
    return SavedQuantizer(qkeras_class=name, **values)


def quantize_weights(
    q: SavedQuantizer, values: np.ndarray, where: str, kernel: bool = False
) -> np.ndarray:
    """QKeras 0.9 ``quantized_bits.__call__`` on weights, exactly (float64, no noise).

    On a layer's kernel QKeras turns ``alpha=None`` into ``auto_po2`` (a per-channel
    power-of-two scale fitted to the weights, ``_set_trainable_parameter``); that fit is QKeras'
    own float32 computation, so it is evaluated with QKeras itself (qkeras-v3, imported only
    then).
    """
    if q.qkeras_class != "quantized_bits":
        raise UnsupportedModelError(
            f"{where}: {q.qkeras_class} is not a weight quantizer; use quantized_bits"
        )
    if q.use_stochastic_rounding:
        raise InexactError(f"{where}: stochastic rounding cannot be reproduced in hardware")
    if q.alpha == "auto_po2" or (kernel and q.alpha is None):
        return _qkeras_auto_po2(q, values)
    alpha = 1.0 if q.alpha is None else q.alpha
    if isinstance(alpha, str):
        raise InexactError(
            f"{where}: quantized_bits(alpha={alpha!r}) scales the weights by trained floats, "
            "which are not fixed-point numbers; trigc reads weight quantizers with alpha=None, "
            "1, a power of two or 'auto_po2'. Re-save the model with alpha=1 or 'auto_po2'."
        )
    mant, exp = np.frexp(float(alpha))
    if mant != 0.5:
        raise InexactError(
            f"{where}: quantized_bits(alpha={alpha!r}) scales weights by a float that is not a "
            "power of two, so they are not fixed-point numbers. Use alpha=1."
        )
    x = np.asarray(values, dtype=np.float64)
    unsigned_bits = q.bits - int(bool(q.keep_negative))
    if unsigned_bits <= 0:  # QKeras's binary case: sign(x), 0 counted as +1
        xq = np.where(x < 0, -1.0, 1.0)
        if not q.keep_negative:
            xq = (xq + 1.0) / 2.0
        return xq * alpha
    m, m_i = 2.0**unsigned_bits, 2.0**q.integer
    lo = int(bool(q.keep_negative)) * (-m + q.symmetric)
    return alpha * m_i * np.clip(np.round(x * m / m_i), lo, m - 1) / m


def _qkeras_auto_po2(q: SavedQuantizer, values: np.ndarray) -> np.ndarray:
    """``quantized_bits(..., alpha='auto_po2')`` (or ``None`` on a kernel) as QKeras computes it."""
    from ..layers.keras_import import import_keras  # noqa: PLC0415

    import_keras()
    import qkeras  # noqa: PLC0415

    live = qkeras.quantized_bits(
        q.bits, q.integer, symmetric=q.symmetric, keep_negative=q.keep_negative, alpha=q.alpha
    )
    if q.alpha is None:
        live._set_trainable_parameter()
    return np.asarray(live(np.asarray(values, np.float32)), dtype=np.float64)
