"""Quantized models from a compact description: layer sizes and bits per layer.

Bit widths follow QKeras: ``Bits(bits, integer)`` is ``quantized_bits(bits, integer,
alpha=1)`` on weights, biases and the input (a sign bit plus ``integer`` integer bits, so
``fixed<bits, integer + 1>``) and ``quantized_relu(bits, integer)`` on hidden activations
(unsigned, ``ufixed<bits, integer>``).  Every quantizer has ``alpha=1``, so every tensor of the
built model is a fixed-point number that trigc compiles bit-exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bits:
    """A QKeras bit budget: ``bits`` in total, ``integer`` of them above the binary point
    (excluding the sign bit of signed quantizers)."""

    bits: int
    integer: int = 0

    def __post_init__(self) -> None:
        if self.bits < 2:
            raise ValueError(f"Bits({self.bits}, {self.integer}): at least 2 bits are needed")
        if self.integer > self.bits:
            raise ValueError(
                f"Bits({self.bits}, {self.integer}): more integer bits than bits in total"
            )

    def weight_quantizer(self) -> Any:
        """``quantized_bits(bits, integer, alpha=1)``, for weights, biases and the input."""
        from qkeras import quantized_bits

        return quantized_bits(self.bits, self.integer, alpha=1)

    def relu_quantizer(self) -> Any:
        """``quantized_relu(bits, integer)``, for hidden activations."""
        from qkeras import quantized_relu

        return quantized_relu(self.bits, self.integer)


DEFAULT_INPUT_BITS = Bits(14, 4)
"""Input quantizer for standardized features: ±16 in steps of 2⁻⁹.  With 6-bit weights the
first layer's exact sums stay within float32's 24 significant bits, so Keras itself computes
the model exactly."""


@dataclass(frozen=True)
class LayerQuant:
    """Bits of one dense layer: kernel, bias, and the activation after it (``None``: no
    activation, e.g. the logits of the last layer)."""

    weight: Bits = Bits(6, 0)
    bias: Bits = Bits(6, 0)
    activation: Bits | None = Bits(6, 0)


DEFAULT_LAYER_QUANT = LayerQuant()


@dataclass(frozen=True)
class QuantSpec:
    """A quantized multilayer perceptron: ``n_inputs`` → ``layer_sizes`` (the last one is the
    output layer, without activation).

    ``layers`` is one :class:`LayerQuant` for every layer, or one per layer.  ``input`` is the
    input quantizer (``None`` leaves the input type to the compiler, ``fixed<16,6>`` by
    default).  ``output`` optionally requantizes the logits with ``quantized_bits``.
    """

    n_inputs: int
    layer_sizes: tuple[int, ...]
    layers: LayerQuant | tuple[LayerQuant, ...] = LayerQuant()
    input: Bits | None = DEFAULT_INPUT_BITS
    output: Bits | None = None
    name: str = "qmodel"
    kernel_initializer: str = "lecun_uniform"

    def layer_quant(self) -> tuple[LayerQuant, ...]:
        """One :class:`LayerQuant` per layer, the last one without activation."""
        n = len(self.layer_sizes)
        if isinstance(self.layers, LayerQuant):
            per_layer = (self.layers,) * n
        else:
            per_layer = tuple(self.layers)
            if len(per_layer) != n:
                raise ValueError(
                    f"QuantSpec {self.name!r}: {len(per_layer)} LayerQuant for "
                    f"{n} layers; give one per layer or a single one for all"
                )
        last = per_layer[-1]
        return (*per_layer[:-1], LayerQuant(last.weight, last.bias, None))


def build_qmodel(spec: QuantSpec, seed: int | None = None) -> Any:
    """An untrained QKeras ``keras.Sequential`` built from ``spec``.

    Layers are named ``input_quant``, ``fc1``, ``relu1``, …, ``output`` (and ``output_quant``
    with ``spec.output``), which is how trigc's reports will name them.
    """
    import keras
    from qkeras import QActivation, QDense

    if seed is not None:
        keras.utils.set_random_seed(seed)
    if not spec.layer_sizes:
        raise ValueError(f"QuantSpec {spec.name!r}: layer_sizes is empty")
    layers: list[Any] = [keras.Input((spec.n_inputs,), name="features")]
    if spec.input is not None:
        layers.append(QActivation(spec.input.weight_quantizer(), name="input_quant"))
    quants = spec.layer_quant()
    for k, (size, quant) in enumerate(zip(spec.layer_sizes, quants, strict=True), start=1):
        last = k == len(spec.layer_sizes)
        layers.append(
            QDense(
                size,
                name="output" if last else f"fc{k}",
                kernel_quantizer=quant.weight.weight_quantizer(),
                bias_quantizer=quant.bias.weight_quantizer(),
                kernel_initializer=spec.kernel_initializer,
            )
        )
        if quant.activation is not None:
            layers.append(QActivation(quant.activation.relu_quantizer(), name=f"relu{k}"))
    if spec.output is not None:
        layers.append(QActivation(spec.output.weight_quantizer(), name="output_quant"))
    return keras.Sequential(layers, name=spec.name)


def uniform_spec(
    n_inputs: int,
    layer_sizes: Sequence[int],
    bits: int,
    integer: int = 0,
    input_bits: Bits | None = DEFAULT_INPUT_BITS,
    name: str = "qmodel",
) -> QuantSpec:
    """The common case: the same ``bits`` for every weight, bias and activation."""
    b = Bits(bits, integer)
    return QuantSpec(n_inputs, tuple(layer_sizes), LayerQuant(b, b, b), input_bits, name=name)
