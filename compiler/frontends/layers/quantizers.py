"""QKeras quantizers → trigc fixed-point types, with the reason when that cannot be exact.

QKeras rounds with ``round`` (ties to even, i.e. ``RND_CONV``) and clips to the type's range
(``SAT``, or ``SAT_SYM`` for symmetric quantizers), so an activation quantizer is exactly a
cast to an ``ap_fixed`` with those modes.  Weight quantizers are evaluated on the weights
themselves and the results checked to be fixed-point numbers (:func:`exact_mantissas`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.fixed import FixedType, smallest_type

# Widest type trigc accepts for an unquantized (float) constant before calling it inexact.
MAX_AUTO_WIDTH = 18
# Widest type of a weight quantizer's output (per-channel power-of-two scales widen it).
MAX_QUANTIZED_WIDTH = 48
SUPPORTED_ACTIVATIONS = (
    "quantized_bits (alpha None or a power of two), quantized_relu, binary (alpha None or 1), "
    "'relu', 'linear', 'sigmoid', 'tanh' and 'softmax' (hls4ml's lookup tables), LeakyReLU with a "
    "power-of-two slope below 1"
)


@dataclass(frozen=True)
class ActivationSpec:
    """What an activation (function or quantizer) does: ``kind`` is relu/requantize/identity."""

    kind: str
    type: FixedType | None = None  # None: exact, inferred by trigc
    scale_log2: int = 0  # the result is then multiplied by 2**scale_log2 (exact)
    slope_shift: int = 0  # leaky_relu: the negative slope is 2**-slope_shift
    max_value: int = 0  # relu_max: the upper bound
    function: str = ""  # function: sigmoid, tanh or softmax (tabulated by a pass)
    elements: ElementTypes | None = None  # requantize: a type per element (HGQ); ``type`` unused


def power_of_two_log2(alpha: object) -> int | None:
    """``k`` when ``alpha`` is the number ``2**k`` (``None`` counts as 1), else None."""
    if alpha is None:
        return 0
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not alpha > 0:
        return None
    mantissa, exponent = math.frexp(float(alpha))
    return exponent - 1 if mantissa == 0.5 else None


def check_bits(q: object, where: str) -> None:
    """Refuse a quantizer of no bits, or of more than :data:`MAX_QUANTIZED_WIDTH` (QKeras
    computes in float32, so wider quantizers would not be what they say)."""
    name = quantizer_class(q)
    bits, integer = getattr(q, "bits", None), getattr(q, "integer", 0)
    if bits is None:
        return
    try:
        bits, integer = int(bits), int(integer)
    except (TypeError, ValueError):
        raise UnsupportedModelError(
            f"{where}: {name} with bits={bits!r}, integer={integer!r}: not whole numbers"
        ) from None
    if not 1 <= bits <= MAX_QUANTIZED_WIDTH:
        raise UnsupportedModelError(
            f"{where}: {name}({bits}, {integer}) has {bits} bits; trigc supports 1 to "
            f"{MAX_QUANTIZED_WIDTH} bits (give the quantizer its bit width, e.g. {name}(6, 0))"
        )


def quantized_bits_type(q: object, where: str) -> FixedType:
    """The type of a ``quantized_bits`` used on activations (before its ``alpha`` scale:
    QKeras quantizes ``x`` to this type and multiplies the result by ``alpha``)."""
    if getattr(q, "use_stochastic_rounding", False):
        raise InexactError(f"{where}: stochastic rounding cannot be reproduced in hardware")
    if power_of_two_log2(getattr(q, "alpha", None)) is None:
        raise InexactError(
            f"{where}: quantized_bits with alpha={q.alpha!r} scales values by a trained float; "
            "on activations only alpha=None or a power of two (1, 0.5, 2, ...) is exact in "
            "fixed point."
        )
    check_bits(q, where)
    bits, integer = int(q.bits), int(q.integer)
    keep_negative = bool(q.keep_negative)
    if bits < 2:
        raise UnsupportedModelError(
            f"{where}: quantized_bits with {bits} bit(s) is a binary quantizer, not yet supported"
        )
    overflow = "SAT_SYM" if q.symmetric and keep_negative else "SAT"
    return FixedType(bits, integer + keep_negative, keep_negative, "RND_CONV", overflow)


def quantized_relu_type(q: object, where: str) -> FixedType:
    """The type of a ``quantized_relu`` (after the ReLU)."""
    if getattr(q, "use_sigmoid", 0):
        raise UnsupportedModelError(f"{where}: quantized_relu with use_sigmoid is not supported")
    if getattr(q, "negative_slope", 0.0):
        raise UnsupportedModelError(
            f"{where}: quantized_relu with negative_slope (leaky ReLU) is not yet supported"
        )
    if getattr(q, "relu_upper_bound", None) is not None:
        raise UnsupportedModelError(
            f"{where}: quantized_relu with relu_upper_bound is not yet supported"
        )
    if getattr(q, "use_stochastic_rounding", False):
        raise InexactError(f"{where}: stochastic rounding cannot be reproduced in hardware")
    check_bits(q, where)
    return FixedType(int(q.bits), int(q.integer), False, "RND_CONV", "SAT")


def quantizer_class(q: object) -> str:
    """The QKeras class name of a live quantizer or of one read from a saved config."""
    return str(getattr(q, "qkeras_class", type(q).__name__))


def nominal_type(q: object) -> FixedType | None:
    """The fixed-point type a ``quantized_bits`` weight quantizer nominally produces."""
    if quantizer_class(q) != "quantized_bits" or getattr(q, "alpha", None) not in (None, 1, 1.0):
        return None
    check_bits(q, "quantized_bits")
    bits, integer = int(q.bits), int(q.integer)  # type: ignore[attr-defined]
    keep_negative = bool(getattr(q, "keep_negative", True))
    return FixedType(bits, integer + keep_negative, keep_negative)


def activation_spec(activation: object, where: str) -> ActivationSpec:
    """Interpret a Keras activation function or a QKeras quantizer."""
    name = quantizer_class(activation)
    if name == "quantized_bits":
        scale_log2 = power_of_two_log2(getattr(activation, "alpha", None)) or 0
        return ActivationSpec("requantize", quantized_bits_type(activation, where), scale_log2)
    if name == "quantized_relu":
        return ActivationSpec("relu", quantized_relu_type(activation, where))
    if name == "binary":
        return binary_spec(activation, where)
    if name in ("ternary", "stochastic_ternary", "stochastic_binary"):
        raise UnsupportedModelError(
            f"{where}: the {name} activation is not supported: QKeras' ternary thresholds at "
            "0.33 while hls4ml's ternary_tanh thresholds at 0.5, so no hls4ml project can match "
            "it bit for bit (ternary and binary weight quantizers are supported)"
        )
    fn_name = activation if isinstance(activation, str) else getattr(activation, "__name__", name)
    if fn_name in ("linear", None):
        return ActivationSpec("identity")
    if fn_name == "relu":
        return ActivationSpec("relu")
    if fn_name in ("sigmoid", "tanh"):
        return ActivationSpec("function", function=fn_name)
    if fn_name == "softmax":
        return ActivationSpec("function", function="softmax")
    raise UnsupportedModelError(
        f"{where}: activation {fn_name!r} is not supported; supported: {SUPPORTED_ACTIVATIONS}"
    )


def binary_spec(q: object, where: str) -> ActivationSpec:
    """QKeras ``binary()`` on activations: ``x >= 0 ? 1 : -1``."""
    if getattr(q, "use_01", False) or power_of_two_log2(getattr(q, "alpha", None)) != 0:
        raise UnsupportedModelError(
            f"{where}: binary activations are supported with alpha None or 1 and use_01=False "
            "(values -1 and +1, as hls4ml's binary_tanh)"
        )
    return ActivationSpec("binary")


def leaky_relu_spec(slope: float, where: str) -> ActivationSpec:
    """A leaky ReLU; exact in fixed point when the slope is ``2**-k`` with ``k >= 1``."""
    k = power_of_two_log2(slope)
    if k is None or k >= 0:
        raise UnsupportedModelError(
            f"{where}: a leaky ReLU with negative slope {slope!r} is not exact in fixed point; "
            "trigc supports slopes 0.5, 0.25, 0.125, ... (powers of two below one)"
        )
    return ActivationSpec("leaky_relu", slope_shift=-k)


def check_weight_quantizer(q: object, where: str, allow_inexact: bool) -> None:
    """Refuse weight quantizers whose scale is a trained float (``alpha='auto'``), or of no
    bits or too many."""
    check_bits(q, where)
    alpha = getattr(q, "alpha", None)
    if isinstance(alpha, str) and alpha != "auto_po2" and not allow_inexact:
        raise InexactError(
            f"{where}: quantized_bits(alpha={alpha!r}) multiplies the weights by a per-channel "
            "float scale that is not a power of two, so the quantized weights are not "
            "fixed-point numbers and no fixed-point firmware can reproduce them bit for bit. "
            "Use alpha=1 or alpha='auto_po2', or pass --allow-inexact."
        )
    if getattr(q, "use_stochastic_rounding", False):
        raise InexactError(f"{where}: stochastic rounding cannot be reproduced in hardware")


def dyadic_frac(values: np.ndarray, max_frac: int = 64) -> int | None:
    """Smallest ``f`` such that every value times ``2**f`` is an integer, or None."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        return None
    for f in range(-8, max_frac + 1):
        scaled = np.ldexp(values, f)
        if np.all(scaled == np.round(scaled)):
            return f
    return None


def exact_mantissas(
    values: np.ndarray,
    nominal: FixedType | None,
    where: str,
    allow_inexact: bool,
    fallback: FixedType,
    quantized: bool = False,
) -> tuple[np.ndarray, FixedType]:
    """Integer mantissas and a type that hold ``values`` exactly.

    ``nominal`` (the quantizer's own type) is used when the values fit it.  Otherwise the
    narrowest exact type is derived, as long as it is at most :data:`MAX_AUTO_WIDTH` bits wide
    for unquantized values (:data:`MAX_QUANTIZED_WIDTH` for what a ``quantized`` weight
    quantizer produced).  Values that are not fixed-point numbers raise
    :class:`InexactError`, unless ``allow_inexact``, in which case they are rounded to
    ``fallback``.
    """
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
        raise InexactError(
            f"{where}: holds {float(values[index])!r} (NaN or inf) at index {list(index)}: the "
            "weights are broken (a diverged training, a bad file); no firmware can compute "
            "with them, with or without --allow-inexact"
        )
    if nominal is not None:
        try:
            return nominal.from_float_exact(values, where), nominal
        except ValueError:
            pass
    limit = MAX_QUANTIZED_WIDTH if quantized or nominal is not None else MAX_AUTO_WIDTH
    frac = dyadic_frac(values)
    if frac is not None:
        scaled = np.ldexp(values, frac)
        lo, hi = int(scaled.min(initial=0)), int(scaled.max(initial=0))
        t = smallest_type(min(lo, 0), hi, frac)
        if t.width <= limit:
            mantissas = np.array([int(Fraction(float(v)) * 2**frac) for v in values.reshape(-1)])
            return mantissas.reshape(values.shape).astype(np.int64), t
    if not allow_inexact:
        raise InexactError(
            f"{where}: the values are not fixed-point numbers of at most {limit} bits "
            "(a float weight, an unquantized bias or batch norm, or a quantizer with a "
            "non-power-of-two scale such as alpha='auto'), so the firmware could not match the "
            "model bit for bit. Quantize them (e.g. quantized_bits(6, 0, alpha=1)), give their "
            "precision in an hls4ml-style --config, or pass "
            f"--allow-inexact to round them to {fallback}."
        )
    rounded = np.round(np.ldexp(values, fallback.frac))
    mantissas = np.clip(rounded, fallback.min_int, fallback.max_int).astype(np.int64)
    return mantissas, fallback


def per_element_spec(elements: ElementTypes) -> ActivationSpec:
    """A quantizer with a type per element (HGQ); one shared type is an ordinary requantize.

    HGQ and HGQ2 saturate SAT_SYM to ``[-max, max]`` with ``max = 2**(b-1) - 1`` steps, which
    for one signed bit is ``[0, 0]``, where ``ap_fixed<1,...,SAT_SYM>`` keeps ``-1``: such an
    element is 0 bits wide in the model, and so it is here."""
    if elements.overflow == "SAT_SYM":
        one_signed_bit = (elements.width == 1) & elements.signed
        if one_signed_bit.any():
            elements = ElementTypes(
                np.where(one_signed_bit, 0, elements.width),
                elements.integer,
                elements.signed,
                elements.rounding,
                elements.overflow,
            )
    uniform = elements.uniform()
    if uniform is not None:
        return ActivationSpec("requantize", uniform)
    return ActivationSpec("requantize", elements=elements)
