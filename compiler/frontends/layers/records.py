"""A frontend-neutral list of layers, and its lowering to IR.

The Keras 3, legacy Keras 2 and ONNX frontends read their models into :class:`DenseLayer`,
:class:`BatchNormLayer` and :class:`ActivationLayer` records (float64 values, already passed
through any weight quantizer), and :func:`lower_layers` turns that chain into IR nodes.  Here
lives the one rule for float parts of a model: with a precision configuration
(:mod:`.precision_config`), float weights are cast to its ``weight``/``bias`` types as an
``ap_fixed`` assignment from a double would (the type's rounding and overflow modes), float
layer outputs are cast to its ``result`` type, and a batch normalization right after a float
dense layer is folded into it in float first (as hls4ml does).  Without one, float values must
be exact fixed-point numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ...ir.fixed import FixedType, cast
from ...ir.graph import Const, Graph
from ..config.precision import PrecisionConfig
from .builder import DEFAULT_INPUT_TYPE, FALLBACK_TYPE, FrontendOptions, GraphBuilder
from .quantizers import ActivationSpec, exact_mantissas
from .tensor import (
    MergeLayer,
    Padding,
    PadLayer,
    PoolLayer,
    RearrangeLayer,
    ReshapeLayer,
    conv_node,
    lower_merge,
    lower_pool,
    lower_rearrange,
    lower_reshape,
    padded,
)

# Extra fractional bits kept before rounding a float64 to a type: enough for every tie.
_GUARD_BITS = 64
# What --allow-inexact rounds an inexact batch-norm scale/shift to.
BN_FALLBACK_TYPE = FixedType(18, 8, True, "RND_CONV")


@dataclass(frozen=True)
class Weights:
    """Constant values; ``quantized`` when a quantizer in the model produced them."""

    values: np.ndarray
    quantized: bool = False
    nominal: FixedType | None = None


@dataclass(frozen=True)
class DenseLayer:
    name: str
    cls: str
    kernel: Weights  # (n_in, n_out)
    bias: Weights  # (n_out,)
    activation: ActivationSpec | None = None
    activation_quantized: bool = False


def batchnorm_affine(gamma, beta, mean, var, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """Inference-time batch normalization as ``x * scale + shift``: ``scale = gamma /
    sqrt(var + epsilon)``, ``shift = beta - mean * scale`` (float64).  The one place trigc
    writes the formula (frontends, and QAT's conversion of trained models)."""
    gamma, beta, mean, var = (np.asarray(v, np.float64) for v in (gamma, beta, mean, var))
    scale = gamma / np.sqrt(var + float(epsilon))
    return scale, beta - mean * scale


@dataclass(frozen=True)
class BatchNormLayer:
    """``y = x * scale + shift`` per channel (inference-time batch normalization)."""

    name: str
    cls: str
    scale: np.ndarray
    shift: np.ndarray

    @classmethod
    def from_statistics(
        cls, name: str, class_name: str, gamma, beta, mean, var, epsilon: float, where: str
    ) -> BatchNormLayer:
        """``scale = gamma / sqrt(var + epsilon)``, ``shift = beta - mean * scale``; refuses a
        channel whose variance plus epsilon is not positive (a division by zero)."""
        gamma, beta, mean, var = (np.asarray(v, np.float64) for v in (gamma, beta, mean, var))
        denominator = var + float(epsilon)
        bad = ~(denominator > 0) | ~np.isfinite(denominator)
        if bad.any():
            k = int(np.argwhere(bad.reshape(-1))[0][0])
            raise UnsupportedModelError(
                f"{where}: moving variance + epsilon is {float(denominator.reshape(-1)[k])!r} "
                f"for channel {k} (of {denominator.size}), so gamma/sqrt(variance + epsilon) "
                "divides by zero; give the layer a positive epsilon or retrain it"
            )
        return cls(name, class_name, *batchnorm_affine(gamma, beta, mean, var, epsilon))


@dataclass(frozen=True)
class ActivationLayer:
    name: str
    cls: str
    spec: ActivationSpec
    quantized: bool = False


@dataclass(frozen=True)
class ConvLayer:
    """Conv1D / Conv2D: Keras kernel ``(*window, c_in, c_out)``, channels last."""

    name: str
    cls: str
    kernel: Weights
    bias: Weights
    strides: tuple[int, ...]
    padding: Padding  # 'valid', 'same' or explicit (before, after) per spatial axis
    activation: ActivationSpec | None = None
    activation_quantized: bool = False


Layer = (
    DenseLayer
    | BatchNormLayer
    | ActivationLayer
    | ConvLayer
    | ReshapeLayer
    | MergeLayer
    | PoolLayer
    | PadLayer
    | RearrangeLayer
)


def cast_float(values: np.ndarray, t: FixedType, where: str) -> np.ndarray:
    """Float64 values → mantissas of ``t``, rounded and saturated/wrapped as ``ap_fixed``
    assignment from a double does."""
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise InexactError(f"{where}: contains NaN or infinite values")
    frac = t.frac + _GUARD_BITS
    # Scaling by a power of two is exact in float64, and so is floor; int() of it too.
    scaled = np.floor(np.ldexp(v, frac))
    if not np.all(np.isfinite(scaled)):
        raise InexactError(f"{where}: values too large for {t}")
    fine = np.array([int(x) for x in scaled.reshape(-1)], dtype=object).reshape(v.shape)
    bits = max((int(abs(x)).bit_length() for x in fine.reshape(-1)), default=1) + 2
    return cast(fine, FixedType(bits, bits - frac), t)


class _Lowering:
    def __init__(self, b: GraphBuilder, layers: list[Layer]) -> None:
        self.b = b
        self.cfg = b.options.precision
        self.approximated: list[str] = []
        self.classes = {layer.name: layer.cls for layer in layers}

    def config_type(self, layer: str, role: str) -> FixedType | None:
        """The configuration's type for ``role`` of ``layer`` (by name, then by class)."""
        assert self.cfg is not None
        return self.cfg.precision(layer, role, self.classes.get(layer))

    def function(self, spec: ActivationSpec, name: str, origin: str, config_name: str) -> None:
        """A sigmoid/tanh/softmax whose result takes the configured precision, as in hls4ml."""
        if self.cfg is not None and spec.type is None:
            spec = replace(spec, type=self.config_type(config_name, "result"))
        self.b.activation(spec, name, origin)

    def const(
        self, w: Weights, layer: str, role: str, where: str, fallback: FixedType = FALLBACK_TYPE
    ) -> Const:
        opts = self.b.options
        target = self.config_type(layer, role) if self.cfg and not w.quantized else None
        if target is not None:
            self.approximated.append(layer)
            return Const(cast_float(w.values, target, where), target)
        ints, t = exact_mantissas(
            w.values, w.nominal, where, opts.allow_inexact, fallback, w.quantized
        )
        return Const(ints, t)

    def result_type(self, layer: str, float_output: bool, nxt: Layer | None) -> FixedType | None:
        """The config's result type for a float layer output, unless a quantizer follows."""
        if not (self.cfg and float_output):
            return None
        if isinstance(nxt, ActivationLayer) and nxt.quantized:
            return None
        t = self.config_type(layer, "result")
        if t is not None:
            self.approximated.append(layer)
        return t

    def dense(self, d: DenseLayer, bn: BatchNormLayer | None, nxt: Layer | None) -> None:
        kernel, bias, origin, result_name = d.kernel, d.bias, d.name, d.name
        if bn is not None:  # fold in float, before casting to the configured precision
            kernel = Weights(kernel.values * bn.scale[None, :])
            bias = Weights(bias.values * bn.scale + bn.shift)
            origin, result_name = f"{d.name} + {bn.name}", bn.name
        where = f"layer {d.name!r} ({d.cls})"
        consts = {
            "weight": self.const(kernel, d.name, "weight", f"{where} kernel"),
            "bias": self.const(bias, d.name, "bias", f"{where} bias"),
        }
        float_out = not d.kernel.quantized and not d.activation_quantized
        plain = d.activation is None or d.activation.kind == "identity"
        out_type = self.result_type(result_name, float_out, nxt if plain else None)
        shape = (*self.b.last.output.shape[:-1], kernel.values.shape[1])  # over the last axis
        self.b.add(d.name, "dense", shape, out_type, origin, consts)
        if d.activation is not None and d.activation.kind == "function":
            # hls4ml names a fused activation layer <layer>_<function>
            self.function(
                d.activation, f"{d.name}_act", d.name, f"{d.name}_{d.activation.function}"
            )
        elif d.activation is not None:
            self.b.activation(d.activation, f"{d.name}_act", d.name)

    def conv(self, c: ConvLayer, nxt: Layer | None, pad: PadLayer | None = None) -> None:
        where = f"layer {c.name!r} ({c.cls})"
        if pad is not None:
            in_shape = self.b.last.output.shape
            if len(pad.pads) != len(in_shape) - 1:
                raise UnsupportedModelError(
                    f"layer {pad.name!r} ({pad.cls}) pads {len(pad.pads)} axes of a tensor of "
                    f"shape {in_shape}"
                )
            kernel = c.kernel.values.shape[:-2]
            c = replace(c, padding=padded(c.padding, pad.pads, in_shape, kernel, c.strides))
        consts = {
            "weight": self.const(c.kernel, c.name, "weight", f"{where} kernel"),
            "bias": self.const(c.bias, c.name, "bias", f"{where} bias"),
        }
        float_out = not c.kernel.quantized and not c.activation_quantized
        plain = c.activation is None or c.activation.kind == "identity"
        out_type = self.result_type(c.name, float_out, nxt if plain else None)
        shape = c.kernel.values.shape
        conv_node(
            self.b, c.name, shape, c.strides, c.padding, out_type, consts, c.activation, where
        )

    def batchnorm(self, bn: BatchNormLayer, nxt: Layer | None) -> None:
        where = f"layer {bn.name!r} ({bn.cls})"
        scale, shift = Weights(bn.scale), Weights(bn.shift)
        if self.cfg is None:
            s, t = (
                self.const(w, bn.name, role, f"{where} {text}", BN_FALLBACK_TYPE)
                for w, role, text in (
                    (scale, "scale", "scale gamma/sqrt(var+eps)"),
                    (shift, "bias", "shift beta-mean*scale"),
                )
            )
            out_type = None
        else:
            s = self.const(scale, bn.name, "scale", f"{where} scale")
            t = self.const(shift, bn.name, "bias", f"{where} shift")
            out_type = self.result_type(bn.name, True, nxt)
        consts = {"scale": s, "shift": t}
        shape = self.b.last.output.shape
        self.b.add(bn.name, "scale_shift", shape, out_type, bn.name, consts)


@dataclass(frozen=True)
class Wiring:
    """Which layers each layer reads, for models that are not a plain chain."""

    inputs: tuple[tuple[str, ...], ...]
    output: str
    more_outputs: tuple[str, ...] = ()  # a model with several outputs: the others, in order

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.output, *self.more_outputs)

    def successor(self, k: int, layers: list[Layer]) -> Layer | None:
        """Layer ``k + 1`` if it is the only reader of layer ``k`` (and reads nothing else)."""
        if k + 1 >= len(layers):
            return None
        name = layers[k].name
        readers = [j for j, names in enumerate(self.inputs) if name in names]
        return layers[k + 1] if readers == [k + 1] and self.inputs[k + 1] == (name,) else None


def _pads_before_convolutions(layers: list[Layer], wiring: Wiring | None) -> dict[str, PadLayer]:
    """Convolution name → the zero padding it reads and folds into its own; a padding read
    by anything else (or by more than one layer) stays a tensor of its own."""
    sources = (
        wiring.inputs
        if wiring is not None
        else tuple((layers[k - 1].name,) if k else ("",) for k in range(len(layers)))
    )
    out = {}
    for layer in layers:
        if not isinstance(layer, PadLayer):
            continue
        readers = [layers[j] for j, names in enumerate(sources) if layer.name in names]
        if len(readers) == 1 and isinstance(readers[0], ConvLayer):
            out[readers[0].name] = layer
    return out


def is_float_model(layers: list[Layer]) -> bool:
    """Whether no quantizer of the model produced any of its weights or activations."""
    for layer in layers:
        if isinstance(layer, DenseLayer | ConvLayer):
            bias = layer.bias.quantized and np.any(layer.bias.values)  # not a missing bias
            if layer.kernel.quantized or bias or _quantizes(layer.activation):
                return False
        elif isinstance(layer, ActivationLayer) and (layer.quantized or _quantizes(layer.spec)):
            return False
    return True


def _quantizes(spec: ActivationSpec | None) -> bool:
    return spec is not None and (spec.type is not None or spec.kind == "binary")


def float_model_rule(name: str, layers: list[Layer], options: FrontendOptions) -> FrontendOptions:
    """The one rule for float models, in every frontend: without a precision configuration
    they take hls4ml's default (``fixed<16,6>`` for every weight, bias, result and the input),
    the approximation recorded; with ``strict`` they are refused instead.  Models with any
    quantizer are read exactly and refuse float parts that cannot be exact."""
    if options.precision is not None or not is_float_model(layers):
        return options
    if options.strict:
        raise InexactError(
            f"model {name!r} has no quantizer and no precision configuration, so its float "
            "weights and outputs would be cast to hls4ml's default fixed<16,6> and the firmware "
            "would approximate the model. Give the precisions with --config (hls4ml's "
            "Model/LayerName Precision), quantize the model, or drop --strict to accept"
            " the default."
        )
    return replace(options, precision=PrecisionConfig(source="hls4ml default (float model)"))


def lower_layers(
    model_name: str,
    in_shape: tuple[int, ...],
    input_name: str,
    layers: list[Layer],
    options: FrontendOptions,
    wiring: Wiring | None = None,
    more_inputs: tuple[tuple[str, tuple[int, ...]], ...] = (),
) -> tuple[Graph, list[str]]:
    """Lower layers in topological order to an (untyped) IR graph.

    Without ``wiring`` the layers form a chain.  With it, ``wiring.inputs[k]`` names the
    layers (or inputs) layer ``k`` reads and ``wiring.outputs`` the output layers.  A model
    with several inputs gives the others as ``more_inputs`` (name, shape), in order; its
    input nodes are then named after them (one input: ``model_input``).
    Returns the graph and the names of the layers whose float values or outputs were cast to
    the precision configuration (empty when the IR is exactly the model).
    """
    options = float_model_rule(model_name, layers, options)
    b = GraphBuilder(model_name, options)
    cfg = options.precision
    inputs = [(input_name, in_shape), *more_inputs]
    if len(inputs) > 1 and wiring is None:
        raise UnsupportedModelError(f"model {model_name!r}: several inputs need a wiring")
    produced = {}
    for name, shape in inputs:
        in_type = options.input_type or (cfg.precision(name, "result") if cfg else None)
        node_name = "model_input" if len(inputs) == 1 else name
        produced[name] = b.add_input(shape, in_type or DEFAULT_INPUT_TYPE, name, node_name)
    if wiring is not None:
        b.shared_inputs = {
            name for name, _ in inputs if sum(name in names for names in wiring.inputs) > 1
        }
    low = _Lowering(b, layers)
    pads = _pads_before_convolutions(layers, wiring)
    folded = {pad.name for pad in pads.values()}
    i = 0
    while i < len(layers):
        layer = layers[i]
        if wiring is None:  # a chain: each layer reads the one before
            srcs, nxt = [b.last], layers[i + 1] if i + 1 < len(layers) else None
        else:
            srcs = [produced[name] for name in wiring.inputs[i]]
            b.cursor, nxt = srcs[0], wiring.successor(i, layers)
        if isinstance(layer, PadLayer) and layer.name in folded:  # the convolution pads
            produced[layer.name] = srcs[0]
            i += 1
            continue
        if isinstance(layer, PadLayer):  # zeros in the tensor itself
            pairs = [[int(a), int(c)] for a, c in layer.pads]
            layer = RearrangeLayer(layer.name, layer.cls, "pad", (("pads", pairs),))
        if isinstance(layer, RearrangeLayer):
            lower_rearrange(b, layer)
            produced[layer.name] = b.last
            i += 1
            continue
        if isinstance(layer, MergeLayer):
            lower_merge(b, layer, srcs)
        elif isinstance(layer, ReshapeLayer):
            lower_reshape(b, layer)
        elif isinstance(layer, PoolLayer):
            lower_pool(b, layer)
        elif isinstance(layer, ConvLayer):
            low.conv(layer, nxt, pads.get(layer.name))
        elif isinstance(layer, DenseLayer):
            fold = (
                cfg is not None
                and cfg.precision(layer.name, "weight") is not None
                and isinstance(nxt, BatchNormLayer)
                and not layer.kernel.quantized
                and (layer.activation is None or layer.activation.kind == "identity")
            )
            if fold:
                after = (
                    wiring.successor(i + 1, layers)
                    if wiring is not None
                    else (layers[i + 2] if i + 2 < len(layers) else None)
                )
                low.dense(layer, nxt, after)  # type: ignore[arg-type]
                produced[layer.name] = produced[nxt.name] = b.last  # type: ignore[union-attr]
                i += 2
                continue
            low.dense(layer, None, nxt)
        elif isinstance(layer, BatchNormLayer):
            low.batchnorm(layer, nxt)
        elif layer.spec.kind == "function":
            low.function(layer.spec, layer.name, layer.name, layer.name)
        else:
            b.activation(layer.spec, layer.name, layer.name)
        produced[layer.name] = b.last
        i += 1
    outs = [produced[name] for name in wiring.outputs] if wiring is not None else [b.last]
    names = tuple(out.output.name for out in outs)
    if len(set(names)) != len(names):
        raise UnsupportedModelError(f"model {model_name!r}: two outputs are the same tensor")
    graph = Graph(b.model_name, tuple(b.nodes), names)
    return graph, sorted(set(low.approximated) | set(b.approximated))
