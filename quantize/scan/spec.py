"""The scan specification (``scan.yaml``): data, model family, training, axes, budget, engine.

    name: jet-tagger-bits
    data: models/data/jets.npz        # default: the committed jet data set
    model:
      hidden: [64, 32, 32]            # dense layers with ReLU, then the output layer
      input_bits: [14, 4]             # quantized_bits(14, 4) on the standardized features
    training: {epochs: 8, batch_size: 512, learning_rate: 0.002, seed: 42, max_jets: 50000}
    axes:                             # every combination is one point
      weight_bits: [4, 6, 8]          # kernels and biases, quantized_bits(b, 0)
      activation_bits: [6]            # quantized_relu(b, 0)
      sparsity: [0.0, 0.5, 0.75]      # magnitude pruning of every kernel
      clock_mhz: [240]
      backend: [rtl]
    budget: cms-l1-240                # a preset or a budget YAML file
    device: null                      # default: the budget's
    jobqueue: {cores: 1, memory: 4GB} # dask-jobqueue settings for --jobqueue htcondor|slurm

Every axis may be given as a list or a single value; unknown keys are errors.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trigc.compiler.errors import TrigcError

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "models" / "data" / "jets.npz"
AXES = {
    "weight_bits": 6,
    "activation_bits": 6,
    "sparsity": 0.0,
    "clock_mhz": 240.0,
    "backend": "rtl",
}
"""Every axis and its value when the spec does not scan it."""


class ScanSpecError(TrigcError):
    """The scan specification is not valid."""


@dataclass(frozen=True)
class Training:
    epochs: int = 8
    batch_size: int = 512
    learning_rate: float = 2e-3
    seed: int = 42
    max_jets: int | None = None
    """Train on a random subset of this many jets of the training split (all: ``None``)."""


@dataclass(frozen=True)
class ModelFamily:
    hidden: tuple[int, ...] = (64, 32, 32)
    input_bits: tuple[int, int] = (14, 4)


@dataclass(frozen=True)
class Point:
    """One point of the scan: a value on every axis."""

    weight_bits: int
    activation_bits: int
    sparsity: float
    clock_mhz: float
    backend: str

    @property
    def label(self) -> str:
        return (
            f"w{self.weight_bits}a{self.activation_bits}"
            f"-s{round(self.sparsity * 100)}-{self.clock_mhz:g}MHz-{self.backend}"
        )


@dataclass(frozen=True)
class ScanSpec:
    name: str
    data: Path
    model: ModelFamily
    training: Training
    axes: dict[str, tuple[Any, ...]]
    budget: str
    device: str | None = None
    jobqueue: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def points(self) -> list[Point]:
        """Every combination of the axes, in a fixed order."""
        names = list(AXES)
        return [
            Point(**dict(zip(names, values, strict=True)))
            for values in itertools.product(*(self.axes[n] for n in names))
        ]

    def fingerprint(self) -> dict[str, Any]:
        """What a point's result depends on besides the point itself."""
        return {
            "model": asdict(self.model),
            "training": asdict(self.training),
            "budget": self.budget,
            "device": self.device,
        }


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _check_keys(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ScanSpecError(f"{where}: unknown key(s) {unknown}; valid: {sorted(allowed)}")


def parse_spec(data: Any, where: str = "scan spec", base: Path | None = None) -> ScanSpec:
    """A :class:`ScanSpec` from the parsed YAML; errors name the key and what to write."""
    if not isinstance(data, dict):
        raise ScanSpecError(f"{where}: expected a mapping with 'axes', got {type(data).__name__}")
    _check_keys(
        data,
        {"name", "data", "model", "training", "axes", "budget", "device", "jobqueue"},
        where,
    )
    axes_in = data.get("axes") or {}
    if not isinstance(axes_in, dict):
        raise ScanSpecError(f"{where}: 'axes' must be a mapping of axis name to values")
    _check_keys(axes_in, set(AXES), f"{where}: axes")
    axes: dict[str, tuple[Any, ...]] = {}
    for name, default in AXES.items():
        values = _as_tuple(axes_in.get(name, default))
        if not values:
            raise ScanSpecError(f"{where}: axis {name!r} has no values")
        kind = type(default)
        try:
            axes[name] = tuple(kind(v) for v in values)
        except (TypeError, ValueError):
            raise ScanSpecError(
                f"{where}: axis {name!r} takes {kind.__name__} values, got {values}"
            ) from None
    for s in axes["sparsity"]:
        if not 0.0 <= s < 1.0:
            raise ScanSpecError(f"{where}: sparsity {s} must be in [0, 1)")
    model_in = data.get("model") or {}
    training_in = data.get("training") or {}
    if not isinstance(model_in, dict) or not isinstance(training_in, dict):
        raise ScanSpecError(f"{where}: 'model' and 'training' must be mappings")
    _check_keys(model_in, {"hidden", "input_bits"}, f"{where}: model")
    _check_keys(training_in, set(Training.__dataclass_fields__), f"{where}: training")
    try:
        model = ModelFamily(
            hidden=tuple(int(h) for h in model_in.get("hidden", ModelFamily.hidden)),
            input_bits=tuple(int(b) for b in model_in.get("input_bits", ModelFamily.input_bits)),
        )
        training = Training(**training_in)
    except (TypeError, ValueError) as exc:
        raise ScanSpecError(f"{where}: {exc}") from None
    data_path = Path(data["data"]) if data.get("data") else DEFAULT_DATA
    if base is not None and not data_path.is_absolute():
        data_path = base / data_path
    if not data_path.is_file():
        raise ScanSpecError(f"{where}: data file {data_path} not found")
    jobqueue = data.get("jobqueue") or {}
    if not isinstance(jobqueue, dict):
        raise ScanSpecError(f"{where}: 'jobqueue' must be a mapping of dask-jobqueue settings")
    return ScanSpec(
        name=str(data.get("name", "scan")),
        data=data_path,
        model=model,
        training=training,
        axes=axes,
        budget=str(data.get("budget", "cms-l1-240")),
        device=data.get("device"),
        jobqueue=dict(jobqueue),
    )


def load_spec(path: Path | str) -> ScanSpec:
    """Read ``scan.yaml``; relative data paths are taken from the current directory."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ScanSpecError(f"{path}: cannot read the scan spec ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ScanSpecError(f"{path}: not valid YAML ({exc})") from None
    spec = parse_spec(data, str(path))
    return ScanSpec(**{**spec.__dict__, "source": path})


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def point_key(spec: ScanSpec, point: Point, code_version: str, data_digest: str) -> str:
    """The cache key of a point: the point, what it depends on, the code and the data."""
    text = json.dumps(
        {
            "point": asdict(point),
            "spec": spec.fingerprint(),
            "code": code_version,
            "data": data_digest,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]
