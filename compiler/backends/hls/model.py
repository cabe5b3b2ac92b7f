"""The hls4ml ``ModelGraph`` of the lowered layers: configuration from the backend options,
per-layer settings, and the checks that hls4ml kept every layer and type."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...errors import TrigcError
from ...ir.fixed import FixedType
from ...ir.graph import Graph
from ..options import BackendOptions, HlsLayerSettings
from .lower import Lowered

HLS_FLAVORS = {"vitis": "Vitis", "vivado": "Vivado"}
# hls4ml's default precision; only reaches types our layers never use (activation tables).
UNUSED_PRECISION = "ap_fixed<16,6>"


def check_per_element_io(graph: Graph, options: BackendOptions) -> None:
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


def check_kept_layers(graph: Graph, lowered: Lowered, hls_model: Any) -> None:
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


def reuse_summary(lowered: Lowered, hls_model: Any, options: BackendOptions) -> dict[str, Any]:
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
