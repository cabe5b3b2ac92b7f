"""Where built simulators and emulators are kept, and how a build gets there: in a temporary
folder beside its final place, renamed into place when complete, so that an interrupted or
concurrent build never leaves a half-built entry."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trigc.compiler.caches import CACHE_ENV, cache_root

__all__ = ["CACHE_ENV", "CachedBuild", "cache_root", "cached_build"]


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
