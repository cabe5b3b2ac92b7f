"""An hls4ml configuration file as users have it, the input of ``hls4ml convert -c``::

    KerasJson: model.json          # or KerasH5 alone, KerasModel (.keras), OnnxModel
    KerasH5: model_weights.h5
    OutputDir: my-hls-test
    ProjectName: myproject
    Part: xcvu13p-flga2577-2-e     # or XilinxPart
    ClockPeriod: 5
    Backend: Vitis                 # or Vivado
    IOType: io_stream              # or io_parallel
    HLSConfig:
      Model: {Precision: fixed<16,6>, ReuseFactor: 4, Strategy: Resource}
      LayerName: {fc1: {ReuseFactor: 2}}

``trigc compile --config FILE`` reads everything from it; options on the command line win.
``HLSConfig`` is read by :mod:`.precision`.  A file with only ``Model``/``LayerName``
sections is a precision configuration and gives no model.  Keys trigc does not honour are named
in :attr:`Hls4mlFile.warnings`.  Relative paths are taken from the working directory, as hls4ml
does, or else from the file's own directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .precision import ConfigError, PrecisionConfig, config_from_dict, read_config_file

MODEL_KEYS = ("KerasJson", "KerasH5", "KerasModel", "OnnxModel")
IO_TYPES = ("io_parallel", "io_stream")
BACKENDS = {"vitis": "Vitis", "vivado": "Vivado", "vivadoaccelerator": "Vivado"}
TOP_KEYS = (
    *MODEL_KEYS,
    "HLSConfig",
    "OutputDir",
    "ProjectName",
    "Part",
    "XilinxPart",
    "ClockPeriod",
    "Backend",
    "IOType",
)
NOT_USED = {
    "InputData": "give test vectors to `trigc verify --inputs`",
    "OutputPredictions": "trigc verify compares with the model itself",
    "PytorchModel": "export the model to ONNX (torch.onnx.export) and give OnnxModel",
    "ClockUncertainty": "the hls project uses hls4ml's default",
    "Stamp": "trigc derives the stamp from the model (deterministic projects)",
    "WriterConfig": "trigc writes the weights into the C++ sources",
}


@dataclass(frozen=True)
class Hls4mlFile:
    """What an hls4ml configuration file says (``None``: it does not say)."""

    path: Path
    precision: PrecisionConfig
    model: Path | None = None
    weights: Path | None = None
    output_dir: Path | None = None
    project_name: str | None = None
    part: str | None = None
    clock_period_ns: float | None = None
    hls_flavor: str | None = None
    io_type: str | None = None
    warnings: tuple[str, ...] = ()


def _path(value: Any, key: str, where: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where.name}: {key} must be a file path, got {value!r}")
    path = Path(value)
    if not path.is_absolute() and not path.exists() and (where.parent / path).exists():
        return where.parent / path
    return path


def _model_files(data: Mapping[str, Any], path: Path) -> tuple[Path | None, Path | None]:
    """The model (and weights) files: KerasJson + KerasH5, KerasH5, KerasModel or OnnxModel."""
    given = [k for k in MODEL_KEYS if data.get(k)]
    if "PytorchModel" in data:
        raise ConfigError(
            f"{path.name}: PytorchModel is not read by trigc; {NOT_USED['PytorchModel']}"
        )
    if not given:
        return None, None
    if "KerasJson" in given:
        if "KerasH5" not in given:
            raise ConfigError(f"{path.name}: KerasJson needs KerasH5 (the weights file)")
        return _path(data["KerasJson"], "KerasJson", path), _path(data["KerasH5"], "KerasH5", path)
    if len(given) > 1:
        raise ConfigError(f"{path.name}: give one model, not {', '.join(given)}")
    return _path(data[given[0]], given[0], path), None


def _flavor(value: Any, path: Path, warnings: list[str]) -> str:
    flavor = BACKENDS.get(str(value).lower())
    if flavor is None:
        warnings.append(
            f"{path.name}: Backend {value!r} is not one trigc writes; the hls project is for "
            "Vitis HLS (Vivado HLS with --hls Vivado)"
        )
        return "Vitis"
    if str(value).lower() == "vivadoaccelerator":
        warnings.append(
            f"{path.name}: Backend VivadoAccelerator: trigc writes the Vivado HLS project "
            "without the accelerator wrapper (firmware_templates has the board integration)"
        )
    return flavor


def hls4ml_file_from_dict(data: Mapping[str, Any], path: Path) -> Hls4mlFile:
    """Read the keys of an hls4ml configuration file (see the module doc)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path.name}: an hls4ml configuration must be a mapping")
    if not any(k in data for k in (*TOP_KEYS, *NOT_USED)):
        precision = config_from_dict(data, path.name)  # precisions only
        return Hls4mlFile(path, precision, warnings=precision.warnings)
    warnings: list[str] = []
    for key in data:
        if key in NOT_USED:
            warnings.append(f"{path.name}: {key} is not used: {NOT_USED[key]}")
        elif key not in TOP_KEYS:
            warnings.append(f"{path.name}: {key} is not used by trigc")
    precision = config_from_dict({"HLSConfig": data.get("HLSConfig") or {}}, path.name)
    model, weights = _model_files(data, path)
    io_type = data.get("IOType")
    if io_type is not None and io_type not in IO_TYPES:
        raise ConfigError(f"{path.name}: IOType {io_type!r}; valid: {', '.join(IO_TYPES)}")
    clock = data.get("ClockPeriod")
    if clock is not None and (
        isinstance(clock, bool) or not isinstance(clock, int | float) or clock <= 0
    ):
        raise ConfigError(
            f"{path.name}: ClockPeriod must be a positive number of ns, got {clock!r}"
        )
    part = data.get("Part") or data.get("XilinxPart")
    name = data.get("ProjectName")
    out = data.get("OutputDir")
    flavor = _flavor(data["Backend"], path, warnings) if "Backend" in data else None
    return Hls4mlFile(
        path,
        precision,
        model,
        weights,
        Path(str(out)) if out else None,
        str(name) if name else None,
        str(part) if part else None,
        float(clock) if clock is not None else None,
        flavor,
        io_type,
        tuple(warnings) + precision.warnings,
    )


def load_hls4ml_file(path: Path) -> Hls4mlFile:
    """Read an hls4ml configuration file (YAML or JSON)."""
    return hls4ml_file_from_dict(read_config_file(path), Path(path))
