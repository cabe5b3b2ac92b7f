"""The firmware representations against the IR: hls4ml's C simulation, the RTL in the bulk
Verilator harness, and the C++ emulator."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vectors import events
from .compare import Check, Checked, compare
from .diagnosis import trace_diagnosis


def check_hls(check: Check) -> Checked:
    """hls4ml's C simulation of the hls project (traced layer by layer on a mismatch)."""
    from ..backends.hls.csim import HlsCSim  # noqa: PLC0415

    graph = check.project.graph
    sim = HlsCSim(check.project.backend_dir("hls"), graph)
    with check.progress.phase("build hls-csim"):
        sim.build()
    with check.progress.phase("run hls-csim"):
        bar = check.progress.bar("hls-csim", len(check.x))
        ins = events.input_slots(graph)
        comparison = compare(
            "hls-csim",
            lambda v: events.join(sim.predict_int(events.split(ins, v), bar)),
            check.x,
            check.reference,
        )

    def diagnose(bad: np.ndarray) -> list[str]:
        traced = sim.trace_int(events.split(events.input_slots(graph), bad[None]))
        return trace_diagnosis(graph, "hls-csim", traced, bad)

    return [comparison], diagnose


def check_rtl(check: Check) -> Checked:
    """The rtl project's Verilog in the bulk Verilator harness."""
    from trigc.sim.bulk import build_harness, run_rtl  # noqa: PLC0415

    rtl_dir = check.project.backend_dir("rtl")
    built = build_harness(rtl_dir)
    check.progress.record("build verilator", built.seconds, "cached" if built.cached else "")
    with check.progress.phase("run rtl"):
        ins = events.input_slots(check.project.graph)
        comparison = compare(
            "rtl",
            lambda v: events.join(run_rtl(rtl_dir, events.split(ins, v))),
            check.x,
            check.reference,
        )
    return [comparison], lambda bad: []


def check_emu(check: Check) -> Checked:
    """The emu project's C++ emulator, built and loaded through ctypes."""
    from trigc.emu import load  # noqa: PLC0415

    emulator = load(check.project)
    if emulator.build is not None:
        detail = "cached" if emulator.build.cached else ""
        check.progress.record("build emu", emulator.build.seconds, detail)
    with check.progress.phase("run emu"):
        comparison = compare("emu", emulator.predict_int, check.x, check.reference)
    return [comparison], lambda bad: []


FIRMWARE_CHECKS: dict[str, Callable[[Check], Checked]] = {
    "hls": check_hls,
    "rtl": check_rtl,
    "emu": check_emu,
}
"""Backend -> the check of its project."""
