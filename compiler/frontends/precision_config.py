"""hls4ml-style precision configuration for the parts of a model that carry no quantizer.

Users bring the configuration they already have for hls4ml, as YAML or a dict::

    Model:
      Precision: fixed<16,6>          # default of every float weight, bias and result
      ReuseFactor: 1
    LayerName:
      fc1:
        Precision: {weight: fixed<8,3>, bias: fixed<8,3>, result: fixed<16,6,RND,SAT>}

A whole hls4ml configuration file with the above under ``HLSConfig`` is accepted too.  trigc
applies it only to what the model leaves open (float weights, float layer outputs); quantizers
in the model always win.  ``accum`` is accepted and not used: trigc's accumulators are exact by
construction (their width is inferred so that they never overflow).  ``auto`` means "let trigc
infer the exact type".  ``Strategy`` may only be ``Latency`` (what trigc builds); per-layer
reuse factors must equal the model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import TrigcError
from ..ir.fixed import FixedType, FixedTypeError

DEFAULT_PRECISION = FixedType(16, 6)
ROLES = ("weight", "bias", "result", "scale", "accum")
_ROLE_ALIASES = {"kernel": "weight", "shift": "bias", "default": "result", "output": "result"}


class ConfigError(TrigcError):
    """The precision configuration cannot be read."""


@dataclass(frozen=True)
class LayerConfig:
    """Precisions (``None``: infer) and reuse factor of one layer."""

    precision: Mapping[str, FixedType | None] = field(default_factory=dict)
    reuse_factor: int | None = None


@dataclass(frozen=True)
class PrecisionConfig:
    """The model default precision, reuse factor and per-layer overrides."""

    default: FixedType | None = DEFAULT_PRECISION
    reuse_factor: int | None = None
    layers: Mapping[str, LayerConfig] = field(default_factory=dict)
    source: str = "default"

    def precision(self, layer: str, role: str) -> FixedType | None:
        """The type for ``role`` (weight, bias, scale, result) of ``layer``; None: infer."""
        specific = self.layers.get(layer)
        if specific is not None and role in specific.precision:
            return specific.precision[role]
        if specific is not None and role == "scale" and "weight" in specific.precision:
            return specific.precision["weight"]
        return self.default

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary for the project manifest."""
        return {
            "source": self.source,
            "default": str(self.default) if self.default else "auto",
            "reuse_factor": self.reuse_factor,
            "layers": {
                name: {r: str(t) if t else "auto" for r, t in sorted(c.precision.items())}
                for name, c in sorted(self.layers.items())
            },
        }


def _type(text: Any, where: str) -> FixedType | None:
    if isinstance(text, str) and text.strip().lower() == "auto":
        return None
    if not isinstance(text, str):
        raise ConfigError(
            f"{where}: expected a precision string such as 'fixed<16,6>', got {text!r}"
        )
    try:
        return FixedType.parse(text)
    except FixedTypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _reuse(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: ReuseFactor must be a positive integer, got {value!r}")
    return value


def _layer(name: str, cfg: Any, where: str) -> LayerConfig:
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{where}: layer {name!r} must map to Precision/ReuseFactor, got {cfg!r}")
    precision = cfg.get("Precision", {})
    if isinstance(precision, str):
        types = {"result": _type(precision, f"{where} {name}.Precision")}
    elif isinstance(precision, Mapping):
        types = {}
        for role, text in precision.items():
            key = _ROLE_ALIASES.get(str(role), str(role))
            if key not in ROLES:
                continue  # hls4ml roles trigc has no use for (table, ...)
            types[key] = _type(text, f"{where} {name}.Precision.{role}")
    else:
        raise ConfigError(f"{where}: {name}.Precision must be a string or a mapping")
    _check_strategy(cfg, f"{where} {name}")
    return LayerConfig(types, _reuse(cfg.get("ReuseFactor"), f"{where} {name}"))


def _check_strategy(cfg: Mapping[str, Any], where: str) -> None:
    strategy = str(cfg.get("Strategy", "Latency"))
    if strategy.lower() != "latency":
        raise ConfigError(
            f"{where}: Strategy {strategy!r} is not supported; trigc builds fully unrolled "
            "io_parallel designs with the Latency strategy. Remove Strategy or set it to Latency "
            "(the reuse factor still applies to the hls project)."
        )


def config_from_dict(cfg: Mapping[str, Any], source: str = "dict") -> PrecisionConfig:
    """Read an hls4ml-style configuration (``Model`` / ``LayerName``, optionally under
    ``HLSConfig``)."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{source}: an hls4ml configuration must be a mapping")
    if "HLSConfig" in cfg:
        cfg = cfg["HLSConfig"]
    unknown = [k for k in cfg if k not in ("Model", "LayerName", "LayerType")]
    if unknown:
        raise ConfigError(
            f"{source}: unknown section(s) {unknown}; trigc reads Model and LayerName "
            "(as hls4ml does), optionally under HLSConfig"
        )
    if "LayerType" in cfg:
        raise ConfigError(
            f"{source}: LayerType sections are not supported; give per-layer precisions under "
            "LayerName"
        )
    model = cfg.get("Model", {}) or {}
    precision = model.get("Precision", str(DEFAULT_PRECISION))
    if isinstance(precision, Mapping):
        precision = precision.get("default", str(DEFAULT_PRECISION))
    default = _type(precision, f"{source} Model.Precision")
    reuse = _reuse(model.get("ReuseFactor"), f"{source} Model")
    _check_strategy(model, f"{source} Model")
    layers = {
        str(name): _layer(str(name), c, source)
        for name, c in (cfg.get("LayerName", {}) or {}).items()
    }
    for name, layer in layers.items():
        if layer.reuse_factor is not None and layer.reuse_factor != (reuse or 1):
            raise ConfigError(
                f"{source}: layer {name!r} asks for ReuseFactor {layer.reuse_factor} but the "
                f"model's is {reuse or 1}; trigc supports one reuse factor for the whole model "
                "for now. Set Model.ReuseFactor instead."
            )
    return PrecisionConfig(default, reuse, layers, source)


def load_config(path: Path) -> PrecisionConfig:
    """Read an hls4ml-style YAML (or JSON) configuration file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return config_from_dict(data or {}, path.name)
