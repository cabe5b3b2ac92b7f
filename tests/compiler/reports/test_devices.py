"""The device table and part-name lookup."""

from __future__ import annotations

import pytest

from trigc.compiler.devices import DEVICES, RESOURCES, find_device
from trigc.compiler.errors import TrigcError


def test_data_sheet_totals() -> None:
    vu9p = DEVICES["XCVU9P"]
    assert (vu9p.lut, vu9p.ff, vu9p.dsp, vu9p.bram, vu9p.uram) == (
        1_182_240,
        2_364_480,
        6_840,
        2_160,
        960,
    )
    vu13p = DEVICES["XCVU13P"]
    assert (vu13p.lut, vu13p.dsp, vu13p.bram, vu13p.uram) == (1_728_000, 12_288, 2_688, 1_280)
    assert DEVICES["XCKU15P"].dsp == 1_968
    assert (DEVICES["XCZU9EG"].lut, DEVICES["XCZU9EG"].uram) == (274_080, 0)
    assert DEVICES["XC7VX690T"].bram == 1_470 and DEVICES["XC7VX690T"].family == "xc7"


@pytest.mark.parametrize("device", list(DEVICES.values()), ids=list(DEVICES))
def test_every_device_is_consistent(device) -> None:
    assert device.ff == 2 * device.lut  # every CLB LUT has two flip-flops
    assert all(device.total(r) >= 0 for r in RESOURCES)
    assert device.family in ("xcup", "xc7") and device.source


@pytest.mark.parametrize(
    ("part", "name"),
    [
        ("xcvu9p", "XCVU9P"),
        ("XCVU9P", "XCVU9P"),
        ("xcvu9p-flga2104-2L-e", "XCVU9P"),
        ("xcvu13p-flga2577-1-e", "XCVU13P"),
        ("xczu9eg-ffvb1156-2-e", "XCZU9EG"),
        ("xc7vx690tffg1927-2", "XC7VX690T"),
        (" xcku15p ", "XCKU15P"),
    ],
)
def test_find_device(part: str, name: str) -> None:
    assert find_device(part).name == name


def test_unknown_device_lists_the_known_ones() -> None:
    with pytest.raises(TrigcError, match="unknown FPGA device 'xcu250'.*XCVU9P"):
        find_device("xcu250")
    with pytest.raises(KeyError):
        DEVICES["XCVU9P"].total("luts")
