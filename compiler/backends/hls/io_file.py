"""``trigc_io.json``: what the hls backend records about the top function of its project, for
the C simulation bridge (:mod:`.csim`) — one typed contract, one writer, one reader.

Ports are the top function's arguments in order (the IR tensor, hls4ml's variable name, the
shape and fixed-point type); ``tensors`` are every IR tensor with the hls4ml layer whose output
the C simulation traces for it (``trigc verify``'s first-mismatch diagnosis).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ProjectError, TrigcError, read_project_json
from ...ir.fixed import FixedType

IO_FILE = "trigc_io.json"
IO_FORMAT = "trigc-hls-io/1"


@dataclass(frozen=True)
class Port:
    """One tensor of the top function (or a traced layer output)."""

    name: str
    hls_name: str
    shape: tuple[int, ...]
    type: FixedType

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass(frozen=True)
class HlsIo:
    """The contents of ``trigc_io.json``."""

    graph: str
    project_name: str
    stamp: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    tensors: tuple[Port, ...]  # name: the IR tensor, hls_name: the traced hls4ml layer

    def to_json(self) -> dict[str, Any]:
        def port(p: Port) -> dict[str, Any]:
            return {"name": p.name, "hls_name": p.hls_name, "shape": list(p.shape),
                    "type": str(p.type)}  # fmt: skip

        return {
            "format": IO_FORMAT,
            "graph": self.graph,
            "project_name": self.project_name,
            "stamp": self.stamp,
            "inputs": [port(p) for p in self.inputs],
            "outputs": [port(p) for p in self.outputs],
            "tensors": [
                {"tensor": p.name, "layer": p.hls_name, "shape": list(p.shape), "type": str(p.type)}
                for p in self.tensors
            ],
        }

    def write(self, outdir: Path) -> Path:
        path = Path(outdir) / IO_FILE
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> HlsIo:
        if data.get("format") != IO_FORMAT:
            raise ProjectError(f"{where} has format {data.get('format')!r}, expected {IO_FORMAT!r}")
        try:
            ports = {
                key: tuple(
                    Port(p["name"], p["hls_name"], tuple(p["shape"]), FixedType.parse(p["type"]))
                    for p in data[key]
                )
                for key in ("inputs", "outputs")
            }
            tensors = tuple(
                Port(p["tensor"], p["layer"], tuple(p["shape"]), FixedType.parse(p["type"]))
                for p in data["tensors"]
            )
            return cls(data["graph"], data["project_name"], data["stamp"], ports["inputs"],
                       ports["outputs"], tensors)  # fmt: skip
        except (KeyError, TypeError, ValueError, TrigcError) as exc:
            raise ProjectError(f"{where}: malformed ({exc}); compile the project again") from None


def read_hls_io(project_dir: Path) -> HlsIo:
    """The ``trigc_io.json`` of the hls project in ``project_dir``."""
    path = Path(project_dir) / IO_FILE
    missing = f"{project_dir} is not an hls project emitted by trigc (no {IO_FILE})"
    return HlsIo.from_json(read_project_json(path, missing), str(path))
