"""Progress: a line per phase with its time, and a bar on a terminal for long loops."""

from __future__ import annotations

import io
import re

import pytest

from trigc.compiler import progress as progress_module
from trigc.compiler.progress import Progress


def test_a_line_per_finished_phase_and_the_totals():
    lines: list[str] = []
    progress = Progress(lines.append)
    with progress.phase("emit rtl"):
        pass
    progress.record("build verilator", 12.5, "cached")
    with pytest.raises(RuntimeError), progress.phase("broken"):
        raise RuntimeError("not recorded")
    assert [p.name for p in progress.phases] == ["emit rtl", "build verilator"]
    assert re.fullmatch(r"\.\.\. \[\s*\d+\.\d s\] emit rtl: 0\.0 s", lines[0])
    assert lines[1].endswith("build verilator: 12.5 s (cached)")
    assert progress.total("build") == 12.5


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_drawn_on_a_terminal_after_a_second(monkeypatch):
    clock = iter([0.0, 0.5, 2.0, 3.0])
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: next(clock))
    terminal = _Terminal()
    monkeypatch.setattr(progress_module.sys, "stderr", terminal)
    advance = Progress(lambda line: None).bar("hls-csim", 10)  # started at 0.0
    advance(1)  # 0.5 s: too early
    assert terminal.getvalue() == ""
    advance(5)  # 2.0 s
    advance(10)  # 3.0 s: done, the line ends
    assert "hls-csim [###############" in terminal.getvalue()
    assert terminal.getvalue().endswith("10/10\n")


def test_no_bar_off_a_terminal_or_when_silent(monkeypatch):
    pipe = io.StringIO()
    monkeypatch.setattr(progress_module.sys, "stderr", pipe)
    Progress(lambda line: None).bar("x", 2)(2)
    Progress().bar("x", 2)(2)
    assert pipe.getvalue() == ""
