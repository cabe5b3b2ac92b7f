"""FPGA devices trigc reports against: resource totals from the vendor data sheets.

Totals are the "Feature Summary" figures of the AMD/Xilinx data sheets:

* Virtex UltraScale+ (XCVU9P, XCVU13P) and Kintex UltraScale+ (XCKU15P): DS890, *UltraScale
  Architecture and Product Data Sheet: Overview*;
* Zynq UltraScale+ MPSoC (XCZU9EG, the ZCU102 board's device): DS891, *Zynq UltraScale+ MPSoC
  Data Sheet: Overview*;
* 7 series (XC7VX690T, the CMS Phase-1 MP7 board's device): DS180, *7 Series FPGAs Data Sheet:
  Overview*.

``bram`` counts 36 Kb block RAMs (a RAMB18 is half of one), ``uram`` 288 Kb UltraRAMs, ``dsp``
DSP48E2 (UltraScale+) or DSP48E1 (7 series) slices, ``lut`` CLB LUTs and ``ff`` CLB flip-flops.
:func:`find_device` accepts full part names with package and speed grade
(``xcvu9p-flga2104-2L-e``) as well as bare device names, in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import TrigcError

RESOURCES = ("lut", "ff", "dsp", "bram", "uram")
"""The resources every device, budget and report counts, in display order."""


@dataclass(frozen=True)
class Device:
    """One FPGA device: its resource totals and what Yosys needs to synthesize for it."""

    name: str
    family: str  # synth_xilinx -family: "xcup" (UltraScale+) or "xc7" (7 series)
    lut: int
    ff: int
    dsp: int
    bram: int  # 36 Kb block RAMs
    uram: int  # 288 Kb UltraRAMs
    source: str
    board: str = ""

    def total(self, resource: str) -> int:
        """The device's total of ``resource`` (one of :data:`RESOURCES`)."""
        if resource not in RESOURCES:
            raise KeyError(f"unknown resource {resource!r}; valid: {', '.join(RESOURCES)}")
        return int(getattr(self, resource))

    @property
    def family_name(self) -> str:
        """A readable family name."""
        return {"xcup": "UltraScale+", "xc7": "7 series"}.get(self.family, self.family)


_DS890 = "AMD/Xilinx DS890 UltraScale Architecture and Product Data Sheet: Overview"
_DS891 = "AMD/Xilinx DS891 Zynq UltraScale+ MPSoC Data Sheet: Overview"
_DS180 = "AMD/Xilinx DS180 7 Series FPGAs Data Sheet: Overview"

DEVICES: dict[str, Device] = {
    d.name: d
    for d in (
        Device(
            "XCVU9P", "xcup", 1_182_240, 2_364_480, 6_840, 2_160, 960, _DS890,
            "CMS Phase-2 APx / Serenity, ATLAS L1Topo",
        ),
        Device(
            "XCVU13P", "xcup", 1_728_000, 3_456_000, 12_288, 2_688, 1_280, _DS890,
            "CMS Phase-2 Serenity / APx",
        ),
        Device("XCKU15P", "xcup", 522_720, 1_045_440, 1_968, 984, 128, _DS890),
        Device("XCZU9EG", "xcup", 274_080, 548_160, 2_520, 912, 0, _DS891, "ZCU102"),
        Device("XC7VX690T", "xc7", 433_200, 866_400, 3_600, 1_470, 0, _DS180, "CMS MP7"),
    )
}  # fmt: skip


def find_device(part: str) -> Device:
    """The device of ``part``: ``xcvu9p``, ``XCVU9P``, ``xcvu9p-flga2104-2L-e`` and 7-series
    names without a dash (``xc7vx690tffg1927-2``) all work.

    Raises :class:`TrigcError` listing the known devices for an unknown part.
    """
    text = part.strip().upper()
    # The device name is the part's longest prefix that names a device: "XCVU9P" in
    # "XCVU9P-FLGA2104-2L-E", "XC7VX690T" in "XC7VX690TFFG1927-2".
    matches = [name for name in DEVICES if text.startswith(name)]
    if not matches:
        raise TrigcError(
            f"unknown FPGA device {part!r}; trigc knows {', '.join(DEVICES)} "
            "(give the part name, e.g. 'xcvu9p' or 'xcvu9p-flga2104-2L-e')"
        )
    return DEVICES[max(matches, key=len)]


# device, an optional package (letters then pin count), then the speed grade:
# xcvu9p-flga2104-2L-e, xcku115-flvb2104-1-c, xc7vx690tffg1927-2, xcu250-figd2104-2L-e
_PART_NAME = re.compile(r"x[ca][0-9a-z]+(-[a-z]+\d+)?-[1-3][0-9a-z-]*", re.IGNORECASE)


def is_part_name(part: str) -> bool:
    """Whether ``part`` names a device trigc knows, or has the form of an AMD/Xilinx part
    name (device-package-speed grade)."""
    text = part.strip().upper()
    return any(text.startswith(name) for name in DEVICES) or bool(_PART_NAME.fullmatch(part))
