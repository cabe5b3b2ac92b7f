"""Where trigc keeps what it builds or computes once: Verilator harnesses, cocotb builds, the C
simulation's library, emulators, lowered models and reference outputs: ``$TRIGC_SIM_CACHE``,
else ``$XDG_CACHE_HOME/trigc`` (``~/.cache/trigc``).  One root, so emptying it makes every
build cold.

Entries are keyed by everything they depend on (:func:`content_key`): the input files' bytes,
the options, the installed versions of the libraries involved and the source of trigc's own
``compiler`` package, so that a change anywhere gives a new key, never a stale hit.  They are
written to a temporary file and renamed into place: a reader sees a whole entry or none.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

CACHE_ENV = "TRIGC_SIM_CACHE"


def cache_root() -> Path:
    """Where built simulators are kept (``$TRIGC_SIM_CACHE`` or ``~/.cache/trigc``)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trigc"


@functools.cache
def compiler_source_hash() -> str:
    """A hash of every Python file of ``trigc.compiler`` (names and contents)."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def package_versions(names: Iterable[str]) -> str:
    """``name=version`` of each installed distribution (``-`` when missing), without importing
    any of them."""
    parts = []
    for name in names:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    return ",".join(parts)


def content_key(files: Iterable[Path], *parts: str | bytes) -> str:
    """A key over the bytes of ``files``, ``parts`` and :func:`compiler_source_hash`."""
    h = hashlib.sha256(compiler_source_hash().encode())
    for path in files:
        h.update(Path(path).read_bytes() + b"\0")
    for part in parts:
        h.update((part if isinstance(part, bytes) else part.encode()) + b"\0")
    return h.hexdigest()[:32]


def read_entry(kind: str, key: str, suffix: str) -> Path | None:
    """The cached entry ``kind/key+suffix``, or None."""
    path = cache_root() / kind / f"{key}{suffix}"
    return path if path.is_file() else None


def write_entry(kind: str, key: str, suffix: str, data: bytes) -> None:
    """Store ``data`` as ``kind/key+suffix`` (atomically; a failure to write is not an error:
    the cache only saves time)."""
    folder = cache_root() / kind
    tmp_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
        os.replace(tmp_name, folder / f"{key}{suffix}")
    except OSError:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
