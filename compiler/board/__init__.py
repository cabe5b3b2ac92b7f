"""Getting onto the board: the link map, the link-level wrapper, and pattern files.

``trigc patterns PROJECT --format emp|emp2|apx`` writes ``PROJECT/board/``: ``link_map.yaml``,
the input pattern file (events on the input links), the expected output pattern file (the IR's
results on the output links) and, for an RTL project, the link wrapper ``<top>_links.v``.
``trigc check-capture PROJECT captured.txt`` compares a board's (or a simulation's) captured
output pattern file with the IR.  ``linkmap.py`` (the map), ``patterns.py`` (the three file
formats), ``events.py`` (events ↔ frames, the capture check), ``wrapper.py`` (the Verilog).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..backends.rtl.manifest import load_rtl_manifest
from ..errors import TrigcError
from ..project import Project
from ..vectors.events import run_rows
from ..vectors.input_data import read_vectors
from ..vectors.stimuli import make_vectors
from .events import CaptureResult, check_capture, events_to_board
from .linkmap import LinkMap, check_link_map, default_link_map, load_link_map
from .patterns import FORMATS, BoardData, detect_format, read_pattern, write_pattern
from .wrapper import emp_payload_vhdl, emp_standin_vhdl, testbench_verilog, wrapper_verilog

BOARD_DIR = "board"
LINK_MAP = "link_map.yaml"


def pattern_names(fmt: str) -> tuple[str, str]:
    return f"input.{fmt}.txt", f"expected_output.{fmt}.txt"


def project_link_map(project: Project, path: Path | None = None) -> tuple[LinkMap, str]:
    """The link map given, else the project's ``board/link_map.yaml``, else the default."""
    saved = project.path / BOARD_DIR / LINK_MAP
    chosen = path or (saved if saved.is_file() else None)
    if chosen is None:
        link_map = default_link_map(project.graph)
        check_link_map(link_map, project.graph, "the default link map")
        return link_map, LINK_MAP
    return load_link_map(chosen, project.graph), Path(chosen).name


def write_patterns(
    project: Project,
    fmt: str,
    inputs: str | Path | None = None,
    events: int = 1000,
    seed: int = 0,
    link_map_path: Path | None = None,
    branches: list[str] | None = None,
    quantize_inputs: bool = False,
) -> list[Path]:
    """Write the board folder for ``fmt``; returns the files written."""
    if fmt not in FORMATS:
        raise TrigcError(f"--format {fmt!r}: valid formats are {', '.join(FORMATS)}")
    graph = project.graph
    link_map, map_name = project_link_map(project, link_map_path)
    if inputs is not None:
        x = read_vectors(graph, inputs, branches, quantize_inputs).mantissas
    else:
        x = make_vectors(graph, events, seed)[0]
    n = len(x)
    y = [run_rows(graph, x).reshape(n, -1)]
    board = project.path / BOARD_DIR
    board.mkdir(exist_ok=True)
    in_name, out_name = pattern_names(fmt)
    files = [board / LINK_MAP]
    files[0].write_text(link_map.to_yaml())
    files.append(
        write_pattern(
            events_to_board(link_map, "inputs", x.reshape(n, -1), graph.name), board / in_name, fmt
        )
    )
    files.append(
        write_pattern(
            events_to_board(link_map, "outputs", np.concatenate(y, axis=1), graph.name),
            board / out_name,
            fmt,
        )
    )
    if "rtl" in project.manifest.backends:
        manifest = load_rtl_manifest(project.backend_dir("rtl"))
        wrapper = board / f"{manifest.top}_links.v"
        wrapper.write_text(wrapper_verilog(link_map, manifest, map_name))
        payload = board / "emp_payload.vhd"
        payload.write_text(emp_payload_vhdl(link_map, manifest, map_name))
        standin = board / "emp_data_types_standin.vhd"
        standin.write_text(emp_standin_vhdl())
        files += [wrapper, payload, standin]
    return files


def check_project_capture(
    project: Project,
    captured: Path,
    input_pattern: Path | None = None,
    link_map_path: Path | None = None,
) -> CaptureResult:
    """``trigc check-capture``: the captured output pattern against the IR on the input
    pattern's events (by default ``board/input.<format of the capture>.txt``)."""
    link_map, _ = project_link_map(project, link_map_path)
    if input_pattern is None:
        fmt = detect_format(Path(captured).read_text()) if Path(captured).is_file() else "emp"
        input_pattern = project.path / BOARD_DIR / pattern_names(fmt)[0]
        if not input_pattern.is_file():
            raise TrigcError(
                f"{input_pattern} not found: write it with `trigc patterns {project.path} "
                f"--format {fmt}` or give --input-pattern"
            )
    return check_capture(project.graph, link_map, Path(input_pattern), Path(captured))


__all__ = [
    "FORMATS",
    "BoardData",
    "CaptureResult",
    "LinkMap",
    "check_project_capture",
    "default_link_map",
    "pattern_names",
    "project_link_map",
    "read_pattern",
    "testbench_verilog",
    "write_pattern",
    "write_patterns",
]
