"""The cocotb protocol testbench through cocotb_tools.runner, on Verilator and Icarus."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from trigc.sim.runner import TESTS, ProtocolTestError, run_protocol_tests

pytestmark = pytest.mark.sim


def _run(rtl_dir: Path, simulator: str, **kwargs):
    return run_protocol_tests(rtl_dir, rtl_dir / "ir.json", simulator, **kwargs)


@pytest.mark.parametrize("design", ["dot4", "two_port"])
def test_verilator_passes_all_protocol_tests(design: str, request) -> None:
    rtl_dir = request.getfixturevalue(f"{design}_dir")
    result = _run(rtl_dir, "verilator", vectors=60)
    assert result.passed and [t.name for t in result.tests] == list(TESTS)
    assert all(t.vectors > 0 for t in result.tests)


@pytest.mark.parametrize("design", ["dot4", "two_port"])
def test_icarus_passes_all_protocol_tests(design: str, request, icarus) -> None:
    rtl_dir = request.getfixturevalue(f"{design}_dir")
    result = _run(rtl_dir, "icarus", vectors=60)
    assert result.passed and result.vectors >= 3 * 50


def test_two_simulator_processes_share_the_tests(dot4_dir, icarus, tmp_path) -> None:
    result = _run(dot4_dir, "icarus", vectors=60, jobs=2, work_dir=tmp_path)
    assert result.passed and [t.name for t in result.tests] == list(TESTS)
    assert all(t.vectors > 0 for t in result.tests)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["group0", "group1"]
    assert all((tmp_path / g / "results.xml").is_file() for g in ("group0", "group1"))


def test_a_failure_in_one_process_is_reported(dot4_dir, icarus, tmp_path) -> None:
    broken = tmp_path / "rtl"
    shutil.copytree(dot4_dir, broken)
    verilog = next(p for p in broken.glob("*.v") if "p2 <= x2 * 14'sd7;" in p.read_text())
    verilog.write_text(verilog.read_text().replace("p2 <= x2 * 14'sd7;", "p2 <= x2 * 14'sd6;"))
    with pytest.raises(ProtocolTestError) as info:
        _run(broken, "icarus", vectors=30, jobs=2)
    failed = {t.name for t in info.value.result.tests if not t.passed}
    assert "back_to_back" in failed and len(info.value.result.tests) == len(TESTS)


# Mutants of dot4, each breaking one rule; Icarus builds them in well under a second.
MUTANTS = {
    "wrong_weight": (
        {"p2 <= x2 * 14'sd7;": "p2 <= x2 * 14'sd6;"},
        {},
        "back_to_back",
        r"output y: RTL \[-?\d+\] != IR",
    ),
    "reset_keeps_pipeline": (
        {"v1 <= rst ? 1'b0 : v0;": "v1 <= v0;"},
        {},
        "reset_mid_stream",
        "out_valid=1 after edge .* but no vector was accepted",
    ),
    "accepts_input_in_reset": (
        {"v0 <= rst ? 1'b0 : in_valid;": "v0 <= in_valid;"},
        {},
        "reset_mid_stream",
        "out_valid=1 after edge .* but no vector was accepted",
    ),
    "x_on_output": (
        {"out_data  <= shifted[11:0];": "out_data  <= {shifted[11:1], 1'bx};"},
        {},
        "back_to_back",
        "out_data has X/Z bits while out_valid=1",
    ),
    "manifest_latency_too_long": (
        {},
        {"latency_cycles": 3},
        "latency_matches_manifest",
        "came out after 2 edges; the manifest says latency_cycles=3",
    ),
}


# Mutants of dot4's hls4ml-style wrapper.
HLS_MUTANTS = {
    "done_missing": (
        {"assign ap_done  = y_ap_vld;": "assign ap_done  = 1'b0;"},
        "back_to_back",
        "output handshakes disagree: y_ap_vld=1, ap_done=0",
    ),
    "never_idle": (
        {"assign ap_idle  = ~ap_start & (in_flight == 2'd0);": "assign ap_idle  = 1'b0;"},
        "latency_matches_manifest",
        "ap_idle=0 with ap_start=0 and the pipeline drained",
    ),
    "stalls": (
        {"assign ap_ready = ap_start & x_ap_vld;": "assign ap_ready = ap_start & ~in_flight[0];"},
        "back_to_back",
        "ap_ready=0 while ap_start=1",
    ),
}


@pytest.mark.parametrize("simulator", ["verilator", "icarus"])
def test_hls_wrapper_passes_all_protocol_tests(simulator: str, dot4_dir: Path, request) -> None:
    if simulator == "icarus":
        request.getfixturevalue("icarus")
    result = _run(dot4_dir, simulator, vectors=60, interface="hls")
    assert result.passed and result.top == "dot4_hls_wrapper"


@pytest.mark.parametrize("mutant", [*sorted(MUTANTS), *(f"hls_{m}" for m in sorted(HLS_MUTANTS))])
def test_icarus_catches_broken_designs(
    mutant: str, dot4_dir: Path, copy_design: Callable[..., Path], icarus
) -> None:
    if mutant.startswith("hls_"):
        (replace, test, message), fields = HLS_MUTANTS[mutant[4:]], {}
        interface = "hls"
    else:
        replace, fields, test, message = MUTANTS[mutant]
        interface = "core"
    rtl_dir = copy_design(dot4_dir, mutant, replace=replace, **fields)
    with pytest.raises(ProtocolTestError) as info:
        _run(rtl_dir, "icarus", vectors=40, tests=[test], interface=interface)
    (outcome,) = info.value.result.tests
    assert outcome.name == test and not outcome.passed
    assert re.search(message, outcome.message), outcome.message


def test_runner_knows_every_testbench_test() -> None:
    from cocotb._decorators import TestGenerator

    from trigc.sim import testbench

    found = [n for n, v in vars(testbench).items() if isinstance(v, TestGenerator)]
    assert sorted(found) == sorted(TESTS)


def test_bad_arguments_are_rejected(dot4_dir: Path) -> None:
    with pytest.raises(ValueError, match="valid: verilator, icarus"):
        _run(dot4_dir, "questa")
    with pytest.raises(ValueError, match="unknown protocol tests"):
        _run(dot4_dir, "verilator", tests=["fuzz"])
    with pytest.raises(ValueError, match="valid: core, hls"):
        _run(dot4_dir, "verilator", interface="axi")
