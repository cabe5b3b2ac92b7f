"""The one rule that says which comparisons decide PASS/FAIL.

Every firmware simulation is compared bit for bit and decides.  A model's own framework decides
when the IR is the model's exact fixed-point function (``project.reference_exact``: no float
part was approximated) and the framework computes that function exactly: Keras in float64,
trigc's float64 NumPy reading, onnxruntime; HGQ's own library only where float32 holds every
partial sum.  Keras in float32, as the model runs in Keras, is always information.  Where
trigc approximates only by hls4ml's tables, Keras decides on every tensor before them
(``keras-prefix``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .float_risks import FLOAT32_BITS, float_risks

if TYPE_CHECKING:
    from ..project import Project

FIRMWARE = ("hls-csim", "rtl", "emu")
"""Comparisons of the firmware simulations and the emulator."""
MODEL_REFERENCES = ("keras", "numpy", "onnx")
"""The model's framework (or trigc's float64 reading of it) in exact arithmetic."""
INFORMATION = ("keras-float32",)
"""Float references compared for information only."""
PREFIXES = ("keras-prefix",)
"""The model's exact function up to hls4ml's tables (made only where it is exact)."""


def decides(project: Project, kind: str) -> bool:
    """Whether a comparison of ``kind`` with the IR decides the verdict of ``project``."""
    if kind in FIRMWARE:
        return True
    if kind in INFORMATION:
        return False
    if kind in PREFIXES:
        return True
    if kind in MODEL_REFERENCES:
        return project.reference_exact
    if kind == "hgq":
        return project.reference_exact and not hgq_float32_risks(project)
    raise ValueError(f"no verdict rule for a comparison named {kind!r}")


def hgq_float32_risks(project: Project) -> list[str]:
    """The layers whose partial sums float32 (HGQ's own arithmetic) may round."""
    return float_risks(project.graph, FLOAT32_BITS, "the HGQ library in float32")
