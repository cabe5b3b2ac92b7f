"""Prints the rotating fuzz seed in the header of every test run, so that a failure it finds
can be reproduced."""

from __future__ import annotations

from .check import rotating_seed


def pytest_report_header(config) -> str:
    s = rotating_seed()
    return f"fuzz: rotating seed {s} (reproduce with TRIGC_FUZZ_SEED={s})"
