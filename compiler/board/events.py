"""Events on links: input mantissas → pattern frames (``trigc patterns``), captured frames →
output mantissas compared with the IR (``trigc check-capture``).

An event occupies ``link_map.frames`` consecutive frames with ``valid`` set on every link of
its side, ``start`` on its first frame and ``end`` on its last.  Pattern files open with
:data:`IDLE_FRAMES` idle frames (valid low), as board playback buffers usually do, and the
first frame carries the start-of-orbit flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TrigcError
from ..ir.graph import Graph
from ..vectors.events import run_rows
from .linkmap import LinkMap, element_types, from_words, to_words
from .patterns import BoardData, PatternError, read_pattern

IDLE_FRAMES = 6


def events_to_board(
    link_map: LinkMap, side: str, mantissas: np.ndarray, name: str, idle: int = IDLE_FRAMES
) -> BoardData:
    """Events ``(n, elements)`` as the frames of the side's links, framed by idle frames."""
    fields = link_map.inputs if side == "inputs" else link_map.outputs
    links = link_map.links(side)
    words = to_words(fields, link_map.frames, links, mantissas)
    total = idle + len(words) + idle
    data = np.zeros((total, links), dtype=np.uint64)
    data[idle : idle + len(words)] = words
    valid = np.zeros(data.shape, dtype=bool)
    valid[idle : idle + len(words)] = True
    first = idle + np.arange(len(mantissas)) * link_map.frames
    start, end, orbit = (np.zeros(data.shape, dtype=bool) for _ in range(3))
    start[first] = True
    end[first + link_map.frames - 1] = True
    orbit[0] = True
    return BoardData.of(name, tuple(range(links)), data, valid, start, end, orbit)


@dataclass(frozen=True)
class Events:
    """Events read from frames: mantissas and the frame each event starts at."""

    mantissas: np.ndarray
    first_frames: np.ndarray
    words: np.ndarray = field(repr=False)


def board_to_events(link_map: LinkMap, side: str, graph: Graph, board: BoardData) -> Events:
    """The events carried by the side's links: every run of valid frames, cut into events."""
    links = tuple(range(link_map.links(side)))
    board = board.select(links)
    valid = board.valid.all(axis=1)
    frames = np.flatnonzero(valid)
    usable = len(frames) - len(frames) % link_map.frames
    frames = frames[:usable]
    words = board.data[frames]
    fields = link_map.inputs if side == "inputs" else link_map.outputs
    mantissas = from_words(fields, link_map.frames, element_types(graph, side), words)
    return Events(mantissas, frames[:: link_map.frames], words)


@dataclass
class CaptureResult:
    """What ``trigc check-capture`` found."""

    events: int
    identical: int
    latency_frames: int | None
    lines: list[str]

    @property
    def ok(self) -> bool:
        return self.events > 0 and self.identical == self.events


def expected_outputs(graph: Graph, link_map: LinkMap, input_board: BoardData) -> np.ndarray:
    """The IR's outputs for the events of an input pattern (tensors one after another)."""
    inputs = board_to_events(link_map, "inputs", graph, input_board).mantissas
    if len(graph.inputs) == 1:
        inputs = inputs.reshape(len(inputs), *graph.inputs[0].output.shape)
    return run_rows(graph, inputs).reshape(len(inputs), -1)


def check_capture(
    graph: Graph, link_map: LinkMap, input_pattern: Path, captured: Path
) -> CaptureResult:
    """Compare every event of a captured output pattern with the IR on the input pattern's
    events; the latency is the captured first event's frame minus the input's."""
    input_board = read_pattern(input_pattern)
    want = expected_outputs(graph, link_map, input_board)
    try:
        got = board_to_events(link_map, "outputs", graph, read_pattern(captured))
    except PatternError as exc:
        raise TrigcError(f"{captured}: {exc}") from None
    in_first = board_to_events(link_map, "inputs", graph, input_board).first_frames
    latency = int(got.first_frames[0] - in_first[0]) if len(got.first_frames) else None
    lines = [
        f"{len(want)} events in {input_pattern.name}, {len(got.mantissas)} captured in "
        f"{captured.name}" + (f", latency {latency} frames" if latency is not None else "")
    ]
    n = min(len(want), len(got.mantissas))
    same = np.all(got.mantissas[:n] == want[:n], axis=1) if n else np.zeros(0, dtype=bool)
    result = CaptureResult(len(want), int(same.sum()), latency, lines)
    if len(got.mantissas) != len(want):
        lines.append(f"MISMATCH: {len(want)} events expected, {len(got.mantissas)} captured")
        result.identical = min(result.identical, len(want) - 1)
    bad = np.flatnonzero(~same)
    if bad.size:
        lines += _first_difference(link_map, graph, int(bad[0]), got, want)
        lines.append(f"FAIL: {bad.size} of {len(want)} events differ")
    elif result.ok:
        lines.append("PASS: every captured event equals the IR, bit for bit")
    return result


def _first_difference(
    link_map: LinkMap, graph: Graph, event: int, got: Events, want: np.ndarray
) -> list[str]:
    types = element_types(graph, "outputs")
    frame0 = int(got.first_frames[event])
    lines = [f"first differing event: #{event} (captured from frame {frame0})"]
    for f in link_map.outputs:
        a, b = int(got.mantissas[event, f.element]), int(want[event, f.element])
        if a != b:
            mask = (1 << f.width) - 1
            diff = (a & mask) ^ (b & mask)
            bits = [f.lsb + k for k in range(f.width) if diff >> k & 1]
            lines.append(
                f"  output element {f.element} ({types[f.element]}): captured {a}, IR {b}; "
                f"link {f.link}, frame {frame0 + f.frame}, bits {bits}"
            )
    return lines
