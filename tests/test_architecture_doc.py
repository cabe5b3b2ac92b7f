"""ARCHITECTURE.md names modules that exist (it is the map a newcomer follows)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCHED = [
    ROOT,
    ROOT / "compiler",
    ROOT / "compiler" / "frontends",
    ROOT / "compiler" / "backends",
]


def _exists(name: str) -> bool:
    return any((base / name).exists() for base in SEARCHED) or any(
        p.as_posix().endswith("/" + name)
        for tree in ("compiler", "tests")
        for p in (ROOT / tree).rglob("*.py")
    )


def test_every_python_file_the_architecture_names_exists():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"[\w/]+\.py\b", text))
    assert len(named) > 40
    missing = sorted(n for n in named if not _exists(n))
    assert not missing, f"ARCHITECTURE.md names files that do not exist: {missing}"


def test_every_package_of_the_compiler_is_on_the_map():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    packages = [
        p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "compiler").glob("*/__init__.py")
    ]
    missing = [p for p in packages if f"`{p}/`" not in text]
    assert not missing, f"packages missing from ARCHITECTURE.md's table: {missing}"
