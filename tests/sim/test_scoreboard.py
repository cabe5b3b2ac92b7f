"""The protocol rules of the cocotb scoreboard, on hand-made monitor records (no simulator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.ir.serialize import load_graph
from trigc.sim.manifest import pack_vectors, words_to_ints
from trigc.sim.scoreboard import OutputSample, Scoreboard, ScoreboardError

LATENCY = 2  # dot4's latency_cycles


@pytest.fixture
def board(dot4_dir: Path) -> Scoreboard:
    return Scoreboard(load_rtl_manifest(dot4_dir), load_graph(dot4_dir / "ir.json"))


def _packed(board: Scoreboard, rows: list[list[int]]) -> list[int]:
    return words_to_ints(pack_vectors(board.manifest.inputs, 32, [np.array(rows)]))


def _stream(
    board: Scoreboard,
    in_edges: list[int],
    resets: tuple[int, ...] = (0, 1),
    last_edge: int = 14,
    shift: int = 0,
) -> None:
    """Record vectors accepted at ``in_edges`` and a design that outputs them ``LATENCY +
    shift`` edges later (dropping those a reset hits), with the IR's results."""
    vectors = _packed(board, [[e, -e, 3 * e, 100 - e] for e in in_edges])
    for r in resets:
        board.record_reset(r)
    for edge, v in zip(in_edges, vectors, strict=True):
        board.record_input(edge, v)
    results = dict(zip(in_edges, board.reference(vectors), strict=True))
    for edge in range(last_edge + 1):
        src = edge - LATENCY - shift
        alive = src in results and not any(src < r <= src + LATENCY for r in resets)
        board.record_output(OutputSample(edge, alive, results[src] if alive else None))


def test_a_correct_stream_passes(board: Scoreboard) -> None:
    _stream(board, [2, 3, 4, 7, 9])
    assert board.check() == 5


def test_output_one_edge_early_is_reported_with_the_observed_latency(board: Scoreboard) -> None:
    _stream(board, [2, 3, 6], shift=-1)
    with pytest.raises(ScoreboardError, match="out_valid=1 after edge 3.*came out 1 edges after"):
        board.check()


def test_a_missing_output_is_reported(board: Scoreboard) -> None:
    _stream(board, [2, 3])
    board.outputs[4] = OutputSample(4, False, None)
    with pytest.raises(
        ScoreboardError, match="out_valid=0 after edge 4, but a vector was accepted"
    ):
        board.check()


def test_x_on_valid_or_data_is_reported(board: Scoreboard) -> None:
    _stream(board, [2, 3])
    board.outputs[4] = OutputSample(4, True, None)
    board.outputs[9] = OutputSample(9, None, None)
    with pytest.raises(ScoreboardError) as info:
        board.check()
    assert "out_data has X/Z bits while out_valid=1 after edge 4" in str(info.value)
    assert "out_valid is X/Z after edge 9" in str(info.value)


def test_wrong_data_names_vector_inputs_and_both_results(board: Scoreboard) -> None:
    _stream(board, [2, 3])
    s = board.outputs[5]
    board.outputs[5] = OutputSample(5, True, s.data ^ 1)
    with pytest.raises(ScoreboardError) as info:
        board.check()
    text = str(info.value)
    assert "vector #1 (in at edge 3, out after edge 5)" in text
    assert "input x = [3, -3, 9, 97]" in text and "output y: RTL" in text and "!= IR" in text


def test_reset_drops_vectors_in_flight(board: Scoreboard) -> None:
    # vectors at 4 and 5 are in flight at the reset at edge 6; 8 comes out normally
    _stream(board, [4, 5, 8], resets=(0, 1, 6))
    assert board.flushed(4) and board.flushed(5) and not board.flushed(8)
    assert board.check() == 1


def test_outputs_after_a_reset_are_errors(board: Scoreboard) -> None:
    _stream(board, [4, 5, 8], resets=(0, 1, 6))
    board.outputs[7] = OutputSample(7, True, 0)
    with pytest.raises(ScoreboardError, match="out_valid=1 after edge 7"):
        board.check()


def test_vectors_still_in_flight_at_the_end_are_reported(board: Scoreboard) -> None:
    _stream(board, [2, 12], last_edge=13)
    with pytest.raises(ScoreboardError, match="1 accepted vectors .* still in flight"):
        board.check()
