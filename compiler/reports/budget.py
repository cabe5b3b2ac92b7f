"""Budgets: what a trigger algorithm may spend, read from YAML.

A budget is a YAML mapping.  Schema ``trigc-budget/1``::

    schema: trigc-budget/1      # required, exactly this string
    name: cms-l1-240            # required: a short name shown in reports
    description: ...            # optional: one line
    source: ...                 # optional: where the numbers come from
    device: xcvu9p              # optional: default FPGA part (--device overrides it)
    clock_mhz: 240              # required: the clock the algorithm runs at (> 0)
    latency_ns: 100             # optional: maximum latency, input to output, in ns
    latency_cycles: 24          # optional: maximum latency in clock cycles
    ii_cycles: 6                # optional: maximum initiation interval in clock cycles (>= 1)
    resources:                  # optional: maximum share of the device per resource,
      lut: 0.25                 #   a number in (0, 1] or a percentage string such as "25%"
      ff: 25%
      dsp: 0.25
      bram: 0.25                #   36 Kb block RAMs
      uram: 0.25                #   288 Kb UltraRAMs
    resource_counts:            # optional: absolute maxima per resource (integers >= 0)
      dsp: 500

Resource names are ``lut``, ``ff``, ``dsp``, ``bram`` and ``uram``.  Every line that is given
becomes one PASS/FAIL check of the report; lines left out are not checked.  Unknown keys are
errors (a misspelt ``latncy_ns`` must not silently drop a check).

Presets ship with trigc in ``budgets/`` beside this file: :data:`PRESETS` lists them, and
:func:`load_budget` takes either a preset name or a path to a user's file.  Any problem with a
file raises :class:`~trigc.compiler.errors.TrigcError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..devices import RESOURCES, find_device
from ..errors import TrigcError

SCHEMA = "trigc-budget/1"
PRESETS = ("cms-l1-240", "cms-l1-360", "atlas-l1")
_KEYS = {
    "schema",
    "name",
    "description",
    "source",
    "device",
    "clock_mhz",
    "latency_ns",
    "latency_cycles",
    "ii_cycles",
    "resources",
    "resource_counts",
}
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")


class BudgetError(TrigcError):
    """A budget file is missing, not YAML, or does not follow the schema."""


@dataclass(frozen=True)
class Budget:
    """A parsed budget; ``None`` or a missing resource means "not checked"."""

    name: str
    clock_mhz: float
    latency_ns: float | None = None
    latency_cycles: int | None = None
    ii_cycles: int | None = None
    resource_fractions: Mapping[str, float] = field(default_factory=dict)
    resource_counts: Mapping[str, int] = field(default_factory=dict)
    device: str | None = None
    description: str = ""
    source: str = ""
    origin: str = ""  # "preset cms-l1-240" or the file it was read from

    @property
    def clock_period_ns(self) -> float:
        return 1000.0 / self.clock_mhz

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict in the schema's own keys."""
        data: dict[str, Any] = {"schema": SCHEMA, "name": self.name, "clock_mhz": self.clock_mhz}
        for key in ("latency_ns", "latency_cycles", "ii_cycles", "device"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.resource_fractions:
            data["resources"] = dict(self.resource_fractions)
        if self.resource_counts:
            data["resource_counts"] = dict(self.resource_counts)
        data |= {"description": self.description, "source": self.source, "origin": self.origin}
        return data


def load_budget(spec: str | Path) -> Budget:
    """A preset by name (see :data:`PRESETS`) or a budget YAML file by path."""
    text_spec = str(spec)
    if text_spec in PRESETS:
        preset = resources.files(__package__).joinpath("budgets", f"{text_spec}.yaml")
        return parse_budget(_read_yaml(preset.read_text(), f"preset {text_spec}"), text_spec)
    path = Path(spec)
    if not path.is_file():
        raise BudgetError(
            f"budget {text_spec!r} is neither a preset ({', '.join(PRESETS)}) nor a file"
        )
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise BudgetError(f"{path}: cannot read budget file ({exc})") from None
    return parse_budget(_read_yaml(text, str(path)), str(path))


def _read_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BudgetError(f"{where}: not valid YAML ({exc})") from None


def parse_budget(data: Any, where: str = "budget") -> Budget:
    """Check a loaded YAML document against the schema and build the :class:`Budget`."""
    if not isinstance(data, dict):
        raise BudgetError(f"{where}: a budget must be a YAML mapping, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise BudgetError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"valid fields: {', '.join(sorted(_KEYS))}"
        )
    if data.get("schema") != SCHEMA:
        raise BudgetError(f"{where}: field 'schema' must be {SCHEMA!r}, got {data.get('schema')!r}")
    name = _string(data, "name", where, required=True)
    device = _string(data, "device", where)
    if device is not None:
        try:
            find_device(device)
        except TrigcError as exc:
            raise BudgetError(f"{where}: field 'device': {exc}") from None
    budget = Budget(
        name=name,
        clock_mhz=_positive(data, "clock_mhz", where, required=True),
        latency_ns=_positive(data, "latency_ns", where),
        latency_cycles=_count(data, "latency_cycles", where, minimum=1),
        ii_cycles=_count(data, "ii_cycles", where, minimum=1),
        resource_fractions=_fractions(data.get("resources"), where),
        resource_counts=_counts(data.get("resource_counts"), where),
        device=device,
        description=_string(data, "description", where) or "",
        source=_string(data, "source", where) or "",
        origin=where,
    )
    return budget


def _string(data: dict, key: str, where: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise BudgetError(f"{where}: field {key!r} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BudgetError(f"{where}: field {key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(data: dict, key: str, where: str, required: bool = False) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise BudgetError(f"{where}: field {key!r} is required")
        return None
    if not _is_number(value) or not value > 0 or value != value or value == float("inf"):
        raise BudgetError(f"{where}: field {key!r} must be a positive number, got {value!r}")
    return float(value)


def _count(data: dict, key: str, where: str, minimum: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise BudgetError(f"{where}: field {key!r} must be an integer >= {minimum}, got {value!r}")
    return value


def _resource_map(value: Any, key: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BudgetError(f"{where}: field {key!r} must be a mapping of resource to limit")
    unknown = sorted(set(map(str, value)) - set(RESOURCES))
    if unknown:
        raise BudgetError(
            f"{where}: field {key!r}: unknown resource(s) {', '.join(unknown)}; "
            f"valid: {', '.join(RESOURCES)}"
        )
    return {r: value[r] for r in RESOURCES if r in value}


def _fractions(value: Any, where: str) -> dict[str, float]:
    fractions = {}
    for resource, limit in _resource_map(value, "resources", where).items():
        if isinstance(limit, str) and (match := _PERCENT.match(limit)):
            limit = float(match.group(1)) / 100.0
        if not _is_number(limit) or not 0 < limit <= 1:
            raise BudgetError(
                f"{where}: field 'resources.{resource}' must be a fraction in (0, 1] or a "
                f"percentage such as '25%', got {limit!r}"
            )
        fractions[resource] = float(limit)
    return fractions


def _counts(value: Any, where: str) -> dict[str, int]:
    counts = {}
    for resource, limit in _resource_map(value, "resource_counts", where).items():
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise BudgetError(
                f"{where}: field 'resource_counts.{resource}' must be an integer >= 0, "
                f"got {limit!r}"
            )
        counts[resource] = limit
    return counts
