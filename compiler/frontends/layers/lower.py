"""Layer records -> IR nodes, in topological order (:func:`lower_layers`).

Here lives the one rule for float parts of a model: with a precision configuration
(:mod:`..config.precision`), float weights are cast to its ``weight``/``bias`` types as an
``ap_fixed`` assignment from a double would (the type's rounding and overflow modes), float
layer outputs are cast to its ``result`` type, and a batch normalization right after a float
dense layer is folded into it in float first (as hls4ml does).  Without one, float values must
be exact fixed-point numbers.  Each record type has one lowering step in :data:`STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ...ir.fixed import FixedType
from ...ir.graph import Const, Graph, Node
from ..config.precision import PrecisionConfig
from .builder import DEFAULT_INPUT_TYPE, FALLBACK_TYPE, FrontendOptions, GraphBuilder
from .quantizers import ActivationSpec, exact_mantissas
from .records import (
    ActivationLayer,
    BatchNormLayer,
    ConvLayer,
    DenseLayer,
    Layer,
    Weights,
    cast_float,
)
from .tensor import (
    MergeLayer,
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

# What --allow-inexact rounds an inexact batch-norm scale/shift to.
BN_FALLBACK_TYPE = FixedType(18, 8, True, "RND_CONV")


class Lowering:
    """Lowers the records that need the precision rule (dense, conv, batch norm, functions)."""

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


@dataclass(frozen=True)
class Place:
    """Where a record is lowered: its index, the nodes it reads, the record that alone reads
    it (or None), the whole list and the wiring, and the convolutions' folded paddings."""

    index: int
    srcs: list[Node]
    nxt: Layer | None
    layers: list[Layer]
    wiring: Wiring | None
    pads: dict[str, PadLayer]


@dataclass(frozen=True)
class Stepped:
    """What a step did: the records it consumed and the node the last of them produced."""

    consumed: int
    output: Node


Step = Callable[[Lowering, Any, Place], Stepped]


def _pad(low: Lowering, layer: PadLayer, at: Place) -> Stepped:
    if layer.name in {pad.name for pad in at.pads.values()}:  # the convolution pads
        return Stepped(1, at.srcs[0])
    pairs = [[int(a), int(c)] for a, c in layer.pads]  # zeros in the tensor itself
    return _rearrange(low, RearrangeLayer(layer.name, layer.cls, "pad", (("pads", pairs),)), at)


def _rearrange(low: Lowering, layer: RearrangeLayer, at: Place) -> Stepped:
    lower_rearrange(low.b, layer)
    return Stepped(1, low.b.last)


def _merge(low: Lowering, layer: MergeLayer, at: Place) -> Stepped:
    lower_merge(low.b, layer, at.srcs)
    return Stepped(1, low.b.last)


def _reshape(low: Lowering, layer: ReshapeLayer, at: Place) -> Stepped:
    lower_reshape(low.b, layer)
    return Stepped(1, low.b.last)


def _pool(low: Lowering, layer: PoolLayer, at: Place) -> Stepped:
    lower_pool(low.b, layer)
    return Stepped(1, low.b.last)


def _conv(low: Lowering, layer: ConvLayer, at: Place) -> Stepped:
    low.conv(layer, at.nxt, at.pads.get(layer.name))
    return Stepped(1, low.b.last)


def _dense(low: Lowering, layer: DenseLayer, at: Place) -> Stepped:
    cfg, nxt = low.cfg, at.nxt
    fold = (
        cfg is not None
        and cfg.precision(layer.name, "weight") is not None
        and isinstance(nxt, BatchNormLayer)
        and not layer.kernel.quantized
        and (layer.activation is None or layer.activation.kind == "identity")
    )
    if not fold:
        low.dense(layer, None, nxt)
        return Stepped(1, low.b.last)
    i, layers = at.index, at.layers
    after = (
        at.wiring.successor(i + 1, layers)
        if at.wiring is not None
        else (layers[i + 2] if i + 2 < len(layers) else None)
    )
    low.dense(layer, nxt, after)  # type: ignore[arg-type]
    return Stepped(2, low.b.last)


def _batchnorm(low: Lowering, layer: BatchNormLayer, at: Place) -> Stepped:
    low.batchnorm(layer, at.nxt)
    return Stepped(1, low.b.last)


def _activation(low: Lowering, layer: ActivationLayer, at: Place) -> Stepped:
    if layer.spec.kind == "function":
        low.function(layer.spec, layer.name, layer.name, layer.name)
    else:
        low.b.activation(layer.spec, layer.name, layer.name)
    return Stepped(1, low.b.last)


STEPS: dict[type, Step] = {
    PadLayer: _pad,
    RearrangeLayer: _rearrange,
    MergeLayer: _merge,
    ReshapeLayer: _reshape,
    PoolLayer: _pool,
    ConvLayer: _conv,
    DenseLayer: _dense,
    BatchNormLayer: _batchnorm,
    ActivationLayer: _activation,
}
"""Record type -> its lowering step."""


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
    low = Lowering(b, layers)
    pads = _pads_before_convolutions(layers, wiring)
    i = 0
    while i < len(layers):
        layer = layers[i]
        if wiring is None:  # a chain: each layer reads the one before
            srcs, nxt = [b.last], layers[i + 1] if i + 1 < len(layers) else None
        else:
            srcs = [produced[name] for name in wiring.inputs[i]]
            b.cursor, nxt = srcs[0], wiring.successor(i, layers)
        step = STEPS[type(layer)](low, layer, Place(i, srcs, nxt, layers, wiring, pads))
        for done in layers[i : i + step.consumed]:
            produced[done.name] = step.output
        i += step.consumed
    outs = [produced[name] for name in wiring.outputs] if wiring is not None else [b.last]
    names = tuple(out.output.name for out in outs)
    if len(set(names)) != len(names):
        raise UnsupportedModelError(f"model {model_name!r}: two outputs are the same tensor")
    graph = Graph(b.model_name, tuple(b.nodes), names)
    return graph, sorted(set(low.approximated) | set(b.approximated))
