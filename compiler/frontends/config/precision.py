"""hls4ml-style precision configuration for the parts of a model that carry no quantizer.

Users bring the configuration they already have for hls4ml, as YAML or a dict::

    Model:
      Precision: fixed<16,6>          # default of every float weight, bias and result
      ReuseFactor: 1
    LayerName:
      fc1:
        Precision: {weight: fixed<8,3>, bias: fixed<8,3>, result: fixed<16,6,RND,SAT>}

A whole hls4ml configuration file with the above under ``HLSConfig`` is accepted too
(:mod:`.hls4ml_file` reads its other keys).  trigc applies precisions only to what the model
leaves open (float weights, float layer outputs, the result of every float layer, softmax
included); quantizers in the model always win.  ``LayerType`` sections give precisions per layer
class (``Dense`` also matches QKeras' ``QDense``).  ``Strategy`` (``Latency``/``Resource``) and
``ReuseFactor``, for the model and per layer, choose hls4ml's implementations in the hls backend.
``auto`` means "let trigc infer the exact type".  Keys trigc does not honour (``accum``: trigc's
accumulators are exact by construction; softmax/sigmoid table settings: trigc uses hls4ml's
default tables) are named in :attr:`PrecisionConfig.warnings`, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...errors import TrigcError
from ...ir.fixed import FixedType, FixedTypeError

DEFAULT_PRECISION = FixedType(16, 6)
ROLES = ("weight", "bias", "result", "scale", "accum")
_ROLE_ALIASES = {"kernel": "weight", "shift": "bias", "default": "result", "output": "result"}


class ConfigError(TrigcError):
    """The precision configuration cannot be read."""


@dataclass(frozen=True)
class LayerConfig:
    """Precisions (``None``: infer), reuse factor and strategy of one layer."""

    precision: Mapping[str, FixedType | None] = field(default_factory=dict)
    reuse_factor: int | None = None
    strategy: str | None = None


@dataclass(frozen=True)
class PrecisionConfig:
    """The model default precision, reuse factor and per-layer overrides."""

    default: FixedType | None = DEFAULT_PRECISION
    reuse_factor: int | None = None
    layers: Mapping[str, LayerConfig] = field(default_factory=dict)
    source: str = "default"
    strategy: str = "Latency"
    layer_types: Mapping[str, LayerConfig] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def precision(self, layer: str, role: str, cls: str | None = None) -> FixedType | None:
        """The type for ``role`` (weight, bias, scale, result) of ``layer`` (of class
        ``cls``): its ``LayerName`` entry, else its ``LayerType`` entry, else the model's
        default; None: infer."""
        for specific in (self.layers.get(layer), self._of_type(cls)):
            if specific is not None and role in specific.precision:
                return specific.precision[role]
            if specific is not None and role == "scale" and "weight" in specific.precision:
                return specific.precision["weight"]
        return self.default

    def _of_type(self, cls: str | None) -> LayerConfig | None:
        if cls is None:
            return None
        return self.layer_types.get(cls) or (
            self.layer_types.get(cls[1:]) if cls.startswith("Q") else None
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary for the project manifest."""

        def types(c: LayerConfig) -> dict[str, str]:
            return {r: str(t) if t else "auto" for r, t in sorted(c.precision.items())}

        return {
            "source": self.source,
            "default": str(self.default) if self.default else "auto",
            "reuse_factor": self.reuse_factor,
            "strategy": self.strategy,
            "layers": {name: types(c) for name, c in sorted(self.layers.items())},
            "layer_types": {name: types(c) for name, c in sorted(self.layer_types.items())},
            "warnings": list(self.warnings),
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


# What trigc does not honour, and why: named in a warning whenever a configuration gives it.
IGNORED_ROLES = {
    "accum": "trigc's accumulators are exact by construction (never overflow)",
    "table": "trigc tabulates with hls4ml's default tables (1024 entries, fixed<18,8>)",
    "exp_table": "trigc tabulates with hls4ml's default tables (1024 entries, fixed<18,8>)",
    "inv_table": "trigc tabulates with hls4ml's default tables (1024 entries, fixed<18,8>)",
}
LAYER_KEYS = ("Precision", "ReuseFactor", "Strategy", "Trace")  # Trace: trigc traces every layer
MODEL_KEYS = ("Precision", "ReuseFactor", "Strategy", "TraceOutput")
STRATEGIES = {"latency": "Latency", "resource": "Resource"}


def _strategy(cfg: Mapping[str, Any], where: str) -> str | None:
    if "Strategy" not in cfg:
        return None
    strategy = STRATEGIES.get(str(cfg["Strategy"]).lower())
    if strategy is None:
        raise ConfigError(
            f"{where}: Strategy {cfg['Strategy']!r} is not supported; the hls backend builds "
            "hls4ml's Latency or Resource implementations (the rtl backend is always fully "
            "parallel)"
        )
    return strategy


def _layer(name: str, cfg: Any, where: str, warnings: list[str]) -> LayerConfig:
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{where}: layer {name!r} must map to Precision/ReuseFactor, got {cfg!r}")
    precision = cfg.get("Precision", {})
    if isinstance(precision, str):
        types = {"result": _type(precision, f"{where} {name}.Precision")}
    elif isinstance(precision, Mapping):
        types = {}
        for role, text in precision.items():
            key = _ROLE_ALIASES.get(str(role), str(role))
            if key in IGNORED_ROLES:
                warnings.append(
                    f"{where} {name}.Precision.{role} is not used: {IGNORED_ROLES[key]}"
                )
                continue
            if key not in ROLES:
                warnings.append(f"{where} {name}.Precision.{role} is not used by trigc")
                continue
            types[key] = _type(text, f"{where} {name}.Precision.{role}")
    else:
        raise ConfigError(f"{where}: {name}.Precision must be a string or a mapping")
    for key in cfg:
        if key not in LAYER_KEYS:
            warnings.append(
                f"{where} {name}.{key} is not honoured (trigc tabulates softmax/sigmoid/tanh "
                "with hls4ml's default tables and the latency implementation)"
                if key in ("table_size", "exp_table_t", "inv_table_t", "table_t", "implementation")
                else f"{where} {name}.{key} is not used by trigc"
            )
    reuse = _reuse(cfg.get("ReuseFactor"), f"{where} {name}")
    return LayerConfig(types, reuse, _strategy(cfg, f"{where} {name}"))


def config_from_dict(cfg: Mapping[str, Any], source: str = "dict") -> PrecisionConfig:
    """Read an hls4ml-style configuration (``Model`` / ``LayerName`` / ``LayerType``,
    optionally under ``HLSConfig``)."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{source}: an hls4ml configuration must be a mapping")
    if "HLSConfig" in cfg:
        cfg = cfg["HLSConfig"] or {}
    unknown = [k for k in cfg if k not in ("Model", "LayerName", "LayerType")]
    if unknown:
        raise ConfigError(
            f"{source}: unknown section(s) {unknown}; trigc reads Model, LayerName and "
            "LayerType (as hls4ml does), optionally under HLSConfig"
        )
    warnings: list[str] = []
    model = cfg.get("Model", {}) or {}
    precision = model.get("Precision", str(DEFAULT_PRECISION))
    if isinstance(precision, Mapping):
        for role in precision:
            if role != "default":
                warnings.append(f"{source} Model.Precision.{role} is not used by trigc")
        precision = precision.get("default", str(DEFAULT_PRECISION))
    default = _type(precision, f"{source} Model.Precision")
    reuse = _reuse(model.get("ReuseFactor"), f"{source} Model")
    strategy = _strategy(model, f"{source} Model") or "Latency"
    for key in model:
        if key not in MODEL_KEYS:
            warnings.append(f"{source} Model.{key} is not used by trigc")
    sections = {}
    for section in ("LayerName", "LayerType"):
        entries = cfg.get(section, {}) or {}
        if not isinstance(entries, Mapping):
            raise ConfigError(f"{source}: {section} must map layer names to their settings")
        sections[section] = {
            str(name): _layer(str(name), c, f"{source} {section}", warnings)
            for name, c in entries.items()
        }
    return PrecisionConfig(
        default,
        reuse,
        sections["LayerName"],
        source,
        strategy,
        sections["LayerType"],
        tuple(warnings),
    )


def read_config_file(path: Path) -> Any:
    """The contents of a YAML (or JSON) configuration file, or a clear error."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None


def load_config(path: Path) -> PrecisionConfig:
    """Read an hls4ml-style YAML (or JSON) configuration file."""
    return config_from_dict(read_config_file(path), Path(path).name)
