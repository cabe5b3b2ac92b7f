"""What ``trigc verify`` found: one :class:`Comparison` per representation, the
:class:`VerifyResult` of a run, its text (:func:`format_result`) and its JSON (``to_json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Comparison:
    """How one representation compares with the IR executor.

    ``informative`` is fixed when the comparison is made (:func:`.decide.decides`): a float
    reference that cannot be bit-exact never fails a run."""

    name: str
    identical: int
    total: int
    seconds: float
    first_mismatch: int | None = None
    outputs: np.ndarray | None = None
    informative: bool = False

    @property
    def ok(self) -> bool:
        return self.informative or self.identical == self.total

    def to_json(self) -> dict[str, Any]:
        return {"identical": self.identical, "total": self.total, "informative": self.informative}


@dataclass
class VerifyResult:
    """The outcome of :func:`trigc.compiler.verify.verify_project`."""

    vectors: int
    edge_cases: int
    comparisons: list[Comparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    protocol: list[Any] = field(default_factory=list)  # trigc.sim.runner.ProtocolResult

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons) and all(p.passed for p in self.protocol)

    def to_json(self) -> dict[str, Any]:
        """What ``trigc verify --json`` prints."""
        return {
            "ok": self.ok,
            "vectors": self.vectors,
            "comparisons": {c.name: c.to_json() for c in self.comparisons},
            "protocol": [
                {"simulator": p.simulator, "passed": p.passed, "vectors": p.vectors}
                for p in self.protocol
            ],
            "notes": self.notes,
            "diagnosis": self.diagnosis,
        }


def format_result(result: VerifyResult) -> str:
    """The human-readable summary printed by ``trigc verify``."""
    lines = [f"{result.vectors} vectors ({result.edge_cases} edge cases, the rest random)"]
    for c in result.comparisons:
        verdict = "identical" if c.identical == c.total else "MISMATCH"
        if c.informative:
            verdict = "float reference (information only)"
        lines.append(
            f"  ir == {c.name:<9} {c.identical:>8}/{c.total:<8} {verdict}  ({c.seconds:.1f} s)"
        )
    for p in result.protocol:
        lines.append("  " + str(p).replace("\n", "\n  "))
    lines += [f"note: {n}" for n in result.notes]
    lines += result.diagnosis
    exact = [c for c in result.comparisons if not c.informative] or result.protocol
    if not result.ok:
        lines.append("FAIL: outputs differ")
    elif exact:
        lines.append("PASS: every output identical, bit for bit")
    else:
        lines.append("PASS, but nothing was compared bit for bit (only a float reference ran)")
    return "\n".join(lines)
