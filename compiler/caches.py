"""Where trigc keeps what it builds to run a design: Verilator harnesses, cocotb builds, the C
simulation's library, emulators: ``$TRIGC_SIM_CACHE``, else ``$XDG_CACHE_HOME/trigc``
(``~/.cache/trigc``).  One root, so emptying it makes every build cold."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "TRIGC_SIM_CACHE"


def cache_root() -> Path:
    """Where built simulators are kept (``$TRIGC_SIM_CACHE`` or ``~/.cache/trigc``)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trigc"
