"""Where built simulators and emulators are kept, and how a build gets there: in a temporary
folder beside its final place, renamed into place when complete, so that an interrupted or
concurrent build never leaves a half-built entry."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "TRIGC_SIM_CACHE"


def cache_root() -> Path:
    """Where built simulators are kept (``$TRIGC_SIM_CACHE`` or ``~/.cache/trigc``)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trigc"


@dataclass(frozen=True)
class CachedBuild:
    """A build's folder in the cache, whether it was there already, and build seconds."""

    folder: Path
    cached: bool
    seconds: float


def cached_build(kind: str, key: str, product: str, build: Callable[[Path], None]) -> CachedBuild:
    """``cache_root()/kind/key``, built by ``build(folder)`` unless ``product`` (a file the
    build writes last) is there already."""
    final = cache_root() / kind / key
    if (final / product).is_file():
        return CachedBuild(final, cached=True, seconds=0.0)
    final.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{key}-", dir=final.parent) as tmp:
        workdir = Path(tmp) / "build"
        workdir.mkdir()
        build(workdir)
        try:
            workdir.rename(final)
        except OSError:
            if not (final / product).is_file():  # not a concurrent build that won the race
                raise
    return CachedBuild(final, cached=False, seconds=time.perf_counter() - start)
