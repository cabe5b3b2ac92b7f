"""The report's data: budget checks, per-backend figures, per-layer figures from the IR.

Plain frozen dataclasses; :meth:`Report.to_json` gives the ``report.json`` document.  Nothing
here depends on the machine or the time of day, so the same project, budget and tool versions
give the same report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..devices import Device
from ..ir.graph import Graph
from .budget import Budget

REPORT_FORMAT = "trigc-report/1"


@dataclass(frozen=True)
class Check:
    """One budget line: ``value`` against ``limit``; ``margin`` > 0 means room to spare.

    ``kind`` is ``"max"`` (value must not exceed limit) or ``"min"`` (value must reach it).
    """

    name: str
    label: str
    value: float
    limit: float
    unit: str
    kind: str
    estimate: bool
    source: str

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.kind == "max" else self.value >= self.limit

    @property
    def margin(self) -> float:
        return self.limit - self.value if self.kind == "max" else self.value - self.limit

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"passed": self.passed, "margin": self.margin}


@dataclass(frozen=True)
class LayerFigures:
    """What a backend's figures say about one IR layer (``None``: not known)."""

    name: str
    op: str
    module: str = ""
    resources: dict[str, float] = field(default_factory=dict)
    latency_cycles: float | None = None
    delay_ns: float | None = None
    logic_levels: int | None = None


@dataclass(frozen=True)
class Implementation:
    """The figures of one backend's firmware and its budget checks."""

    backend: str
    method: str
    estimate: bool
    resources: dict[str, float]
    latency_cycles: int | None
    ii: int | None
    fmax_mhz: float | None
    design_clock_mhz: float | None
    logic_levels: int | None = None
    critical_path: tuple[str, ...] = ()
    layers: tuple[LayerFigures, ...] = ()
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [c.to_json() for c in self.checks]
        data["passed"] = self.passed
        return data


@dataclass(frozen=True)
class IrLayer:
    """Bit widths and sparsity of one IR node."""

    name: str
    op: str
    shape: tuple[int, ...]
    type: str
    width: int
    weight_type: str | None = None
    weight_width: int | None = None
    weights: int = 0
    nonzero_weights: int = 0

    @property
    def sparsity(self) -> float | None:
        """The fraction of zero weights (None for layers without weights)."""
        return (self.weights - self.nonzero_weights) / self.weights if self.weights else None


def ir_layers(graph: Graph) -> tuple[IrLayer, ...]:
    """Widths and sparsity of every node of ``graph``."""
    rows = []
    for node in graph.nodes:
        weight = node.consts.get("weight") or node.consts.get("scale")
        rows.append(
            IrLayer(
                name=node.name,
                op=node.op,
                shape=tuple(node.output.shape),
                type=str(node.output.type),
                width=node.output.type.width,
                weight_type=str(weight.type) if weight is not None else None,
                weight_width=weight.type.width if weight is not None else None,
                weights=int(weight.values.size) if weight is not None else 0,
                nonzero_weights=int(np.count_nonzero(weight.values)) if weight is not None else 0,
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class Report:
    """Everything ``trigc report`` writes."""

    project: str
    model: str
    budget: Budget
    device: Device
    layers: tuple[IrLayer, ...]
    implementations: tuple[Implementation, ...]
    trigc_version: str
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(impl.passed for impl in self.implementations)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "project": self.project,
            "model": self.model,
            "trigc_version": self.trigc_version,
            "passed": self.passed,
            "budget": self.budget.to_json(),
            "device": asdict(self.device),
            "layers": [asdict(layer) | {"sparsity": layer.sparsity} for layer in self.layers],
            "implementations": [impl.to_json() for impl in self.implementations],
            "notes": list(self.notes),
        }
