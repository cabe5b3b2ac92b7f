"""Build, cache and load the C++ emulator of a project (``trigc.emu``)."""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trigc.compiler.errors import ProjectError, TrigcError
from trigc.compiler.ir.executor import require_mantissas
from trigc.compiler.project import Project, open_project
from trigc.sim.cache import cached_build
from trigc.sim.verilator import SimulationError, SimulatorNotFoundError

CXX_FLAGS = ("-std=c++17", "-O3", "-march=native", "-Wall", "-Wextra", "-Werror")
"""How the Python binding compiles the emulator: the flags every user build must also pass
(warning-free), optimised for the machine it runs on (the cache key names the CPU)."""

LIBRARY_FLAGS = ("-shared", "-fPIC", "-fvisibility=hidden", "-fvisibility-inlines-hidden")
"""A shared library exporting only the C interface (the C source marks it)."""


@dataclass(frozen=True)
class EmuBuild:
    """A built emulator library: its path, whether it came from the cache, build seconds."""

    library: Path
    cached: bool
    seconds: float


def _compiler() -> str:
    cxx = os.environ.get("CXX", "g++")
    if shutil.which(cxx) is None:
        raise SimulatorNotFoundError(
            f"the C++ compiler {cxx!r} (from $CXX, default g++) is not installed; install g++ "
            "(Debian: apt-get install g++) or point $CXX at one"
        )
    return cxx


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "flags")):
                return line
    except OSError:
        pass
    return platform.processor()


def _sources(emu_dir: Path, namespace: str) -> tuple[Path, list[Path]]:
    c_source = emu_dir / f"{namespace}_c.cpp"
    files = [emu_dir / f"{namespace}.hpp", emu_dir / f"{namespace}_c.h", c_source]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise ProjectError(
            f"{emu_dir}: the emulator files {missing} are missing; compile the project again "
            "with --backend emu"
        )
    return c_source, files


def compile_check(
    source: Path, compiler: str, flags: tuple[str, ...], output: Path, what: str
) -> None:
    """Compile ``source`` with ``compiler`` and ``flags`` into ``output``; a failure (or any
    warning, under ``-Werror``) raises with the compiler's own message."""
    args = [compiler, *flags, str(source), "-o", str(output)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SimulationError(f"{what}: {' '.join(args)} failed:\n{done.stderr[-4000:]}")


def build_emulator(emu_dir: Path, namespace: str) -> EmuBuild:
    """The shared library of the emulator in ``emu_dir`` (the files of namespace
    ``namespace``), from the cache or freshly built."""
    c_source, files = _sources(emu_dir, namespace)
    cxx = _compiler()
    version = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=False)
    h = hashlib.sha256()
    for part in (cxx, version.stdout, _cpu(), *CXX_FLAGS, *LIBRARY_FLAGS):
        h.update(part.encode() + b"\0")
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    key = h.hexdigest()[:24]
    library = f"lib{namespace}.so"

    def build(workdir: Path) -> None:
        for f in files:
            shutil.copy(f, workdir / f.name)
        flags = (*CXX_FLAGS, *LIBRARY_FLAGS)
        what = f"build the emulator in {emu_dir}"
        compile_check(workdir / c_source.name, cxx, flags, workdir / library, what)

    done = cached_build("emu", key, library, build)
    return EmuBuild(done.folder / library, done.cached, done.seconds)


class Emulator:
    """A loaded emulator: :meth:`predict_int` on mantissas, :meth:`predict` on real values."""

    def __init__(self, library: Path, namespace: str, build: EmuBuild | None = None) -> None:
        self.library = library
        self.build = build
        self._lib = ctypes.CDLL(str(library))
        self._prefix = namespace
        ints = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
        doubles = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
        self._predict_int = self._function("predict_int", None, [ints, ints, ctypes.c_size_t])
        self._predict = self._function("predict", None, [doubles, doubles, ctypes.c_size_t])
        self.input_size = int(self._function("input_size", ctypes.c_size_t, [])())
        self.output_size = int(self._function("output_size", ctypes.c_size_t, [])())
        input_frac = self._function("input_frac", ctypes.c_int, [ctypes.c_size_t])
        output_frac = self._function("output_frac", ctypes.c_int, [ctypes.c_size_t])
        self.input_fracs = np.array([input_frac(i) for i in range(self.input_size)])
        self.output_fracs = np.array([output_frac(i) for i in range(self.output_size)])

    def _function(self, name: str, restype, argtypes):
        f = getattr(self._lib, f"{self._prefix}_{name}")
        f.restype, f.argtypes = restype, argtypes
        return f

    def _rows(self, x: np.ndarray | list[np.ndarray], dtype: type) -> np.ndarray:
        parts = list(x) if isinstance(x, list | tuple) else [x]
        flat = [np.asarray(p).reshape(len(p), -1) for p in parts]
        rows = flat[0] if len(flat) == 1 else np.concatenate(flat, axis=1)
        rows = np.ascontiguousarray(rows, dtype=dtype)  # no copy when it already is
        if rows.shape[1] != self.input_size:
            raise TrigcError(
                f"the emulator takes {self.input_size} input elements per event, got "
                f"{rows.shape[1]}"
            )
        return rows

    def predict_int(self, x: np.ndarray | list[np.ndarray]) -> np.ndarray:
        """Input mantissas ``(n, ...)`` (or one array per input tensor) to output mantissas
        ``(n, outputs)``, the output tensors one after another; real values are refused."""
        parts = list(x) if isinstance(x, list | tuple) else [x]
        for k, part in enumerate(parts):
            require_mantissas(part, f"emulator input {k}", "predict")
        rows = self._rows(x, np.int64)
        out = np.empty((len(rows), self.output_size), dtype=np.int64)
        self._predict_int(rows, out, len(rows))
        return out

    def predict(self, x: np.ndarray | list[np.ndarray]) -> np.ndarray:
        """Real inputs (quantized to the input type as ``ap_fixed`` does) to real outputs."""
        rows = self._rows(x, np.float64)
        out = np.empty((len(rows), self.output_size), dtype=np.float64)
        self._predict(rows, out, len(rows))
        return out


def load_dir(emu_dir: Path, namespace: str) -> Emulator:
    """Build (or take from the cache) and load the emulator files in ``emu_dir``."""
    build = build_emulator(emu_dir, namespace)
    return Emulator(build.library, namespace, build)


def load(project: Path | str | Project) -> Emulator:
    """Build (or take from the cache) and load the emulator of a project compiled with
    ``--backend emu``."""
    opened = project if isinstance(project, Project) else open_project(Path(project))
    summary = opened.manifest.backends.get("emu")
    if summary is None:
        raise TrigcError(
            f"{opened.path}: the project has no emu backend; compile with --backend emu"
        )
    return load_dir(opened.backend_dir("emu"), str(summary["namespace"]))
