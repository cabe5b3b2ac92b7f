"""Which bits of which link word and frame carry each input and output element: the link map.

A board receives an event as 64-bit words on N optical links, one word per link per clock
(a *frame*).  The link map (``link_map.yaml``) places every element of the model's inputs and
outputs (their mantissas, two's complement for signed types) at ``link``, ``frame`` (counted
from the event's first frame) and ``lsb``, ``width``::

    schema: trigc-linkmap/1
    word_bits: 64
    frames: 1              # frames per event (1: a new event every clock)
    inputs:  [{element: 0, link: 0, frame: 0, lsb: 0, width: 14}, ...]
    outputs: [{element: 0, link: 0, frame: 0, lsb: 0, width: 16}, ...]

Elements count over the model's input (or output) tensors one after another.  The default
packs the elements in order, never splitting one over two words, over as few links as one
frame needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml

from ..errors import TrigcError
from ..ir.fixed import FixedType
from ..ir.graph import Graph

SCHEMA = "trigc-linkmap/1"
WORD_BITS = 64


class LinkMapError(TrigcError):
    """A link map is not valid for the model."""


@dataclass(frozen=True)
class Field:
    element: int
    link: int
    frame: int
    lsb: int
    width: int


@dataclass(frozen=True)
class LinkMap:
    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]
    frames: int = 1
    word_bits: int = WORD_BITS

    def links(self, side: str) -> int:
        fields = self.inputs if side == "inputs" else self.outputs
        return 1 + max((f.link for f in fields), default=-1)

    def to_yaml(self) -> str:
        data = {
            "schema": SCHEMA,
            "word_bits": self.word_bits,
            "frames": self.frames,
            "inputs": [asdict(f) for f in self.inputs],
            "outputs": [asdict(f) for f in self.outputs],
        }
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


def element_types(graph: Graph, side: str) -> list[FixedType]:
    """The type of every input (or output) element, tensors one after another."""
    tensors = (
        [n.output for n in graph.inputs]
        if side == "inputs"
        else [graph.tensor(name) for name in graph.outputs]
    )
    return [t.type for t in tensors for _ in range(t.size)]


def _pack(types: list[FixedType], word_bits: int, what: str) -> tuple[Field, ...]:
    fields, link, lsb = [], 0, 0
    for k, t in enumerate(types):
        if t.width > word_bits:
            raise LinkMapError(f"{what} element {k} is {t.width} bits, wider than a link word")
        if lsb + t.width > word_bits:
            link, lsb = link + 1, 0
        fields.append(Field(k, link, 0, lsb, t.width))
        lsb += t.width
    return tuple(fields)


def default_link_map(graph: Graph) -> LinkMap:
    """Every element in order, packed over as few links as one frame needs."""
    return LinkMap(
        _pack(element_types(graph, "inputs"), WORD_BITS, "input"),
        _pack(element_types(graph, "outputs"), WORD_BITS, "output"),
    )


def check_link_map(link_map: LinkMap, graph: Graph, where: str = "link map") -> None:
    """Every element placed once, at its type's width, inside a word and the event's frames,
    without overlapping another."""
    for side in ("inputs", "outputs"):
        types = element_types(graph, side)
        fields = link_map.inputs if side == "inputs" else link_map.outputs
        if sorted(f.element for f in fields) != list(range(len(types))):
            raise LinkMapError(
                f"{where}: {side} must place each of the {len(types)} elements exactly once"
            )
        used: set[tuple[int, int, int]] = set()
        for f in fields:
            if f.width != types[f.element].width:
                raise LinkMapError(
                    f"{where}: {side} element {f.element} has width {f.width}, but its type "
                    f"{types[f.element]} has {types[f.element].width} bits"
                )
            if f.lsb < 0 or f.lsb + f.width > link_map.word_bits or f.link < 0:
                raise LinkMapError(f"{where}: {side} element {f.element} leaves its link word")
            if not 0 <= f.frame < link_map.frames:
                raise LinkMapError(
                    f"{where}: {side} element {f.element} is in frame {f.frame}, but an event "
                    f"has {link_map.frames} frame(s)"
                )
            bits = {(f.link, f.frame, b) for b in range(f.lsb, f.lsb + f.width)}
            if bits & used:
                raise LinkMapError(f"{where}: {side} element {f.element} overlaps another")
            used |= bits


def load_link_map(path: Path, graph: Graph) -> LinkMap:
    """Read and check ``link_map.yaml`` for ``graph``."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise LinkMapError(f"{path}: cannot read the link map ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise LinkMapError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise LinkMapError(f"{path}: not a link map (expected 'schema: {SCHEMA}')")
    try:
        link_map = LinkMap(
            tuple(Field(**f) for f in data["inputs"]),
            tuple(Field(**f) for f in data["outputs"]),
            int(data.get("frames", 1)),
            int(data.get("word_bits", WORD_BITS)),
        )
    except (KeyError, TypeError) as exc:
        raise LinkMapError(
            f"{path}: every field needs element, link, frame, lsb and width ({exc})"
        ) from None
    check_link_map(link_map, graph, str(path))
    return link_map


def to_words(
    fields: tuple[Field, ...], frames: int, links: int, mantissas: np.ndarray
) -> np.ndarray:
    """Events of mantissas ``(n, elements)`` as link words ``(n * frames, links)`` (uint64)."""
    n = len(mantissas)
    words = np.zeros((n, frames, links), dtype=np.uint64)
    for f in fields:
        raw = np.asarray(mantissas[:, f.element]).astype(np.int64).astype(np.uint64)
        raw &= np.uint64((1 << f.width) - 1)
        words[:, f.frame, f.link] |= raw << np.uint64(f.lsb)
    return words.reshape(n * frames, links)


def from_words(
    fields: tuple[Field, ...], frames: int, types: list[FixedType], words: np.ndarray
) -> np.ndarray:
    """Link words ``(n * frames, links)`` back to mantissas ``(n, elements)``."""
    n = len(words) // frames
    per_event = words[: n * frames].reshape(n, frames, -1)
    out = np.zeros((n, len(fields)), dtype=np.int64)
    for f in fields:
        raw = (per_event[:, f.frame, f.link] >> np.uint64(f.lsb)) & np.uint64((1 << f.width) - 1)
        value = raw.astype(np.int64)
        if types[f.element].signed and f.width < 64:  # 64 bits: the cast already wrapped
            sign = np.int64(1 << (f.width - 1))
            value = np.where(value >= sign, value - (np.int64(1) << np.int64(f.width)), value)
        out[:, f.element] = value
    return out
