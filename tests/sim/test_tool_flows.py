"""The RTL project's tool files: the FuseSoC core (sim target in Icarus runs the self-checking
test, lint target in Verilator), and the Vivado batch script and constraints, run in ``tclsh``
with every Vivado command recording its arguments (Vivado itself is not available here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.project import CompileOptions, compile_project
from trigc.sim.verilator import find_verilator

JET_TAGGER = Path(__file__).parents[2] / "models" / "jet_tagger" / "jet_tagger_q6_pruned.keras"
TOP = "jet_tagger_q6_pruned"
CORE = f"trigc:models:{TOP}:0.1.0"

# Vivado Tcl commands the scripts may call (UG835, Vivado Design Suite Tcl Command Reference).
VIVADO_COMMANDS = {
    "read_verilog", "read_xdc", "synth_design", "opt_design", "place_design", "route_design",
    "report_utilization", "report_timing_summary", "write_checkpoint", "create_clock",
    "get_ports",
}  # fmt: skip

RECORDER = r"""
set ::calls {}
proc unknown {args} { lappend ::calls $args; return "" }
rename exit tcl_exit
proc exit {args} { lappend ::calls [list exit {*}$args] }
"""

# Vitis HLS Tcl commands the export script may call (UG1399, Vitis HLS Command Reference).
VITIS_HLS_COMMANDS = {
    "open_project", "set_top", "add_files", "open_solution", "set_part", "config_compile",
    "config_schedule", "create_clock", "set_clock_uncertainty", "csynth_design",
    "export_design", "close_project", "exit",
}  # fmt: skip


@pytest.fixture(scope="module")
def rtl_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("flows")
    backend = BackendOptions(project_name=TOP, clock_period_ns=1000 / 240)
    options = CompileOptions(backends=("rtl",), backend=backend)
    return compile_project(JET_TAGGER, root / "p", options).backend_dir("rtl")


def _tclsh() -> str:
    if shutil.which("tclsh") is None:
        pytest.skip("tclsh is not installed (Debian: apt-get install tcl)")
    return "tclsh"


def _record(script: Path) -> list[list[str]]:
    probe = script.parent / f"record_{script.stem}.tcl"
    probe.write_text(
        RECORDER + f"source {{{script}}}\n" + 'foreach c $::calls { puts "CALL\\t[join $c \\t]" }\n'
    )
    done = subprocess.run([_tclsh(), str(probe)], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    return [line.split("\t")[1:] for line in lines if line.startswith("CALL\t")]


def test_vivado_script_is_valid_tcl_calling_documented_commands(rtl_dir):
    calls = _record(rtl_dir / "vivado_build.tcl")
    assert {c[0] for c in calls} <= VIVADO_COMMANDS, {c[0] for c in calls} - VIVADO_COMMANDS
    names = [c[0] for c in calls]
    sources = [Path(c[1]).name for c in calls if c[0] == "read_verilog"]
    manifest = (rtl_dir / "rtl_manifest.json").read_text()
    assert sources and all(f'"{s}"' in manifest for s in sources)
    assert all(Path(c[1]).is_file() for c in calls if c[0] == "read_verilog")
    assert names[len(sources) :] == [
        "read_xdc", "synth_design", "report_utilization", "opt_design", "place_design",
        "route_design", "report_utilization", "report_utilization", "report_timing_summary",
        "write_checkpoint",
    ]  # fmt: skip
    synth = calls[names.index("synth_design")]
    assert synth[1:] == ["-top", TOP, "-part", "xcvu9p-flga2104-2L-e", "-mode", "out_of_context"]
    reports = [c[-1] for c in calls if c[0] == "report_utilization"]
    # trigc report reads vivado/utilization.rpt (and no other utilization report) from rtl/
    assert Path(reports[1]).relative_to(rtl_dir) == Path("vivado/utilization.rpt")
    assert (rtl_dir / "vivado").is_dir()  # the script made its report folder (file mkdir)


def test_hls_export_script_synthesizes_and_exports_hls4ml_project(tmp_path):
    backend = BackendOptions(project_name=TOP, clock_period_ns=1000 / 240)
    options = CompileOptions(backends=("hls",), backend=backend)
    hls_dir = compile_project(JET_TAGGER, tmp_path / "p", options).backend_dir("hls")
    calls = _record(hls_dir / "trigc_export.tcl")
    names = [c[0] for c in calls]
    assert set(names) <= VITIS_HLS_COMMANDS, set(names) - VITIS_HLS_COMMANDS
    assert names == [
        "open_project", "set_top", "add_files", "open_solution", "set_part", "config_compile",
        "config_schedule", "create_clock", "set_clock_uncertainty", "csynth_design",
        "export_design", "close_project", "exit",
    ]  # fmt: skip
    by = {c[0]: c[1:] for c in calls}
    assert by["open_project"] == ["-reset", f"{TOP}_prj"] and by["set_top"] == [TOP]
    assert (hls_dir / by["add_files"][0]).is_file()  # the firmware hls4ml wrote
    assert by["create_clock"][0] == "-period" and by["create_clock"][2:] == ["-name", "default"]
    assert abs(float(by["create_clock"][1]) - 1000 / 240) < 1e-9
    assert by["export_design"][:4] == ["-format", "ip_catalog", "-rtl", "verilog"]


def test_constraints_give_the_compile_clock(rtl_dir):
    calls = _record(rtl_dir / f"{TOP}.xdc")
    assert calls == [["get_ports", "clk"], ["create_clock", "-period", "4.167", "-name", "clk", ""]]


def _fusesoc(rtl_dir: Path, target: str, env: dict[str, str] | None = None):
    fusesoc = Path(sys.executable).parent / "fusesoc"
    if not fusesoc.is_file():
        pytest.skip("fusesoc is not installed (it is in the dev extra)")
    build = rtl_dir.parent / f"fusesoc_{target}"
    cmd = [str(fusesoc), "--cores-root", str(rtl_dir), "run", "--build-root", str(build),
           "--target", target, CORE]  # fmt: skip
    return subprocess.run(
        cmd, capture_output=True, text=True, check=False, env=env, cwd=rtl_dir.parent
    )


@pytest.mark.sim
def test_fusesoc_sim_target_runs_the_self_checking_test(rtl_dir):
    if shutil.which("iverilog") is None:
        pytest.skip("Icarus Verilog is not installed")
    done = _fusesoc(rtl_dir, "sim")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "trigc selftest PASS 32 vectors" in done.stdout


@pytest.mark.sim
def test_fusesoc_lint_target_passes_in_verilator(rtl_dir):
    verilator = find_verilator()
    env = verilator.env()
    env["PATH"] = f"{verilator.bin_dir}:{env.get('PATH', '')}"
    done = _fusesoc(rtl_dir, "lint", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.sim
def test_the_self_checking_test_can_fail(rtl_dir, tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("Icarus Verilog is not installed")
    copy = tmp_path / "rtl"
    shutil.copytree(rtl_dir, copy, ignore=shutil.ignore_patterns("vivado"))
    selftest = copy / f"{TOP}_selftest.v"
    text = selftest.read_text()
    marker = "expected[5] = "
    at = text.index(marker) + len(marker)
    width, digits = text[at:].split(";")[0].split("'h")
    flipped = f"{int(digits, 16) ^ 1:0{len(digits)}x}"
    selftest.write_text(text.replace(f"{marker}{width}'h{digits};", f"{marker}{width}'h{flipped};"))
    done = _fusesoc(copy, "sim")
    assert "vector 5: got" in done.stdout and "trigc selftest FAIL" in done.stdout
