"""The delay model on small hand-made netlists in Yosys ``write_json`` form."""

from __future__ import annotations

from typing import Any

import pytest

from trigc.compiler.errors import TrigcError
from trigc.compiler.reports.timing import DELAY_MODELS, analyze

M = DELAY_MODELS["xcup"]


def cell(kind: str, ins: dict[str, list], outs: dict[str, list], **params: str) -> dict[str, Any]:
    return {
        "type": kind,
        "parameters": params,
        "port_directions": {p: "input" for p in ins} | {p: "output" for p in outs},
        "connections": ins | outs,
    }


def ff(d: int, q: int) -> dict[str, Any]:
    return cell("FDRE", {"C": [1], "CE": ["1"], "D": [d], "R": ["0"]}, {"Q": [q]})


def netlist(cells: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"modules": {"top": {"cells": cells}}}


def test_two_luts_between_flip_flops() -> None:
    cells = {
        "a": ff(10, 2),
        "l1": cell("LUT2", {"I0": [2], "I1": [10]}, {"O": [3]}),
        "l2": cell("LUT1", {"I0": [3]}, {"O": [4]}),
        "b": ff(4, 5),
    }
    worst = analyze(netlist(cells), "top", "xcup").worst
    assert worst.delay_ns == pytest.approx(M.clock_overhead + 3 * M.net + 2 * M.lut)
    assert worst.levels == 2
    assert worst.cells == ("FDRE", "LUT2", "LUT1", "FDRE")
    assert worst.fmax_mhz == pytest.approx(1000 / worst.delay_ns)


def test_carry_chains_and_muxes_use_dedicated_wires() -> None:
    cells = {
        "a": ff(9, 2),
        "lut": cell("LUT6", {"I0": [2]}, {"O": [3]}),
        "mux": cell("MUXF7", {"I0": [3], "I1": [3], "S": [2]}, {"O": [4]}),
        "lut2": cell("LUT2", {"I0": [4]}, {"O": [5]}),
        "c0": cell("CARRY4", {"S": [5], "DI": [2], "CI": ["0"]}, {"CO": [6], "O": [7]}),
        "c1": cell("CARRY4", {"S": [2], "DI": [2], "CI": [6]}, {"CO": [8], "O": [9]}),
        "b": ff(9, 11),
    }
    worst = analyze(netlist(cells), "top", "xcup").worst
    # nets: into the LUT, MUXF7 -> LUT2, carry out -> FF; LUT -> MUXF7, LUT2 -> S, CO -> CI free
    expected = M.clock_overhead + 3 * M.net + 2 * M.lut + M.muxf + 2 * M.carry
    assert worst.delay_ns == pytest.approx(expected)
    assert worst.levels == 5


def test_dsp_registers_split_its_paths() -> None:
    registered = {
        "a": ff(10, 2),
        "dsp": cell("DSP48E2", {"A": [2], "B": [2]}, {"P": [3]}, PREG="1"),
    }
    registered |= {"lut": cell("LUT1", {"I0": [3]}, {"O": [4]}), "b": ff(4, 10)}
    timing = analyze(netlist(registered), "top", "xcup")
    # into the P register: input + multiplier + post-adder; out of it: one LUT
    assert timing.worst.delay_ns == pytest.approx(
        M.clock_overhead + M.net + M.dsp_in + M.dsp_mult + M.dsp_post
    )
    combinational = dict(registered)
    combinational["dsp"] = cell("DSP48E2", {"A": [2], "B": [2]}, {"P": [3]}, PREG="0")
    worst = analyze(netlist(combinational), "top", "xcup").worst
    through = M.dsp_in + M.dsp_mult + M.dsp_post
    assert worst.delay_ns == pytest.approx(M.clock_overhead + 3 * M.net + through + M.lut)
    assert worst.cells == ("FDRE", "DSP48E2", "LUT1", "FDRE")
    pipelined = {"dsp": cell("DSP48E2", {"A": [2]}, {"P": [3]}, AREG="1", MREG="1", PREG="1")}
    internal = analyze(netlist(pipelined | {"a": ff(3, 2)}), "top", "xcup").worst
    assert internal.delay_ns == pytest.approx(M.clock_overhead + M.dsp_mult)


def test_paths_are_attributed_to_instances() -> None:
    cells = {
        "fc0": {"type": "$scopeinfo", "attributes": {"module": "top_fc0"}, "connections": {}},
        "fc0.sub": {"type": "$scopeinfo", "attributes": {"module": "m"}, "connections": {}},
        "$flatten\\fc0.$auto$1": ff(3, 2),
        "$flatten\\fc0.$abc$2": cell("LUT1", {"I0": [2]}, {"O": [3]}),
        "$flatten\\fc0.sub.$abc$3": ff(2, 4),
        "q": ff(4, 5),
    }
    by_scope = analyze(netlist(cells), "top", "xcup").by_scope
    assert set(by_scope) == {"", "fc0", "fc0.sub"}
    assert by_scope["fc0"].levels == 1 and by_scope["fc0.sub"].levels == 0


def test_errors() -> None:
    loop = {
        "l1": cell("LUT1", {"I0": [3]}, {"O": [2]}),
        "l2": cell("LUT1", {"I0": [2]}, {"O": [3]}),
    }
    with pytest.raises(TrigcError, match="combinational loop"):
        analyze(netlist(loop), "top", "xcup")
    with pytest.raises(TrigcError, match="no delay model for family 'xc6s'"):
        analyze(netlist({}), "top", "xc6s")
    with pytest.raises(TrigcError, match="no module 'other'"):
        analyze(netlist({}), "other", "xc7")
