"""Yosys synthesis: cell accounting, the cache, and (marked ``synth``) a real run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trigc.compiler.errors import TrigcError
from trigc.compiler.reports import yosys
from trigc.compiler.reports.yosys import cache_key, resources_of, synthesize

from .conftest import DATA

VERILOG = DATA / "tiny_mlp" / "rtl" / "tiny_mlp.v"


def test_resources_of_mapped_cells() -> None:
    cells = {
        "LUT6": 10, "LUT2": 5, "SRLC32E": 2, "RAM64M": 1, "FDRE": 7, "FDCE": 1, "DSP48E2": 3,
        "RAMB36E2": 2, "RAMB18E2": 3, "URAM288": 1, "CARRY4": 4, "MUXF7": 2, "INV": 9,
    }  # fmt: skip
    assert resources_of(cells) == {
        "lut": 10 + 5 + 2 + 4, "ff": 8, "dsp": 3, "bram": 3.5, "uram": 1, "carry": 4, "muxf": 2,
    }  # fmt: skip


def test_cells_roll_up_through_the_hierarchy() -> None:
    modules = {
        "top": {"FDRE": 4, "layer": 2},
        "layer": {"LUT6": 3, "leaf": 1},
        "leaf": {"DSP48E2": 1},
    }
    assert yosys._rolled_up("top", modules) == {"DSP48E2": 2, "FDRE": 4, "LUT6": 6}


def test_cache_key_follows_the_inputs(tmp_path: Path) -> None:
    copy = tmp_path / "tiny_mlp.v"
    shutil.copy(VERILOG, copy)
    key = cache_key([copy], "tiny_mlp", "xcup")
    assert key == cache_key([copy], "tiny_mlp", "xcup")
    assert key != cache_key([copy], "tiny_mlp", "xc7")
    copy.write_text(copy.read_text() + "\n// changed\n")
    assert key != cache_key([copy], "tiny_mlp", "xcup")


def test_cache_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIGC_YOSYS_CACHE", str(tmp_path / "c"))
    assert yosys.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TRIGC_YOSYS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert yosys.cache_dir() == tmp_path / "trigc" / "yosys"


def test_a_cached_result_is_served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIGC_YOSYS_CACHE", str(tmp_path))
    entry = tmp_path / f"{cache_key([VERILOG], 'tiny_mlp', 'xcup')}.json"
    entry.write_text((DATA / "tiny_mlp_synth_xcup.json").read_text())
    monkeypatch.setattr(yosys, "_run", lambda *a: pytest.fail("Yosys ran despite the cache"))
    messages: list[str] = []
    result = synthesize([VERILOG], "tiny_mlp", "xcup", progress=messages.append)
    assert result.cached and "cached" in messages[0]
    assert [i.name for i in result.instances] == ["fc0", "fc1", "relu0"]


def test_missing_files_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrigcError, match="Verilog files not found"):
        synthesize([tmp_path / "nope.v"], "nope", "xcup")


@pytest.mark.synth
def test_synthesize_the_tiny_mlp() -> None:
    """A real Yosys run (cached in ~/.cache/trigc/yosys after the first one)."""
    messages: list[str] = []
    result = synthesize([VERILOG], "tiny_mlp", "xcup", progress=messages.append)
    assert messages
    assert result.family == "xcup" and result.top == "tiny_mlp"
    # at most 4 x 8 input bits + 3 valid bits + 1 out_valid + 3 x 16 + 3 x 6 + 2 x 14 pipeline
    # bits; Yosys drops the registers of bits it proves constant
    assert 120 <= result.resources["ff"] <= 32 + 3 + 1 + 48 + 18 + 28
    assert result.resources["dsp"] > 0 and result.resources["lut"] > 0
    assert {i.name: i.module for i in result.instances} == {
        "fc0": "tiny_mlp_fc0",
        "fc1": "tiny_mlp_fc1",
        "relu0": "tiny_mlp_relu0",
    }
    layer_sum = sum(i.resources["lut"] for i in result.instances)
    assert layer_sum == result.resources["lut"]  # the top module holds no LUTs
    assert result.ltp_levels and result.ltp_levels >= result.worst_path.levels
    assert 50 < result.fmax_mhz < 1000
    again = synthesize([VERILOG], "tiny_mlp", "xcup")
    assert again.cached and again.resources == result.resources


@pytest.mark.synth
def test_synthesis_errors_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGC_YOSYS_CACHE", str(tmp_path / "cache"))
    bad = tmp_path / "bad.v"
    bad.write_text("module bad(input a, output b); assign b = ; endmodule\n")
    with pytest.raises(TrigcError, match="Yosys synthesis failed"):
        synthesize([bad], "bad", "xcup")
    assert not list((tmp_path / "cache").glob("*.json")) if (tmp_path / "cache").exists() else True


def test_canned_result_matches_the_cache_format() -> None:
    data = json.loads((DATA / "tiny_mlp_synth_xcup.json").read_text())
    assert data["format"] == yosys.CACHE_FORMAT
