"""IR nodes -> hls4ml layer dicts with explicit precisions (one :class:`~.rules.HlsRule` per
op), and the checks of what hls4ml cannot express."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import TrigcError
from ...ir.fixed import FixedType
from ...ir.graph import Graph, Node
from .names import HlsNames
from .rules import RULES, rearrange_fields

# The C simulation bridge and hls4ml's weight files pass values through C doubles.
DOUBLE_MANTISSA_BITS = 53


@dataclass
class Lowered:
    """An IR graph as hls4ml sees it: layer dicts, per-layer config and the name mappings."""

    layers: list[dict[str, Any]] = field(default_factory=list)
    layer_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    # IR tensor name -> name of the hls4ml layer computing it (identity casts share one).
    layer_of: dict[str, str] = field(default_factory=dict)
    input_layers: list[str] = field(default_factory=list)
    output_layers: list[str] = field(default_factory=list)
    # IR tensor name -> traced layer, where it is not layer_of's (views share their source's).
    traced_by: dict[str, str] = field(default_factory=dict)
    # hls4ml layer name -> the model layers (IR node name and origin) it computes.
    origin_of: dict[str, tuple[str, str]] = field(default_factory=dict)


def hls4ml_layers(graph: Graph) -> Lowered:
    """Translate every IR node into an hls4ml layer dict with explicit precisions."""
    lowered = Lowered()
    names = HlsNames()
    for node in graph.nodes:
        _check_node(node)
        if node.op == "input":
            name = names.make(node.name)
            shape = list(node.output.shape)
            layer = {"class_name": "InputLayer", "name": name, "inputs": [], "input_shape": shape}
            lowered.input_layers.append(name)
            _add(lowered, node, layer, {"result": node.output.type.to_hls()})
            continue
        rule = RULES[node.op]
        if rule.check is not None:
            rule.check(graph, node, _where(node))
        srcs = [lowered.layer_of[name] for name in node.inputs]
        in_type = graph.tensor(node.inputs[0]).type
        if node.op == "scale_shift" and _is_unit_scale_shift(node):
            # hls4ml's RemoveNopBatchNormalization would delete it together with its cast.
            node_op = "requantize"
        elif node.op == "reshape":
            node_op = "requantize"  # the flat array stays; the cast is all that may remain
            if _needs_view(graph, node):
                srcs = [_add_view(lowered, names, node, srcs[0], in_type)]
        elif node.op == "rearrange":  # hls4ml's layer keeps the input type; then the cast
            srcs = [_add_rearrange(lowered, names, node, srcs[0], in_type)]
            node_op = "requantize"
        else:
            node_op = node.op
        same = _same_format(in_type, node.output.type) and node.output.elements is None
        if node_op == "requantize" and same:
            lowered.layer_of[node.output.name] = srcs[0]  # a cast that cannot change any value
            continue
        rule = RULES[node_op]
        fields, precision = rule.translate(node, in_type)
        layer = {"name": names.make(node.name), "inputs": srcs, **fields}
        config = rule.config(node) if rule.config is not None else {}
        _add(lowered, node, layer, {"result": node.output.type.to_hls(), **precision}, config)
    lowered.output_layers = _output_layers(graph, lowered)
    return lowered


def _needs_view(graph: Graph, node: Node) -> bool:
    """Whether a reshape must be an hls4ml ``Reshape``: layers after it read their input's
    shape (a graph output keeps the flat array, hls4ml would drop a final ``Reshape``)."""
    return (
        node.output.shape != graph.tensor(node.inputs[0]).shape
        and node.output.name not in graph.outputs
    )


def _add_view(lowered: Lowered, names: HlsNames, node: Node, src: str, in_type: FixedType) -> str:
    """An hls4ml ``Reshape`` of ``src``: in io_parallel a view of the same array and type."""
    name = names.make(f"{node.name}_view")
    shape = list(node.output.shape)
    lowered.layers.append(
        {"class_name": "Reshape", "name": name, "inputs": [src], "target_shape": shape}
    )
    lowered.layer_config[name] = {"Precision": {"result": in_type.to_hls()}}
    lowered.layer_of[node.output.name] = name
    lowered.traced_by[node.output.name] = src  # the same values, traced by the source layer
    return name


def _add_rearrange(
    lowered: Lowered, names: HlsNames, node: Node, src: str, in_type: FixedType
) -> str:
    """The hls4ml layer moving the data (its output has the input's type); a cast to the
    node's type follows only where the two differ."""
    same = _same_format(in_type, node.output.type)
    name = names.make(node.name if same else f"{node.name}_move")
    lowered.layers.append({"name": name, "inputs": [src], **rearrange_fields(node)})
    lowered.layer_config[name] = {"Precision": {"result": in_type.to_hls()}, "Trace": True}
    lowered.layer_of[node.output.name] = name
    lowered.traced_by.pop(node.output.name, None)
    lowered.origin_of[name] = (node.name, node.origin)
    return name


def _add(
    lowered: Lowered,
    node: Node,
    layer: dict[str, Any],
    precision: dict[str, str],
    extra: dict[str, Any] | None = None,
) -> None:
    lowered.layers.append(layer)
    config: dict[str, Any] = {"Precision": precision, **(extra or {})}
    if node.op != "input":
        config["Trace"] = True
    lowered.layer_config[layer["name"]] = config
    lowered.layer_of[node.output.name] = layer["name"]
    lowered.traced_by.pop(node.output.name, None)
    lowered.origin_of[layer["name"]] = (node.name, node.origin)


def _where(node: Node) -> str:
    return f"node {node.name!r} (op {node.op!r}, from {node.origin or 'unknown origin'})"


def _check_node(node: Node) -> None:
    """Raise :class:`TrigcError` for what this backend cannot express."""
    where = _where(node)
    if node.op != "input" and node.op not in RULES:
        raise TrigcError(
            f"{where}: the hls backend cannot express this op; it supports input, "
            f"{', '.join(RULES)}. Lower it in a pass first or use another backend."
        )
    for cname, const in node.consts.items():
        values = np.asarray(const.values).astype(object)
        if values.size == 0:
            continue
        lo, hi = int(values.min()), int(values.max())
        if lo < const.type.min_int or hi > const.type.max_int:
            raise TrigcError(f"{where}: constant {cname!r} has mantissas outside {const.type}")
        if max(abs(lo), abs(hi)) > 1 << DOUBLE_MANTISSA_BITS:
            raise TrigcError(
                f"{where}: constant {cname!r} needs more than {DOUBLE_MANTISSA_BITS} significant "
                "bits; hls4ml writes weights as decimal numbers read through a C double."
            )


def _is_unit_scale_shift(node: Node) -> bool:
    scale, shift = node.consts["scale"], node.consts["shift"]
    return bool(np.all(scale.as_float() == 1.0) and np.all(shift.as_float() == 0.0))


def _same_format(a: FixedType, b: FixedType) -> bool:
    """Whether a cast from ``a`` to ``b`` keeps every value (modes then never act)."""
    return (a.width, a.integer, a.signed) == (b.width, b.integer, b.signed)


def _output_layers(graph: Graph, lowered: Lowered) -> list[str]:
    outputs = [lowered.layer_of[name] for name in graph.outputs]
    for name, layer in zip(graph.outputs, outputs, strict=True):
        if layer in lowered.input_layers:
            raise TrigcError(
                f"graph output {name!r} is the model input {layer!r} (at most an identity cast): "
                "an hls4ml top function cannot return its own input."
            )
    if len(set(outputs)) != len(outputs):
        raise TrigcError(
            f"graph outputs {list(graph.outputs)} are computed by the same hls4ml layers "
            f"{outputs}; hls4ml needs a distinct layer per output."
        )
    return outputs
