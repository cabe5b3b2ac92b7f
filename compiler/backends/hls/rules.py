"""The hls backend's per-op rules: how each IR op becomes an hls4ml layer.

An :class:`HlsRule` gives the layer's fields and precisions (``translate``), its per-layer
configuration (``config``) and the check that refuses what hls4ml cannot express
(``check``); :data:`RULES` holds one per op, and :func:`~trigc.compiler.backends.hls.hls4ml_layers`
applies them node by node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import TrigcError
from ...ir.fixed import FixedType, smallest_type
from ...ir.graph import Graph, Node
from ...ir.ops import get_op
from ...ir.ops.base import Interval
from ...ir.ops.core import DenseOp

# (function, input range) of the lookup tables hls4ml's activations compute themselves.
LUT_FUNCTIONS = {("sigmoid", 16), ("tanh", 8)}

LayerFields = tuple[dict[str, Any], dict[str, str]]  # hls4ml layer keys, precisions


def _dense(node: Node, in_type: FixedType) -> LayerFields:
    weight, bias = node.consts["weight"], node.consts["bias"]
    n_in, n_out = weight.values.shape
    fields = {"class_name": "Dense", "n_in": n_in, "n_out": n_out}
    fields |= {"weight_data": weight.as_float(), "bias_data": bias.as_float()}
    precision = {
        "weight": weight.type.to_hls(),
        "bias": bias.type.to_hls(),
        "accum": dense_accumulator_type(node, in_type).to_hls(),
    }
    return fields, precision


def _relu(node: Node, in_type: FixedType) -> LayerFields:
    return {"class_name": "Activation", "activation": "relu"}, {}


def _requantize(node: Node, in_type: FixedType) -> LayerFields:
    if node.output.elements is not None:
        return _per_element_quantizer(node), {}
    # hls4ml's EliminateLinearActivation keeps a linear activation only if the type changes:
    # hls4ml_layers() has already dropped the casts that cannot change a value.
    return {"class_name": "Activation", "activation": "linear"}, {}


def _per_element_quantizer(node: Node) -> dict[str, Any]:
    """hls4ml's own layer for HGQ's per-element quantizers (``FixedPointQuantizer``, as its
    proxy-model reader makes it): a generated function casting every element to its
    ``ap_fixed<b, i, RND, SAT>`` (0 for 0 bits), assigned to the container type."""
    e = node.output.elements
    assert e is not None
    kbi = (e.signed.astype(np.int64)[None], e.width[None], e.integer[None])
    return {
        "class_name": "FixedPointQuantizer",
        "mask_kbi": kbi,
        "RND": e.rounding,
        "SAT": e.overflow,
        "fusible": False,
        "overrides": {},
    }


def _scale_shift(node: Node, in_type: FixedType) -> LayerFields:
    # Given scale/bias directly, hls4ml computes ``x * scale + bias`` in full ap_fixed precision.
    # The IR's per-channel constants, repeated over the flat array's leading rows.
    scale, shift = node.consts["scale"], node.consts["shift"]
    rows = node.output.size // scale.values.size
    fields = {"class_name": "BatchNormalization", "n_in": node.output.size, "n_filt": -1}
    fields |= {"scale_data": np.tile(scale.as_float(), rows)}
    fields |= {"bias_data": np.tile(shift.as_float(), rows)}
    return fields, {"scale": scale.type.to_hls(), "bias": shift.type.to_hls()}


def _merge(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::add/subtract/multiply compute in ap_fixed's full-precision result type and cast
    # once to the output type, as the IR does.
    return {"class_name": "Merge", "op": node.op}, {}


def _concatenate(node: Node, in_type: FixedType) -> LayerFields:
    # hls4ml's concatenate1d/2d/3d on the tensors' own shapes; its axis counts the batch.
    rank = len(node.output.shape)
    axis = int(node.attrs.get("axis", rank - 1)) % rank
    return {"class_name": "Concatenate", "op": f"concatenate{rank}d", "axis": axis + 1}, {}


def rearrange_fields(node: Node) -> dict[str, Any]:
    """The hls4ml layer of a ``rearrange``: Transpose, ZeroPadding1D/2D, Cropping1D/2D or
    UpSampling1D/2D (hls4ml's nearest Resize), channels last."""
    a, out = node.attrs, node.output.shape
    in_shape = tuple(a["in_shape"])
    kind = a["kind"]
    if kind == "transpose":
        return {"class_name": "Transpose", "perm": [int(p) for p in a["perm"]]}
    dims = len(in_shape) - 1
    fields: dict[str, Any] = {"data_format": "channels_last", "n_chan": in_shape[-1]}
    axes = ("width",) if dims == 1 else ("height", "width")
    for i, axis in enumerate(axes):
        fields |= {f"in_{axis}": in_shape[i], f"out_{axis}": out[i]}
    sides = {"width": ("left", "right"), "height": ("top", "bottom")}
    if kind in ("pad", "crop"):
        key = "pad" if kind == "pad" else "crop"
        for i, axis in enumerate(axes):
            before, after = sides[axis]
            amounts = a[f"{kind}s"][i]
            fields |= {f"{key}_{before}": int(amounts[0]), f"{key}_{after}": int(amounts[1])}
        cls = "ZeroPadding" if kind == "pad" else "Cropping"
        return {"class_name": f"{cls}{dims}D", **fields}
    if dims == 1:
        fields |= {"in_height": 1, "out_height": 1}
    for i, axis in enumerate(axes):
        fields[f"{axis}_factor"] = int(a["factors"][i])
    return {"class_name": f"UpSampling{dims}D", "algorithm": "nearest", **fields}


def _check_rearrange(graph: Graph, node: Node, where: str) -> None:
    rank = len(node.attrs["in_shape"])
    if node.attrs["kind"] != "transpose" and rank not in (2, 3):
        raise TrigcError(f"{where}: hls4ml pads, crops and upsamples 1-D and 2-D feature maps")
    if node.attrs["kind"] == "transpose" and rank not in (2, 3):
        raise TrigcError(f"{where}: hls4ml transposes tensors of 2 or 3 axes")
    if node.attrs["kind"] == "transpose" and _flattened_into_dense(graph, node):
        raise TrigcError(
            f"{where}: a transpose flattened into a dense layer: hls4ml's optimizer "
            "(RemoveTransposeBeforeFlatten) would drop it and reorder the dense weights as if "
            "it undid a channels-first conversion, which this one does not; put another layer "
            "between the Permute and the Flatten, or use the rtl backend"
        )


def _flattened_into_dense(graph: Graph, node: Node) -> bool:
    for reader in graph.consumers(node.output.name):
        if reader.op == "reshape" and len(reader.output.shape) == 1:
            if any(n.op == "dense" for n in graph.consumers(reader.output.name)):
                return True
    return False


def _window_fields(node: Node, in_shape: tuple[int, ...], prefix: str) -> dict[str, Any]:
    """hls4ml's geometry keys of a 1-D or 2-D window (``prefix``: ``filt``/``pool``)."""
    a, out = node.attrs, node.output.shape
    axes = ("width",) if len(in_shape) == 2 else ("height", "width")
    sides = {"width": ("left", "right"), "height": ("top", "bottom")}
    fields: dict[str, Any] = {"data_format": "channels_last"}
    for i, axis in enumerate(axes):
        fields |= {f"in_{axis}": in_shape[i], f"out_{axis}": out[i]}
        fields |= {f"{prefix}_{axis}": a["kernel"][i], f"stride_{axis}": a["strides"][i]}
        before, after = sides[axis]
        fields |= {f"pad_{before}": a["pads"][i][0], f"pad_{after}": a["pads"][i][1]}
    return fields


def _conv(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::conv_{1,2}d_latency_cl: a dense product per output pixel with the same exact,
    # wrapping accumulator as _dense, then one cast to the output type.
    weight, bias = node.consts["weight"], node.consts["bias"]
    in_shape = tuple(node.attrs["in_shape"])
    fields = {"class_name": f"Conv{len(in_shape) - 1}D", **_window_fields(node, in_shape, "filt")}
    fields |= {"n_chan": in_shape[-1], "n_filt": node.output.shape[-1]}
    fields |= {"weight_data": weight.as_float(), "bias_data": bias.as_float()}
    precision = {
        "weight": weight.type.to_hls(),
        "bias": bias.type.to_hls(),
        "accum": exact_accumulator_type(node, in_type).to_hls(),
    }
    return fields, precision


def _conv_config(node: Node) -> dict[str, Any]:
    # Every output pixel computed in parallel: the fully unrolled io_parallel convolution.
    return {"ParallelizationFactor": int(np.prod(node.output.shape[:-1]))}


def _pool(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::pooling{1,2}d_cl: max selects an element (its accumulator is the input type);
    # average sums into accum_t and divides by the window size, a power of two (ops_conv),
    # which is exact when accum_t has log2(size) more fractional bits than the input.
    in_shape = tuple(node.attrs["in_shape"])
    kind = "Max" if node.op == "max_pool" else "Average"
    fields = {"class_name": f"{kind}Pooling{len(in_shape) - 1}D"}
    fields |= _window_fields(node, in_shape, "pool")
    if len(in_shape) == 2:  # hls4ml names the 1-D sizes n_in / n_out
        fields["n_in"], fields["n_out"] = fields.pop("in_width"), fields.pop("out_width")
    fields |= {"n_filt": in_shape[-1], "count_pad": False}
    if node.op == "max_pool":
        return fields, {"accum": in_type.to_hls()}
    mean = exact_accumulator_type(node, in_type)  # the mean, with k more fractional bits
    k = mean.frac - in_type.frac  # the sum needs k more integer bits as well
    accum = FixedType(mean.width + k, mean.integer + k, True, overflow="WRAP")
    return fields, {"accum": accum.to_hls()}


def _leaky_relu(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::leaky_relu: x > 0 ? x : alpha * x, the full-precision product cast once; alpha
    # = 2**-shift is exact in the one-bit type ap_ufixed<1, 1 - shift>.
    k = node.attrs["shift"]
    fields = {"class_name": "LeakyReLU", "activation": "leaky_relu", "activ_param": 2.0**-k}
    return fields, {"param": FixedType(1, 1 - k, False).to_hls()}


def _binary(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::binary_tanh: x >= 0 ? 1 : -1.
    return {"class_name": "Activation", "activation": "binary_tanh"}, {}


def _relu_max(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::relu_max<..., MAX_INT> through relu1 / relu6: x < 0 ? 0 : x > M ? M : x, cast once.
    return {"class_name": "Activation", "activation": f"relu{node.attrs['max_value']}"}, {}


def _argmax(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::softmax_argmax: res = 0 everywhere, then 1 at the first strict maximum.
    return {"class_name": "Softmax", "activation": "softmax", "axis": -1}, {}


def _argmax_config(node: Node) -> dict[str, Any]:
    # The argmax implementation reads no table; a small one keeps hls4ml from warning.
    return {"Implementation": "argmax", "TableSize": 2}


def _lut(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::sigmoid / nnet::tanh fill their table with the same code trigc ran for the IR's
    # table (passes.hls4ml_tables); the table type and size are the node's.
    function = node.attrs["function"]
    table = node.consts["table"]
    return {"class_name": "Activation", "activation": function}, {"table": table.type.to_hls()}


def _softmax(node: Node, in_type: FixedType) -> LayerFields:
    # nnet::softmax_latency with the node's tables (hls4ml fills them with the same code trigc
    # ran) and types: an exact accumulator for the sum of the exponentials.
    exp_t, inv_t = node.consts["exp_table"], node.consts["inv_table"]
    n = node.output.shape[-1]
    extra = max(n - 1, 1).bit_length()
    accum = FixedType(exp_t.type.width + extra, exp_t.type.integer + extra)
    fields = {"class_name": "Softmax", "activation": "softmax", "axis": -1}
    fields |= {"exp_table_size": exp_t.values.shape[0], "inv_table_size": inv_t.values.shape[0]}
    precision = {
        "exp_table": exp_t.type.to_hls(),
        "inv_table": inv_t.type.to_hls(),
        "accum": accum.to_hls(),
        "inv_inp": FixedType.parse(node.attrs["sum_type"]).to_hls(),
    }
    return fields, precision


def _softmax_config(node: Node) -> dict[str, Any]:
    return {"Implementation": "latency"}


def _lut_config(node: Node) -> dict[str, Any]:
    return {"TableSize": int(node.consts["table"].values.shape[0])}


# -- per-op checks: what hls4ml cannot express on the flat arrays of io_parallel --------------
Check = Callable[[Graph, Node, str], None]


def _shape_of_input(graph: Graph, node: Node) -> tuple[int, ...]:
    return graph.tensor(node.inputs[0]).shape


def _check_dense(graph: Graph, node: Node, where: str) -> None:
    shape = _shape_of_input(graph, node)
    if int(np.prod(shape[:-1], dtype=np.int64)) != 1:
        raise TrigcError(
            f"{where}: the hls backend applies dense layers to 1-D tensors only, got input "
            f"shape {shape}; flatten before the dense layer."
        )


def _check_binary(graph: Graph, node: Node, where: str) -> None:
    if graph.node(node.inputs[0]).op == "scale_shift":
        raise TrigcError(
            f"{where}: hls4ml fuses a batch normalization followed by a binary activation "
            "into thresholds of its own rounding; put a quantizer between them or use the rtl "
            "backend"
        )


def _check_lut(graph: Graph, node: Node, where: str) -> None:
    if (node.attrs["function"], node.attrs["range"]) not in LUT_FUNCTIONS:
        raise TrigcError(
            f"{where}: the hls backend has lookup tables for {sorted(LUT_FUNCTIONS)} only"
        )


def _check_softmax(graph: Graph, node: Node, where: str) -> None:
    shape = _shape_of_input(graph, node)
    if len(shape) != 1 or node.attrs["input_width"] != graph.tensor(node.inputs[0]).type.width:
        raise TrigcError(
            f"{where}: the hls backend computes softmax on 1-D tensors whose type is "
            f"input_width={node.attrs['input_width']} bits wide"
        )


def _check_argmax(graph: Graph, node: Node, where: str) -> None:
    if len(_shape_of_input(graph, node)) != 1:
        raise TrigcError(f"{where}: the hls backend takes the argmax of 1-D tensors only")


def _check_relu_max(graph: Graph, node: Node, where: str) -> None:
    if node.attrs["max_value"] not in (1, 6):
        raise TrigcError(
            f"{where}: hls4ml has ReLU with a maximum of 1 or 6 only (relu1, relu6), got "
            f"{node.attrs['max_value']}; use the rtl backend"
        )


def _check_concatenate(graph: Graph, node: Node, where: str) -> None:
    shape = _shape_of_input(graph, node)
    if len(shape) > 3:
        raise TrigcError(
            f"{where}: hls4ml concatenates tensors of at most 3 axes, got shape {shape}"
        )


@dataclass(frozen=True)
class HlsRule:
    """How one IR op becomes an hls4ml layer: its layer fields and precisions, its per-layer
    configuration, and the check that refuses what hls4ml cannot express."""

    translate: Callable[[Node, FixedType], LayerFields]
    config: Callable[[Node], dict[str, Any]] | None = None
    check: Check | None = None


RULES: dict[str, HlsRule] = {
    "dense": HlsRule(_dense, check=_check_dense),
    "relu": HlsRule(_relu),
    "requantize": HlsRule(_requantize),
    "reshape": HlsRule(_requantize),
    "scale_shift": HlsRule(_scale_shift),
    "add": HlsRule(_merge),
    "subtract": HlsRule(_merge),
    "multiply": HlsRule(_merge),
    "concatenate": HlsRule(_concatenate, check=_check_concatenate),
    "rearrange": HlsRule(_requantize, check=_check_rearrange),  # hls.py adds the data layer
    "conv": HlsRule(_conv, config=_conv_config),
    "max_pool": HlsRule(_pool),
    "avg_pool": HlsRule(_pool),
    "leaky_relu": HlsRule(_leaky_relu),
    "binary": HlsRule(_binary, check=_check_binary),
    "relu_max": HlsRule(_relu_max, check=_check_relu_max),
    "argmax": HlsRule(_argmax, config=_argmax_config, check=_check_argmax),
    "lut": HlsRule(_lut, config=_lut_config, check=_check_lut),
    "softmax": HlsRule(_softmax, config=_softmax_config, check=_check_softmax),
}


def dense_accumulator_type(node: Node, in_type: FixedType) -> FixedType:
    """The signed ``WRAP`` type that holds every exact sum of ``node`` for inputs of ``in_type``.

    Its fractional bits are ``max(x.frac + w.frac, b.frac)``, so neither a product nor the bias
    loses a bit; its width comes from the exact interval of the final sums.  Because it wraps,
    hls4ml's per-product and partial-sum assignments are exact modulo ``2**width``, and so the
    final sum, which fits, is exact.
    """
    n_in = node.consts["weight"].values.shape[0]
    exact = DenseOp().exact_range(node, [Interval.of_type(in_type, (n_in,))])
    return smallest_type(min(exact.min, -1), exact.max, exact.frac)


def exact_accumulator_type(node: Node, in_type: FixedType) -> FixedType:
    """The signed ``WRAP`` type that holds every exact result of ``node`` (before its cast)
    for inputs of ``in_type``: the accumulator of a convolution or an average pooling."""
    in_shape = tuple(node.attrs["in_shape"])
    exact = get_op(node.op).exact_range(node, [Interval.of_type(in_type, in_shape)])
    return smallest_type(min(exact.min, -1), exact.max, exact.frac)
