"""The HGQ environments: where hgq2 (HGQ2) and HGQ (v1) live beside trigc's own.

hgq2 ships a top-level ``qkeras`` package that would shadow qkeras-v3, and HGQ v1 needs Keras 2.
Neither can be installed into trigc's environment, and neither needs its own copy of
TensorFlow or Keras: ``make install`` puts each (with ``--no-deps``) into a folder of the
virtual environment, ``<venv>/hgq2`` (hgq2, quantizers, da4ml) and ``<venv>/hgq1`` (HGQ), and
:func:`run_in` starts trigc's Python with that folder first on ``PYTHONPATH``.  There hgq2
finds Keras 3 and TensorFlow from trigc's environment; HGQ v1 finds Keras 2 as ``tf_keras``
(``TF_USE_LEGACY_KERAS=1``, and :mod:`trigc.compiler.frontends.hgq.predict` maps ``keras`` to
it).  trigc itself reads both file formats without importing either library; verify runs the
models themselves there (:mod:`~trigc.compiler.frontends.hgq.predict`), the tests and the
jet tagger's recipe train them there (:mod:`trigc.quantize.hgq_worker`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import TrigcError

LIBRARIES = {"hgq2": ("hgq", "qkeras"), "hgq1": ("HGQ",)}
"""Environment -> the packages that must be in its folder."""


def environment_path(name: str) -> Path:
    """The folder of environment ``name`` ("hgq2" or "hgq1"); ``TRIGC_<NAME>_PATH`` overrides."""
    override = os.environ.get(f"TRIGC_{name.upper()}_PATH")
    return Path(override) if override else Path(sys.prefix) / name


def available(name: str) -> bool:
    """Whether environment ``name`` is installed (``make install`` does it)."""
    folder = environment_path(name)
    return all((folder / package).is_dir() for package in LIBRARIES[name])


def environment(name: str) -> dict[str, str]:
    """The process environment of a worker in ``name``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(environment_path(name)), *filter(None, [env.get("PYTHONPATH", "")])]
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if name == "hgq1":
        env["TF_USE_LEGACY_KERAS"] = "1"
    return env


def run_in(name: str, module: str, args: Sequence[str], timeout: float = 900) -> None:
    """Run ``python -m module args`` in environment ``name``; raise with its output if it fails."""
    if not available(name):
        raise TrigcError(
            f"the {name} environment is not installed at {environment_path(name)}; run make install"
        )
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=environment(name),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise TrigcError(f"{module} {' '.join(args)} failed in {name}:\n{proc.stderr[-4000:]}")
