"""End to end onto the (simulated) board: the jet tagger's EMP v1, EMP v2 and APx input pattern
files played into its link wrapper in Icarus and in Verilator, the output links captured as a
pattern file, and ``trigc check-capture`` passing; a corrupted word fails, naming the event and
the element."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from trigc.compiler.cli import main
from trigc.compiler.project import CompileOptions, compile_project
from trigc.sim.links import play_pattern

pytestmark = [pytest.mark.sim, pytest.mark.slow]

JET_TAGGER = Path(__file__).parents[2] / "models" / "jet_tagger" / "jet_tagger_q6_pruned.keras"
EVENTS = 300


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    p = compile_project(JET_TAGGER, root / "p", CompileOptions(backends=("rtl",)))
    for fmt in ("emp", "emp2", "apx"):
        assert main(["patterns", str(p.path), "--format", fmt, "--events", str(EVENTS)]) == 0
    return p


def _simulators() -> list[str]:
    return ["icarus"] if shutil.which("iverilog") else []


@pytest.mark.parametrize(
    ("fmt", "simulator"),
    [(f, s) for s in ("icarus", "verilator") for f in ("emp", "emp2", "apx")],
)
def test_captured_outputs_equal_the_ir(project, fmt, simulator, capsys):
    if simulator == "icarus" and not _simulators():
        pytest.skip("Icarus Verilog not installed")
    board = project.path / "board"
    captured = board / f"captured_{simulator}.{fmt}.txt"
    play_pattern(project, board / f"input.{fmt}.txt", captured, simulator)
    assert main(["check-capture", str(project.path), str(captured)]) == 0
    out = capsys.readouterr().out
    latency = project.manifest.backends["rtl"]["latency_cycles"] + 1  # + the link register
    assert f"{EVENTS} events in input.{fmt}.txt, {EVENTS} captured" in out
    assert f"latency {latency} frames" in out and "PASS" in out


def test_a_corrupted_word_names_the_event_and_element(project, tmp_path, capsys):
    if not _simulators():
        pytest.skip("Icarus Verilog not installed")
    board = project.path / "board"
    captured = tmp_path / "captured.emp.txt"
    play_pattern(project, board / "input.emp.txt", captured, "icarus")
    lines = captured.read_text().splitlines()
    # the 11th event's frame: 3 header lines, idle frames, then the latency
    row = 3 + 6 + project.manifest.backends["rtl"]["latency_cycles"] + 1 + 10
    head, token = lines[row].rsplit(" ", 1)[0], lines[row].split()[-1]  # last link's word
    flipped = f"{token[:-1]}{int(token[-1], 16) ^ 1:x}"  # bit 0 of link 1: element 4
    lines[row] = f"{head} {flipped}"
    captured.write_text("\n".join(lines) + "\n")
    assert main(["check-capture", str(project.path), str(captured)]) == 1
    out = capsys.readouterr().out
    assert "first differing event: #10" in out
    assert "output element 4" in out and "link 1" in out and "bits [0]" in out
    assert "FAIL: 1 of 300 events differ" in out


def test_check_capture_usage_errors_exit_2(project, tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("not a pattern\n")
    assert main(["check-capture", str(project.path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not an EMP v1, EMP v2 or APx pattern file" in err and "Traceback" not in err


def test_emp_payload_shim_analyses_in_ghdl(project, tmp_path):
    if shutil.which("ghdl") is None:
        pytest.skip("GHDL is not installed (Debian: apt-get install ghdl)")
    board = project.path / "board"
    files = [board / "emp_data_types_standin.vhd", board / "emp_payload.vhd"]
    cmd = ["ghdl", "-a", "--std=08", f"--workdir={tmp_path}", *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    broken = tmp_path / "broken.vhd"  # the check can fail: a port the record does not have
    broken.write_text(files[1].read_text().replace(".last;", ".lastt;", 1))
    cmd = ["ghdl", "-a", "--std=08", f"--workdir={tmp_path}", str(files[0]), str(broken)]
    assert subprocess.run(cmd, capture_output=True, text=True, check=False).returncode != 0
