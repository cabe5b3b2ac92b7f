"""The HLS backend: an hls4ml project whose every tensor has the IR's exact type.

The IR is lowered to an hls4ml layer list (``InputLayer``, ``Dense``, ``Conv1D``/``Conv2D``,
pooling, ``Merge``, ``Concatenate``, ``Reshape``, ``Activation``, ``LeakyReLU``,
``BatchNormalization``) with explicit per-tensor precisions, turned into a ``ModelGraph`` with
:meth:`hls4ml.model.ModelGraph.from_layer_list` and written with hls4ml's own writer.  Nothing
is left for hls4ml to infer:

* ``dense``: weight and bias precisions are the constants' types, the accumulator is the exact
  (never overflowing, ``WRAP``) type of the sum with ``frac = max(x.frac + w.frac, b.frac)``, and
  the result is the node's output type, so the C++ cast at the end *is* the IR's cast;
* ``relu``: ``Activation('relu')`` with the output type;
* ``requantize``: ``Activation('linear')`` with the output type, or nothing when the cast cannot
  change a value (same width, integer bits and sign);
* ``scale_shift``: ``BatchNormalization`` given its exact ``scale``/``bias`` arrays (hls4ml then
  computes ``x * scale + bias`` in full precision and casts once; repeated over leading axes);
* ``conv``: io_parallel ``Conv1D``/``Conv2D`` (one product per output pixel, all pixels in
  parallel), with the exact wrapping accumulator like ``dense``;
* ``max_pool``/``avg_pool``: ``MaxPooling``/``AveragePooling`` whose accumulator is exact
  (hls4ml divides by the power-of-two window size, exact with that many more fractional bits);
* ``add``/``subtract``/``multiply``: ``Merge`` (full-precision ``ap_fixed`` result, one cast);
  ``concatenate``: ``Concatenate`` (hls4ml's ``concatenate1d``/``2d``/``3d`` on any axis);
* ``reshape``: a cast as ``requantize`` (io_parallel arrays are flat), preceded by a
  ``Reshape`` view when a later layer reads the shape;
* ``leaky_relu``/``binary``/``relu_max``: ``LeakyReLU`` with an exact one-bit slope,
  ``binary_tanh``, ``relu1``/``relu6``.

Besides hls4ml's files the project holds ``trigc_io.json`` (input/output names, shapes and types,
and the traced layers), which is all :class:`~trigc.compiler.backends.hls_csim.HlsCSim` needs to
run the C simulation without the Python graph.

Outputs are deterministic: hls4ml's random library ``Stamp`` is replaced by a digest of the graph
and options, and the absolute output directory hls4ml records in ``hls4ml_config.yml`` is
replaced by ``.``.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ProjectError, TrigcError
from ..ir.fixed import FixedType
from ..ir.graph import Graph, Node
from ..names import CPP_KEYWORDS
from .hls_export import write_export_script
from .hls_io import IO_FORMAT, HlsIo, Port
from .hls_rules import RULES, rearrange_fields
from .options import BackendOptions, HlsLayerSettings

HLS_FLAVORS = {"vitis": "Vitis", "vivado": "Vivado"}
# The C simulation bridge and hls4ml's weight files pass values through C doubles.
DOUBLE_MANTISSA_BITS = 53
# hls4ml's default precision; only reaches types our layers never use (activation tables).
UNUSED_PRECISION = "ap_fixed<16,6>"
# hls4ml's own names a layer must not take, besides the C++ keywords.
# hls4ml keeps a layer's output variable among its attributes, under the layer's name: a layer
# named like one of its attributes would read its own output for it.
_HLS4ML_ATTRIBUTES = {
    "perm", "axis", "op", "activation", "algorithm", "n_chan", "n_in", "n_out", "n_filt",
    "target_shape", "data_format", "align_corners", "inputs", "outputs", "class_name", "name",
}  # fmt: skip
_CPP_RESERVED = CPP_KEYWORDS | {"input", "result"} | _HLS4ML_ATTRIBUTES


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


# -- public entry point -----------------------------------------------------------------------
def emit(graph: Graph, options: BackendOptions, outdir: Path) -> list[Path]:
    """Write an hls4ml project for ``graph`` into ``outdir`` and return its files, sorted.

    ``outdir`` must not exist or be empty.  Raises :class:`TrigcError` for an op, shape or
    constant the backend cannot express, naming the node.
    """
    return emit_project(graph, options, outdir)[0]


def emit_project(
    graph: Graph, options: BackendOptions, outdir: Path
) -> tuple[list[Path], dict[str, Any]]:
    """:func:`emit`, and the summary the project manifest records: the reuse factors hls4ml
    changed (it replaces one that does not divide a layer's multiplications by the nearest
    that does) and the warnings saying so."""
    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ProjectError(
            f"output directory {outdir} exists and is not empty; remove it or choose another"
        )
    _check_per_element_io(graph, options)
    lowered = hls4ml_layers(graph)
    hls_model = build_model(graph, lowered, options, outdir)
    _check_kept_layers(graph, lowered, hls_model)
    stamp = graph_digest(graph, options)[:8]
    outdir.mkdir(parents=True, exist_ok=True)
    write_project(hls_model, stamp)
    _write_io_file(graph, lowered, hls_model, options, stamp, outdir)
    write_export_script(outdir)
    files = sorted(p for p in outdir.rglob("*") if p.is_file())
    return files, _reuse_summary(lowered, hls_model, options)


def _check_per_element_io(graph: Graph, options: BackendOptions) -> None:
    """hls4ml writes per-element quantizers (its ``FixedPointQuantizer``) for io_parallel only."""
    if options.io_type == "io_parallel":
        return
    for node in graph.nodes:
        if node.output.elements is not None:
            raise TrigcError(
                f"node {node.name!r} (from {node.origin or 'unknown origin'}) quantizes each "
                f"element to its own type, which hls4ml implements for io_parallel only, not "
                f"{options.io_type}; use --io-type io_parallel (or the rtl backend)"
            )


def _reuse_summary(lowered: Lowered, hls_model: Any, options: BackendOptions) -> dict[str, Any]:
    """The layers whose reuse factor hls4ml changed from the one asked for."""
    config = _with_layer_settings(lowered, options)
    changed, warnings = {}, []
    for layer in hls_model.get_layers():
        asked = config.get(layer.name, {}).get("ReuseFactor", options.reuse_factor)
        got = layer.get_attr("reuse_factor")
        if got is not None and int(got) != int(asked):
            changed[layer.name] = int(got)
            warnings.append(
                f"hls: layer {layer.name!r}: ReuseFactor {asked} does not divide its "
                f"multiplications; hls4ml uses {int(got)}"
            )
    return {"reuse_factors_changed": changed, "warnings": warnings} if changed else {}


# -- lowering ---------------------------------------------------------------------------------
def hls4ml_layers(graph: Graph) -> Lowered:
    """Translate every IR node into an hls4ml layer dict with explicit precisions."""
    lowered = Lowered()
    names = _HlsNames()
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


def _add_view(lowered: Lowered, names: _HlsNames, node: Node, src: str, in_type: FixedType) -> str:
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
    lowered: Lowered, names: _HlsNames, node: Node, src: str, in_type: FixedType
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


class _HlsNames:
    """Unique C++ identifiers for hls4ml layer names (hls4ml compares them lower-cased)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, name: str) -> str:
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or "layer"
        if base[0].isdigit() or base.startswith("_"):
            base = "n" + base
        if base.lower() in _CPP_RESERVED or re.fullmatch(r"(?i)(w|b|s|layer)\d+.*", base):
            base += "_"  # clashes with keywords or hls4ml's own names (w2, b2, layer2_out)
        candidate, n = base, 1
        while candidate.lower() in self._taken:
            n += 1
            candidate = f"{base}_{n}"
        self._taken.add(candidate.lower())
        return candidate


# -- hls4ml -----------------------------------------------------------------------------------
def build_model(graph: Graph, lowered: Lowered, options: BackendOptions, outdir: Path) -> Any:
    """The hls4ml ``ModelGraph`` of ``lowered``, configured from ``options``."""
    import hls4ml
    from hls4ml.utils.config import create_config

    flavor = HLS_FLAVORS.get(options.hls_flavor.lower())
    if flavor is None:
        raise TrigcError(
            f"unknown HLS flavor {options.hls_flavor!r}; valid: {', '.join(HLS_FLAVORS.values())}"
        )
    if not re.fullmatch(r"[A-Za-z_]\w*", options.project_name, flags=re.ASCII):
        raise TrigcError(
            f"project name {options.project_name!r} must be a C++ identifier (it names the top "
            "function), e.g. 'trigc_model'"
        )
    config = create_config(
        output_dir=str(outdir),
        project_name=options.project_name,
        backend=flavor,
        io_type=options.io_type,
        part=options.part,
        clock_period=options.clock_period_ns,
    )
    # Weights only as C initializers: the C simulation then compiles exactly the constants
    # synthesis uses (hls4ml would otherwise load a separate .txt copy at simulation time).
    config["WriterConfig"] = {"Namespace": None, "WriteWeightsTxt": False, "WriteTar": False}
    config["TraceOutput"] = True  # save_layer_output calls, all inside #ifndef __SYNTHESIS__
    config["HLSConfig"] = {
        "Model": {
            "Precision": UNUSED_PRECISION,
            "ReuseFactor": options.reuse_factor,
            "Strategy": options.strategy,
            "BitExact": False,  # hls4ml's own bit-width optimisation must not touch our types
        },
        "LayerName": _with_layer_settings(lowered, options),
    }
    if options.layer_types:
        config["HLSConfig"]["LayerType"] = {
            cls: _settings_config(s) for cls, s in options.layer_types
        }
    try:
        return hls4ml.model.ModelGraph.from_layer_list(
            config, lowered.layers, lowered.input_layers, lowered.output_layers
        )
    except Exception as exc:  # hls4ml raises bare Exceptions and assertion errors
        raise TrigcError(f"hls4ml could not build graph {graph.name!r}: {exc}") from exc


def _settings_config(settings: HlsLayerSettings) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if settings.reuse_factor is not None:
        config["ReuseFactor"] = settings.reuse_factor
    if settings.strategy is not None:
        config["Strategy"] = settings.strategy
    return config


def _with_layer_settings(lowered: Lowered, options: BackendOptions) -> dict[str, dict[str, Any]]:
    """Every hls4ml layer's config, with the reuse factor and strategy its model layer asks
    for (by the IR node's name or the model layer it comes from)."""
    by_name = dict(options.layers)
    config = {}
    for name, layer_config in lowered.layer_config.items():
        node_name, origin = lowered.origin_of.get(name, (name, name))
        settings = by_name.get(node_name) or by_name.get(origin)
        extra = _settings_config(settings) if settings is not None else {}
        config[name] = {**layer_config, **extra}
    return config


def _check_kept_layers(graph: Graph, lowered: Lowered, hls_model: Any) -> None:
    """hls4ml's optimizers may fuse or drop layers; make sure every lowered layer survived."""
    kept = {layer.name: layer for layer in hls_model.get_layers()}
    for layer in lowered.layers:
        name = layer["name"]
        if name not in kept:
            raise TrigcError(
                f"hls4ml removed layer {name!r} of graph {graph.name!r} while optimizing; the "
                "project would not be bit-exact (please report this as a trigc bug)"
            )
        want = FixedType.parse(lowered.layer_config[name]["Precision"]["result"])
        got = kept[name].get_output_variable().type.precision
        if not _precision_matches(got, want):
            raise TrigcError(
                f"hls4ml changed the output precision of layer {name!r} to {got} (wanted {want})"
            )


def _precision_matches(precision: Any, want: FixedType) -> bool:
    return (
        precision.width == want.width
        and precision.integer == want.integer
        and precision.signed == want.signed
        and str(precision.rounding_mode) == want.rounding
        and str(precision.saturation_mode) == want.overflow
    )


def write_project(hls_model: Any, stamp: str) -> None:
    """Write the project with hls4ml's writer, deterministically.

    ``ModelGraph.write()`` runs the ``make_stamp`` pass first, which draws a random UUID; we
    call the backend's ``write_hls`` (the pass that follows it) with our own stamp instead.
    """
    hls_model.config.config["Stamp"] = stamp
    with _keras_import_blocked():
        hls_model.config.backend.write_hls(hls_model)
    outdir = Path(hls_model.config.get_output_dir())
    config_file = outdir / "hls4ml_config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["OutputDir"] = "."  # hls4ml records the absolute path it wrote to
    config_file.write_text(yaml.dump(config))


@contextlib.contextmanager
def _keras_import_blocked() -> Iterator[None]:
    """hls4ml's YAML writer imports keras (and so TensorFlow, 5-8 s) only to register a
    representer for Keras models; make that import fail fast unless keras is loaded already."""
    if "keras" in sys.modules:
        yield
        return
    sys.modules["keras"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("keras", 0) is None:
            del sys.modules["keras"]


def _write_io_file(
    graph: Graph,
    lowered: Lowered,
    hls_model: Any,
    options: BackendOptions,
    stamp: str,
    outdir: Path,
) -> None:
    """``trigc_io.json`` (:mod:`.hls_io`): what the C simulation needs about the top function."""
    in_vars = [v.name for v in hls_model.get_input_variables()]
    out_vars = [v.name for v in hls_model.get_output_variables()]

    def port(name: str, var: str) -> Port:
        t = graph.tensor(name)
        return Port(name, var, t.shape, t.type)

    traced = tuple(
        port(n.output.name, lowered.traced_by.get(n.output.name, lowered.layer_of[n.output.name]))
        for n in graph.nodes
    )
    HlsIo(
        graph.name,
        options.project_name,
        stamp,
        tuple(port(n.output.name, v) for n, v in zip(graph.inputs, in_vars, strict=True)),
        tuple(port(name, v) for name, v in zip(graph.outputs, out_vars, strict=True)),
        traced,
    ).write(outdir)


def graph_digest(graph: Graph, options: BackendOptions) -> str:
    """A SHA-256 hex digest of everything that determines the emitted project."""
    h = hashlib.sha256()

    def put(*items: object) -> None:
        for item in items:
            h.update(repr(item).encode())
            h.update(b"\0")

    put(IO_FORMAT, graph.name, graph.outputs, options)
    for node in graph.nodes:
        put(node.name, node.op, node.inputs, node.output, sorted(node.attrs.items()))
        for cname in sorted(node.consts):
            const = node.consts[cname]
            put(cname, const.type, const.values.shape, [int(v) for v in const.values.flat])
    return h.hexdigest()
