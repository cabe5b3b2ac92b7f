"""The text of a report's cells (numbers, check lines, verdicts), shared by every writer."""

from __future__ import annotations

from ..devices import RESOURCES
from .model import Check, Report

LAYER_RESOURCES = ("LUT", "FF", "CARRY", "DSP")  # the per-layer table's columns


def fmt_number(value: float | None, digits: int = 2) -> str:
    """A readable number: thousands separators, no trailing zeros."""
    if value is None:
        return "-"
    if float(value) == int(value):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def check_cells(check: Check, report: Report) -> tuple[str, str, str, str]:
    """(what, value, limit, margin) of a check as text."""
    what = check.label + (" (estimate)" if check.estimate else "")
    unit = "" if check.unit in RESOURCES else f" {check.unit}"
    value_unit = " cycle" if unit == " cycles" and check.value == 1 else unit
    value = f"{fmt_number(check.value)}{value_unit}"
    if check.unit in RESOURCES:
        total = report.device.total(check.unit)
        if total:
            value += f" ({check.value / total:.2%})"
    sign = "<=" if check.kind == "max" else ">="
    limit = f"{sign} {fmt_number(check.limit)}{unit}"
    return what, value, limit, f"{fmt_number(check.margin)}{unit}"


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"
