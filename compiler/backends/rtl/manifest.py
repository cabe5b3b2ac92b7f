"""``rtl_manifest.json``: the one contract between the RTL backend and its readers.

The backend builds an :class:`RtlManifest` and writes :meth:`RtlManifest.to_text`; the
simulators (:mod:`trigc.sim`), the reports and the tools read it back with
:func:`load_rtl_manifest`, which checks every field.  Each port (input or output tensor)
occupies a slice of ``in_data`` / ``out_data``: its flattened elements (C order) sit at
``offset + j * width``, element 0 in the low bits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ProjectError, read_project_json
from ...ir.fixed import FixedType, FixedTypeError
from ...ir.graph import Graph

MANIFEST_NAME = "rtl_manifest.json"
RTL_FORMAT = "trigc-rtl-manifest"
RTL_VERSION = 1
"""Version 1 added ``format`` and ``version``; a file without them is version 0, read alike."""
WORD_BITS = 32


@dataclass(frozen=True)
class Port:
    """One tensor on a data bus: ``size`` elements of ``width`` bits from bit ``offset``."""

    name: str
    shape: tuple[int, ...]
    type: FixedType
    width: int
    offset: int

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def end(self) -> int:
        """One past the last bit the port occupies."""
        return self.offset + self.size * self.width

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "type": str(self.type),
            "width": self.width,
            "offset": self.offset,
        }

    @classmethod
    def from_json(cls, entry: Any, where: str) -> Port:
        try:
            port = cls(
                name=str(entry["name"]),
                shape=tuple(int(s) for s in entry["shape"]),
                type=FixedType.parse(str(entry["type"])),
                width=int(entry["width"]),
                offset=int(entry["offset"]),
            )
        except (KeyError, TypeError, ValueError, FixedTypeError) as exc:
            raise ProjectError(f"{where}: bad port entry {entry!r} ({exc})") from None
        if port.width != port.type.width:
            raise ProjectError(
                f"{where}: port {port.name!r} width {port.width} != type {port.type}"
            )
        return port


@dataclass(frozen=True)
class LayerEntry:
    """One layer module: the IR layer it computes, its instance and its pipeline stages."""

    name: str
    module: str
    instance: str
    stages: tuple[int, ...]
    latency_cycles: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "instance": self.instance,
            "stages": list(self.stages),
            "latency_cycles": self.latency_cycles,
        }

    @classmethod
    def from_json(cls, entry: Any) -> LayerEntry:
        """An entry; ``module`` and ``stages`` may be left out (a hand-written manifest)."""
        return cls(
            str(entry["name"]),
            str(entry.get("module", "")),
            str(entry["instance"]),
            tuple(int(s) for s in entry.get("stages", ())),
            int(entry["latency_cycles"]),
        )


@dataclass(frozen=True)
class RtlManifest:
    """What the RTL backend wrote: top module, latency, clock, ports, files and figures.

    ``directory`` is where it was read from (not part of the file).
    """

    top: str
    graph: str
    latency_cycles: int
    ii: int
    clock_mhz: float
    clock_period_ns: float
    delay_model: dict[str, Any] | str  # a hand-written manifest may name its model in words
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    in_width: int
    out_width: int
    stages: tuple[float, ...]
    files: tuple[str, ...]
    layers: tuple[LayerEntry, ...]
    wrapper_top: str
    wrapper_ports: tuple[tuple[str, str], ...]  # (tensor, port), inputs then outputs
    n_wrapper_inputs: int
    sharing: bool
    estimate: dict[str, int]
    directory: Path | None = field(default=None, compare=False)

    # -- what readers ask -----------------------------------------------------------------
    def wrapper_port(self, tensor: str) -> str:
        """The hls wrapper's port for ``tensor`` (the tensor name unless the manifest maps it)."""
        return dict(self.wrapper_ports).get(tensor, tensor)

    @property
    def in_words(self) -> int:
        """32-bit words per packed input vector."""
        return -(-self.in_width // WORD_BITS)

    @property
    def out_words(self) -> int:
        """32-bit words per packed output vector."""
        return -(-self.out_width // WORD_BITS)

    @property
    def file_paths(self) -> tuple[Path, ...]:
        """The design's files, in the directory the manifest was read from."""
        base = self.directory or Path()
        return tuple(base / f for f in self.files)

    def check_graph(self, graph: Graph) -> None:
        """Raise :class:`ProjectError` unless the ports match the graph's inputs and outputs."""
        expected_in = [(n.output.name, n.output.shape, n.output.type) for n in graph.inputs]
        expected_out = [(t, graph.tensor(t).shape, graph.tensor(t).type) for t in graph.outputs]
        for what, ports, expected in (
            ("inputs", self.inputs, expected_in),
            ("outputs", self.outputs, expected_out),
        ):
            found = [(p.name, p.shape, p.type) for p in ports]
            if found != expected:
                raise ProjectError(
                    f"{(self.directory or Path()) / MANIFEST_NAME}: {what} {_describe(found)} do "
                    f"not match graph {graph.name!r} {what} {_describe(expected)}; was the RTL "
                    "generated from this ir.json?"
                )

    # -- the file ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        wrapper = [{"tensor": t, "port": p} for t, p in self.wrapper_ports]
        return {
            "format": RTL_FORMAT,
            "version": RTL_VERSION,
            "top": self.top,
            "graph": self.graph,
            "latency_cycles": self.latency_cycles,
            "ii": self.ii,
            "clock_mhz": self.clock_mhz,
            "clock_period_ns": self.clock_period_ns,
            "delay_model": self.delay_model,
            "inputs": [p.to_json() for p in self.inputs],
            "outputs": [p.to_json() for p in self.outputs],
            "in_width": self.in_width,
            "out_width": self.out_width,
            "stages": list(self.stages),
            "files": list(self.files),
            "layers": [layer.to_json() for layer in self.layers],
            "hls_wrapper": {
                "top": self.wrapper_top,
                "inputs": wrapper[: self.n_wrapper_inputs],
                "outputs": wrapper[self.n_wrapper_inputs :],
            },
            "sharing": self.sharing,
            "estimate": self.estimate,
        }

    def to_text(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: Any, where: str, directory: Path | None = None) -> RtlManifest:
        if not isinstance(data, dict):
            raise ProjectError(f"{where}: expected a JSON object")
        _check_version(data, where)
        for key, kind in _REQUIRED:
            if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
                raise ProjectError(f"{where}: field {key!r} missing or not {kind_name(kind)}")
        try:
            wrapper = data.get("hls_wrapper", {})
            wrapper_in = [(str(p["tensor"]), str(p["port"])) for p in wrapper.get("inputs", ())]
            wrapper_out = [(str(p["tensor"]), str(p["port"])) for p in wrapper.get("outputs", ())]
            manifest = cls(
                top=str(data["top"]),
                graph=str(data.get("graph", "")),
                latency_cycles=int(data["latency_cycles"]),
                ii=int(data["ii"]),
                clock_mhz=float(data["clock_mhz"]),
                clock_period_ns=float(data.get("clock_period_ns", 1000.0 / data["clock_mhz"])),
                delay_model=_delay_model(data.get("delay_model", {})),
                inputs=tuple(Port.from_json(p, where) for p in data["inputs"]),
                outputs=tuple(Port.from_json(p, where) for p in data["outputs"]),
                in_width=int(data["in_width"]),
                out_width=int(data["out_width"]),
                stages=tuple(float(s) for s in data.get("stages", ())),
                files=tuple(str(f) for f in data["files"]),
                layers=tuple(LayerEntry.from_json(e) for e in data.get("layers", ())),
                wrapper_top=str(wrapper.get("top", f"{data['top']}_hls_wrapper")),
                wrapper_ports=tuple(wrapper_in + wrapper_out),
                n_wrapper_inputs=len(wrapper_in),
                sharing=bool(data.get("sharing", True)),
                estimate={str(k): int(v) for k, v in data.get("estimate", {}).items()},
                directory=directory,
            )
        except (KeyError, TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
            raise ProjectError(f"{where}: missing or bad field {exc}") from None
        if manifest.ii != 1:
            raise ProjectError(f"{where}: ii={manifest.ii}; only II=1 designs are supported")
        if manifest.latency_cycles < 0:
            raise ProjectError(f"{where}: negative latency_cycles {manifest.latency_cycles}")
        _check_layout(manifest.inputs, manifest.in_width, "in_data", where)
        _check_layout(manifest.outputs, manifest.out_width, "out_data", where)
        return manifest


def load_rtl_manifest(rtl_dir: Path) -> RtlManifest:
    """Read and check ``rtl_dir/rtl_manifest.json`` (and that the files it lists exist)."""
    rtl_dir = Path(rtl_dir).resolve()
    path = rtl_dir / MANIFEST_NAME
    data = read_project_json(path, f"{path} not found: is {rtl_dir} the output of the RTL backend?")
    manifest = RtlManifest.from_json(data, str(path), rtl_dir)
    missing = [str(f) for f in manifest.file_paths if not f.is_file()]
    if missing:
        raise ProjectError(f"{path}: Verilog files listed but missing: {', '.join(missing)}")
    return manifest


def _check_version(data: dict[str, Any], where: str) -> None:
    """Versions 0 (no ``format`` key) to :data:`RTL_VERSION` are read; others refused."""
    if "format" not in data and "version" not in data:
        return  # version 0, written before the manifest carried its version
    version = data.get("version")
    if data.get("format") != RTL_FORMAT or not isinstance(version, int) or version < 1:
        raise ProjectError(
            f"{where}: not an rtl manifest (format {data.get('format')!r}, version "
            f"{version!r}; expected {RTL_FORMAT!r})"
        )
    if version > RTL_VERSION:
        raise ProjectError(
            f"{where}: rtl manifest version {version} was written by a newer trigc (this one "
            f"reads versions up to {RTL_VERSION}); update trigc or compile the project again"
        )


_REQUIRED = (
    ("top", str),
    ("latency_cycles", int),
    ("ii", int),
    ("clock_mhz", int | float),
    ("inputs", list),
    ("outputs", list),
    ("in_width", int),
    ("out_width", int),
    ("files", list),
)


def kind_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", list: "a list"}.get(kind, "a number")


def _delay_model(value: Any) -> dict[str, Any] | str:
    return dict(value) if isinstance(value, dict) else str(value)


def _describe(ports: list[tuple[str, tuple[int, ...], FixedType]]) -> str:
    return "[" + ", ".join(f"{n}{list(s)}:{t}" for n, s, t in ports) + "]"


def _check_layout(ports: tuple[Port, ...], bus_width: int, bus: str, where: str) -> None:
    """Ports must lie inside the bus and must not overlap."""
    spans = sorted((p.offset, p.end, p.name) for p in ports)
    for (lo, hi, name), nxt in zip(spans, [*spans[1:], None], strict=True):
        if lo < 0 or hi > bus_width:
            raise ProjectError(f"{where}: port {name!r} bits {lo}..{hi - 1} outside {bus} width")
        if nxt is not None and nxt[0] < hi:
            raise ProjectError(f"{where}: ports {name!r} and {nxt[2]!r} overlap on {bus}")
