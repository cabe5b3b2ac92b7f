"""Reports: a compiled project's firmware measured against a latency and resource budget.

Layers of the API, as elsewhere in trigc:

* :func:`build_report` (project directory + budget → :class:`Report` in memory);
* :func:`write_report` (→ ``report.json``, ``report.md``, self-contained ``report.html``);
* :mod:`trigc.compiler.cli.report` (``trigc report OUT --budget PRESET_OR_FILE``; exit 1 when
  over budget), printing :func:`.text.summary`.

Pieces: :mod:`.budget` (the YAML schema and the presets in ``budgets/``), :mod:`...devices`
(device resource totals), :mod:`.yosys` and :mod:`.timing` (synthesis of the RTL and an
estimated Fmax), :mod:`.hls_estimate` (the analytic HLS estimate), :mod:`.vendor` (parsers of
Vitis/Vivado HLS and Vivado reports), :mod:`.model` (the report's data), :mod:`.writers`,
:mod:`.html` and :mod:`.svg`.
"""

from ..devices import DEVICES, RESOURCES, Device, find_device
from .budget import PRESETS, Budget, BudgetError, load_budget, parse_budget
from .model import Check, Implementation, Report
from .report import build_report
from .writers import write_report

__all__ = [
    "DEVICES",
    "PRESETS",
    "RESOURCES",
    "Budget",
    "BudgetError",
    "Check",
    "Device",
    "Implementation",
    "Report",
    "build_report",
    "find_device",
    "load_budget",
    "parse_budget",
    "write_report",
]
