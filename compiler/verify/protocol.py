"""The cocotb protocol tests of the RTL (II = 1, gaps, reset, latency, no X/Z)."""

from __future__ import annotations

import shutil
from typing import Any

from ..progress import Progress
from ..project import Project

PROTOCOL_JOBS = 2
"""Simulator processes sharing the protocol tests: cocotb's Python per clock edge is their cost,
so two halve the wall time of a large design's tests on two cores."""


def default_protocol_simulators() -> tuple[str, ...]:
    """Icarus Verilog where it is installed: the bulk harness already verilates the design, so
    the protocol tests run in a second, independent simulator instead of verilating it twice;
    Verilator otherwise."""
    return ("icarus",) if shutil.which("iverilog") and shutil.which("vvp") else ("verilator",)


def run_protocol(project: Project, simulator: str, seed: int, progress: Progress) -> Any:
    """The protocol tests in ``simulator``; failures are results, not exceptions."""
    from trigc.sim.runner import ProtocolTestError, run_protocol_tests  # noqa: PLC0415

    try:
        result = run_protocol_tests(
            project.backend_dir("rtl"),
            project.path / "ir.json",
            simulator,
            seed=seed + 1,
            jobs=PROTOCOL_JOBS,
        )
    except ProtocolTestError as exc:
        result = exc.result
    detail = "cached" if result.build_cached else ""
    progress.record(f"build cocotb {simulator}", result.build_seconds, detail)
    progress.record(f"run cocotb {simulator}", result.run_seconds)
    return result
