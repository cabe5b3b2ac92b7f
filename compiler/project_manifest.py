"""``manifest.json``: the one contract of a project directory.

:func:`~trigc.compiler.project.compile_project` builds a :class:`ProjectManifest` and writes
:meth:`ProjectManifest.to_text`; :func:`~trigc.compiler.project.open_project` reads it back
with :meth:`ProjectManifest.from_json`, and every reader (verify, reports, the CLI) uses its
fields.  Fields a hand-written manifest may leave out get the values trigc would write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import ProjectError

MANIFEST = "manifest.json"
PROJECT_FORMAT = "trigc-project"
PROJECT_VERSION = 1


@dataclass(frozen=True)
class ModelEntry:
    """The source model: its copy in the project, its hash, format and reference."""

    name: str
    source: str  # relative to the project, e.g. "source/model.keras"
    sha256: str
    format: str = "keras"
    reference: str = "keras"  # what verify runs the model in: "keras" or "onnx"
    reference_exact: bool = True  # False when trigc cast float values (approximated layers)
    approximated_layers: tuple[str, ...] = ()
    weights: str | None = None  # the weights file of a Keras 2 .json model

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.name,
            "source": self.source,
            "sha256": self.sha256,
            "format": self.format,
            "reference": self.reference,
            "reference_exact": self.reference_exact,
            "approximated_layers": list(self.approximated_layers),
        }
        if self.weights is not None:
            entry["weights"] = self.weights
        return entry

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelEntry:
        weights = data.get("weights")
        return cls(
            name=str(data["name"]),
            source=str(data["source"]),
            sha256=str(data.get("sha256", "")),
            format=str(data.get("format", "keras")),
            reference=str(data.get("reference", "keras")),
            reference_exact=bool(data.get("reference_exact", True)),
            approximated_layers=tuple(str(n) for n in data.get("approximated_layers", ())),
            weights=str(weights) if weights else None,
        )


@dataclass(frozen=True)
class ProjectManifest:
    """What ``trigc compile`` wrote: model, options, tool versions, passes, per-layer types
    and each backend's summary (latency, II, clock, top module)."""

    model: ModelEntry
    options: dict[str, Any] = field(default_factory=dict)  # CompileOptions.to_json()
    tools: dict[str, str] = field(default_factory=dict)
    passes: tuple[str, ...] = ()
    layers: tuple[dict[str, Any], ...] = ()
    backends: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def part(self) -> str:
        return str(self.options.get("part", ""))

    @property
    def argmax(self) -> bool:
        return bool(self.options.get("argmax", False))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROJECT_FORMAT,
            "version": PROJECT_VERSION,
            "model": self.model.to_json(),
            "options": self.options,
            "tools": self.tools,
            "passes": list(self.passes),
            "layers": list(self.layers),
            "backends": self.backends,
        }

    def to_text(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: Any, where: str) -> ProjectManifest:
        if not isinstance(data, dict) or data.get("format") != PROJECT_FORMAT:
            raise ProjectError(f"{where}: not a trigc project manifest")
        try:
            return cls(
                model=ModelEntry.from_json(data["model"]),
                options=dict(data.get("options", {})),
                tools={str(k): str(v) for k, v in data.get("tools", {}).items()},
                passes=tuple(str(p) for p in data.get("passes", ())),
                layers=tuple(dict(row) for row in data.get("layers", ())),
                backends={str(k): dict(v) for k, v in data.get("backends", {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProjectError(
                f"{where}: missing or bad field {exc}; compile the project again"
            ) from None
