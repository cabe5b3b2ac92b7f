"""Play an input pattern file into a project's link wrapper in Icarus Verilog or Verilator and
capture the output links as a pattern file, as a board's playback and capture buffers do."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.board import (
    BoardData,
    project_link_map,
    read_pattern,
    testbench_verilog,
    write_pattern,
)
from trigc.compiler.board.patterns import detect_format
from trigc.compiler.project import Project, open_project

from .verilator import SimulationError, find_icarus, find_verilator

SIMULATORS = ("icarus", "verilator")


def _rx_lines(board: BoardData, links: int) -> list[str]:
    board = board.select(tuple(range(links)))
    digits = (links * 67 + 3) // 4
    lines = []
    for i in range(board.frames):
        value = 0
        for j in range(links):
            value |= int(board.data[i, j]) << (64 * j)
            value |= int(board.valid[i, j]) << (64 * links + j)
            value |= int(board.start[i, j]) << (64 * links + links + j)
            value |= int(board.end[i, j]) << (64 * links + 2 * links + j)
        lines.append(f"{value:0{digits}x}")
    return lines


def _parse_tx(text: str, links: int, name: str) -> BoardData:
    rows = [line.split() for line in text.splitlines() if line.strip()]
    if any("x" in field.lower() or "z" in field.lower() for row in rows for field in row):
        raise SimulationError("the link wrapper drove X or Z onto its output links")
    last, start, valid = (np.array([[int(r[k], 16) >> j & 1 for j in range(links)] for r in rows])
                          for k in range(3))  # fmt: skip
    data = np.array(
        [[(int(r[3], 16) >> (64 * j)) & ((1 << 64) - 1) for j in range(links)] for r in rows],
        dtype=np.uint64,
    )
    return BoardData.of(name, tuple(range(links)), data, valid, start, last)


def play_pattern(
    project: Project | Path, input_pattern: Path, captured: Path, simulator: str = "icarus"
) -> BoardData:
    """Simulate the link wrapper on ``input_pattern``; write what its output links carried to
    ``captured`` (in the input's format) and return it."""
    project = project if isinstance(project, Project) else open_project(Path(project))
    if simulator not in SIMULATORS:
        raise SimulationError(f"unknown simulator {simulator!r}; valid: {', '.join(SIMULATORS)}")
    manifest = load_rtl_manifest(project.backend_dir("rtl"))
    link_map, map_name = project_link_map(project)
    rx_board = read_pattern(input_pattern)
    rx, tx = link_map.links("inputs"), link_map.links("outputs")
    work = project.path / "board" / f"sim_{simulator}"
    work.mkdir(parents=True, exist_ok=True)
    lines = _rx_lines(rx_board, rx)
    (work / "rx_frames.mem").write_text("\n".join(lines) + "\n")
    tb = work / f"{manifest.top}_links_tb.v"
    tb.write_text(testbench_verilog(link_map, manifest, map_name, len(lines)))
    wrapper = project.path / "board" / f"{manifest.top}_links.v"
    sources = [str(tb), str(wrapper), *(str(f) for f in manifest.file_paths)]
    top = f"{manifest.top}_links_tb"
    if simulator == "icarus":
        icarus = find_icarus()
        commands = [
            [str(icarus.iverilog), "-g2012", "-s", top, "-o", "sim.vvp", *sources],
            [str(icarus.vvp), "-n", "sim.vvp"],
        ]
        for cmd in commands:
            proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise SimulationError(f"{Path(cmd[0]).name} failed:\n{proc.stdout}{proc.stderr}")
    else:
        verilator = find_verilator()
        args = ["--binary", "--timing", "-j", "2", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                "--top-module", top, "--Mdir", "obj", "-o", "sim", *sources]  # fmt: skip
        verilator.run(args, work, f"build the link testbench of {manifest.top}")
        proc = subprocess.run([str(work / "obj" / "sim")], cwd=work, capture_output=True,
                              text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            raise SimulationError(f"the Verilator link testbench failed:\n{proc.stderr[-2000:]}")
    board = _parse_tx((work / "tx_frames.txt").read_text(), tx, rx_board.name or "trigc")
    write_pattern(board, captured, detect_format(Path(input_pattern).read_text()))
    return board
