"""Pattern files (EMP v1, EMP v2, APx) and the link map, without simulators: round trips, the
token grammar of CMSSW's DemonstratorTools readers, the default packing, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.board import BoardData, default_link_map, read_pattern, write_pattern
from trigc.compiler.board.events import board_to_events, events_to_board
from trigc.compiler.board.linkmap import Field, LinkMap, LinkMapError, check_link_map
from trigc.compiler.board.patterns import PatternError, detect_format
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Graph, Node, Tensor


def _graph(n_in: int = 16, in_t: str = "fixed<14,5>", n_out: int = 5) -> Graph:
    x = Node("x", "input", (), Tensor("x", (n_in,), T.parse(in_t)))
    y = Node("y", "requantize", ("x",), Tensor("y", (n_out,), T.parse("fixed<16,6>")))
    return Graph("g", (x, y), ("y",))


def _board(frames: int = 20, links: tuple[int, ...] = (0, 1, 5)) -> BoardData:
    rng = np.random.default_rng(0)
    shape = (frames, len(links))
    data = rng.integers(0, 1 << 63, shape, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    flags = [rng.random(shape) < 0.5 for _ in range(4)]
    return BoardData.of("trigc_test", links, data, *flags)


@pytest.mark.parametrize("fmt", ["emp", "emp2", "apx"])
def test_pattern_files_round_trip(fmt, tmp_path):
    board = _board()
    path = write_pattern(board, tmp_path / f"p.{fmt}.txt", fmt)
    back = read_pattern(path)
    assert detect_format(path.read_text()) == fmt and back.links == board.links
    np.testing.assert_array_equal(back.data, board.data)
    np.testing.assert_array_equal(back.valid, board.valid)
    if fmt != "emp":  # EMP v1 carries only the valid flag
        np.testing.assert_array_equal(back.start, board.start)
        np.testing.assert_array_equal(back.end, board.end)
    if fmt == "emp2":
        np.testing.assert_array_equal(back.orbit, board.orbit)


def test_files_follow_the_demonstrator_tools_grammar(tmp_path):
    """The regular expressions of CMSSW's readers (L1Trigger/DemonstratorTools utilities.cc)."""
    board = _board(frames=3)
    v1 = write_pattern(board, tmp_path / "a.txt", "emp").read_text().splitlines()
    assert v1[0] == "Board trigc_test" and v1[1].startswith(" Quad/Chan :")
    assert v1[2].startswith("      Link :") and v1[2].split(":")[1].split() == ["000", "001", "005"]
    for i, line in enumerate(v1[3:]):
        prefix = f"Frame {i:04d} :"
        assert line.startswith(prefix)
        tokens = line[len(prefix) :].split()
        assert all(re.fullmatch(r"([01]s)?([01]v)([0-9a-fA-F]{16})", t) for t in tokens)
    v2 = write_pattern(board, tmp_path / "b.txt", "emp2").read_text().splitlines()
    assert v2[:2] == [
        "ID: trigc_test",
        "Metadata: (strobe,) start of orbit, start of packet, end of packet, valid",
    ]
    for i, line in enumerate(v2[4:]):
        prefix = f"Frame {i:04d}  "
        assert line.startswith(prefix)
        tokens = [t for t in re.split(r"\s\s+", line[len(prefix) :]) if t]
        assert len(tokens) == 3
        assert all(
            re.fullmatch(r"([01])?([01])([01])([01])([01]) ([0-9a-fA-F]{16})", t) for t in tokens
        )
    apx = write_pattern(board, tmp_path / "c.txt", "apx").read_text().splitlines()
    assert apx[0] == "#Sideband ON" and apx[1].split()[1:] == ["LINK_00", "LINK_01", "LINK_05"]
    assert apx[2] == "#BeginData"
    for i, line in enumerate(apx[3:]):
        tokens = line.split()
        assert int(tokens[0], 16) == i and len(tokens) == 7
        assert all(re.fullmatch(r"0x[0-9a-f]+", t) for t in tokens)


def test_default_link_map_packs_elements_without_splitting_them():
    link_map = default_link_map(_graph())  # 16 x 14 bits: 4 per word, 4 links
    assert link_map.links("inputs") == 4 and link_map.links("outputs") == 2  # 5 x 16 bits
    assert link_map.inputs[4] == Field(4, 1, 0, 0, 14)
    assert link_map.outputs[4] == Field(4, 1, 0, 0, 16)
    check_link_map(link_map, _graph())


@pytest.mark.parametrize("in_t", ["fixed<14,5>", "ufixed<9,2>", "fixed<64,10>"])
def test_events_survive_the_links(in_t):
    graph = _graph(in_t=in_t)
    link_map = default_link_map(graph)
    t = T.parse(in_t)
    rng = np.random.default_rng(1)
    x = rng.integers(t.min_int, t.max_int, (50, 16), endpoint=True, dtype=np.int64)
    x[0], x[1] = t.min_int, t.max_int
    board = events_to_board(link_map, "inputs", x, "g")
    assert board.valid.sum() == 50 * board.data.shape[1] and board.start[:, 0].sum() == 50
    events = board_to_events(link_map, "inputs", graph, board)
    np.testing.assert_array_equal(events.mantissas, x)
    assert events.first_frames[0] == 6  # after the idle frames


def test_bad_link_maps_are_named():
    graph = _graph()
    good = default_link_map(graph)
    overlap = LinkMap((*good.inputs[:-1], Field(15, 0, 0, 0, 14)), good.outputs)
    with pytest.raises(LinkMapError, match="inputs element 15 overlaps another"):
        check_link_map(overlap, graph)
    narrow = LinkMap((*good.inputs[:-1], Field(15, 9, 0, 0, 12)), good.outputs)
    with pytest.raises(LinkMapError, match="has width 12, but its type fixed<14,5> has 14"):
        check_link_map(narrow, graph)
    with pytest.raises(LinkMapError, match="exactly once"):
        check_link_map(LinkMap(good.inputs[:-1], good.outputs), graph)


def test_broken_pattern_files_are_refused_with_the_line(tmp_path):
    path = write_pattern(_board(frames=4), tmp_path / "p.txt", "emp")
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace("v", "x", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PatternError, match=r"frame 2: token .* is not like 1v<16 hex>"):
        read_pattern(path)
    (tmp_path / "q.txt").write_text("hello\n")
    with pytest.raises(PatternError, match="not an EMP v1, EMP v2 or APx pattern file"):
        read_pattern(tmp_path / "q.txt")
    with pytest.raises(PatternError, match="cannot read"):
        read_pattern(Path(tmp_path / "missing.txt"))
