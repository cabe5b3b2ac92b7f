"""What every backend takes and returns: :class:`BackendOptions` and :class:`Emitted`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BackendOptions:
    """Options common to all backends."""

    project_name: str = "trigc_model"
    part: str = "xcvu9p-flga2104-2L-e"
    clock_period_ns: float = 5.0
    reuse_factor: int = 1
    hls_flavor: str = "Vitis"  # or "Vivado"
    max_luts: int | None = None  # the rtl backend's size limit (default: the part's LUTs)

    @property
    def clock_mhz(self) -> float:
        return 1000.0 / self.clock_period_ns


@dataclass(frozen=True)
class Emitted:
    """What a backend wrote: its files (sorted) and its summary for the project manifest."""

    files: tuple[Path, ...]
    summary: dict[str, Any] = field(default_factory=dict)
