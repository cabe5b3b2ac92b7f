"""What every backend takes and returns: :class:`BackendOptions` and :class:`Emitted`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PART = "xcvu9p-flga2104-2L-e"
DEFAULT_CLOCK_PERIOD_NS = 5.0
"""The part and clock of a project whose command line and configuration name none."""
IO_TYPES = ("io_parallel", "io_stream")
STRATEGIES = ("Latency", "Resource")


@dataclass(frozen=True)
class HlsLayerSettings:
    """hls4ml's per-layer implementation choices (None: the model's)."""

    reuse_factor: int | None = None
    strategy: str | None = None  # "Latency" or "Resource"


@dataclass(frozen=True)
class BackendOptions:
    """Options common to all backends.

    ``io_type``, ``strategy``, ``reuse_factor`` and the per-layer settings choose hls4ml's
    implementations in the hls backend (the C simulation stays bit-exact to the IR either way);
    the rtl backend is always fully parallel (II = 1).  ``layers`` are keyed by model layer
    name, ``layer_types`` by hls4ml layer class, as hls4ml's ``LayerName``/``LayerType``.
    """

    project_name: str = "trigc_model"
    part: str = DEFAULT_PART
    clock_period_ns: float = DEFAULT_CLOCK_PERIOD_NS
    reuse_factor: int = 1
    hls_flavor: str = "Vitis"  # or "Vivado"
    max_luts: int | None = None  # the rtl backend's size limit (default: the part's LUTs)
    io_type: str = "io_parallel"
    strategy: str = "Latency"
    layers: tuple[tuple[str, HlsLayerSettings], ...] = ()
    layer_types: tuple[tuple[str, HlsLayerSettings], ...] = ()

    @property
    def clock_mhz(self) -> float:
        return 1000.0 / self.clock_period_ns


@dataclass(frozen=True)
class Emitted:
    """What a backend wrote: its files (sorted) and its summary for the project manifest."""

    files: tuple[Path, ...]
    summary: dict[str, Any] = field(default_factory=dict)
