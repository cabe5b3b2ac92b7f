"""C simulation of an emitted hls4ml project, on integer mantissas.

:class:`HlsCSim` compiles a project written by :func:`trigc.compiler.backends.hls.emit` into a
shared library the way hls4ml's ``build_lib.sh`` does (same g++ flags, the project's
``<name>_bridge.cpp``), but into a cache directory keyed by the project's contents, so the
project itself stays untouched and a second simulation of the same project does not recompile.
It needs only the project directory: names, shapes and types come from ``trigc_io.json``.

The bridge's double-precision entry point takes one sample per call; :meth:`HlsCSim.predict_int`
loops over a batch with ctypes pointer arithmetic (no per-sample NumPy allocations).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ...caches import cache_root
from ...errors import ProjectError, TrigcError
from ...ir.fixed import FixedTypeError
from ...ir.graph import Graph
from .io_file import Port, read_hls_io
from .lower import DOUBLE_MANTISSA_BITS

CXX = "g++"


def default_cache_dir() -> Path:
    """Where built libraries go: ``hls_csim`` in trigc's cache (see :mod:`...caches`)."""
    return cache_root() / "hls_csim"


class HlsCSim:
    """The C simulation of the hls4ml project in ``project_dir``.

    ``graph``, when given, is checked against the project's recorded inputs and outputs (to
    catch a stale project).  The library is built on first use, or by :meth:`build`.
    """

    def __init__(
        self, project_dir: Path, graph: Graph | None = None, cache_dir: Path | None = None
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.cache_dir = cache_dir.resolve()
        io = read_hls_io(self.project_dir)
        self.project_name: str = io.project_name
        self.inputs, self.outputs, self.tensors = (
            list(io.inputs),
            list(io.outputs),
            list(io.tensors),
        )
        if graph is not None:
            self._check_graph(graph)
        self._lib: ctypes.CDLL | None = None
        self.build_cached = False  # set by build(): the library came from the cache

    # -- building ------------------------------------------------------------------------
    def build(self) -> Path:
        """Compile (or find in the cache) the shared library; return its path."""
        flags = _cxx_flags()  # weights are compiled in from the project's headers
        key = self._cache_key(flags)
        lib_path = self.cache_dir / f"{self.project_name}-{key[:16]}.so"
        self.build_cached = lib_path.exists()
        if not self.build_cached:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix="build-") as tmp:
                built = self._compile(Path(tmp), flags)
                os.replace(built, lib_path)  # atomic: concurrent builders agree on the result
        return lib_path

    def _compile(self, build_dir: Path, flags: list[str]) -> Path:
        sources = [
            self.project_dir / "firmware" / f"{self.project_name}.cpp",
            self.project_dir / f"{self.project_name}_bridge.cpp",
        ]
        include = f"-I{self.project_dir / 'firmware' / 'ap_types'}"
        objects = [build_dir / f"{src.stem}.o" for src in sources]
        commands = [
            [CXX, *flags, include, "-c", str(src), "-o", str(obj)]
            for src, obj in zip(sources, objects, strict=True)
        ]
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:  # one g++ per source
            list(pool.map(self._run, commands))
        lib = build_dir / "lib.so"
        self._run([CXX, *_cxx_flags(), "-shared", *map(str, objects), "-o", str(lib)])
        return lib

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(
            command, cwd=self.project_dir, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            lines = (result.stdout + result.stderr).splitlines()
            # ap_types floods g++'s output with warnings: show the errors first.
            errors = [line for line in lines if "error" in line.lower()]
            tail = "\n".join((errors or lines)[-30:])
            raise ProjectError(
                f"C simulation build of {self.project_dir} failed:\n$ {' '.join(command)}\n{tail}"
            )

    def _cache_key(self, flags: list[str]) -> str:
        h = hashlib.sha256()
        h.update(repr((flags, _cxx_version())).encode())
        files = [self.project_dir / f"{self.project_name}_bridge.cpp"]
        files += sorted(p for p in (self.project_dir / "firmware").rglob("*") if p.is_file())
        for path in files:
            h.update(str(path.relative_to(self.project_dir)).encode() + b"\0")
            h.update(path.read_bytes())
        return h.hexdigest()

    def _library(self) -> ctypes.CDLL:
        if self._lib is None:
            self._lib = ctypes.CDLL(str(self.build()))
        return self._lib

    def _top_function(self) -> Any:
        fn = getattr(self._library(), f"{self.project_name}_double")
        fn.restype = None
        fn.argtypes = [ctypes.c_void_p] * (len(self.inputs) + len(self.outputs))
        return fn

    # -- running -------------------------------------------------------------------------
    def predict_int(
        self, inputs: list[np.ndarray], advance: Callable[[int], None] | None = None
    ) -> list[np.ndarray]:
        """Run the C simulation on input mantissas (batch axis first); return output mantissas.

        ``advance`` (a progress bar) is called with the vectors done, every 1,000 and at the end.
        """
        xs = self._inputs_as_float(inputs)
        n = xs[0].shape[0]
        ys = [np.zeros((n, p.size), dtype=np.float64) for p in self.outputs]
        fn = self._top_function()
        arrays = xs + ys
        pointers = [(a.ctypes.data + a.strides[0] * np.arange(n)).tolist() for a in arrays]
        for done, args in enumerate(zip(*pointers, strict=True), 1):
            fn(*args)
            if advance is not None and (done % 1000 == 0 or done == n):
                advance(done)
        return [
            self._to_mantissas(y.reshape((n, *p.shape)), p, "output")
            for y, p in zip(ys, self.outputs, strict=True)
        ]

    def trace_int(self, inputs: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Every IR tensor's mantissas as computed in the C simulation (batch axis first).

        Keys are the IR tensor names, as in ``run_int(graph, ..., keep_all=True)``.  Loops in
        Python per sample: meant for locating a mismatch, not for throughput.
        """
        xs = self._inputs_as_float(inputs)
        n = xs[0].shape[0]
        lib, fn = self._library(), self._top_function()
        # Input variables are named after their input layers; every other layer is traced.
        values = {p.hls_name: x for p, x in zip(self.inputs, xs, strict=True)}
        traced = {p.hls_name: p.size for p in self.tensors if p.hls_name not in values}
        data = {name: np.zeros((n, size)) for name, size in traced.items()}
        ys = [np.zeros(p.size) for p in self.outputs]

        class TraceData(ctypes.Structure):
            _fields_ = [("name", ctypes.c_char_p), ("data", ctypes.c_void_p)]

        records = (TraceData * len(traced))()
        lib.allocate_trace_storage.argtypes = [ctypes.c_size_t]
        lib.collect_trace_output.argtypes = [ctypes.POINTER(TraceData)]
        lib.allocate_trace_storage(ctypes.sizeof(ctypes.c_double))
        try:
            for i in range(n):
                fn(*[x[i].ctypes.data for x in xs], *[y.ctypes.data for y in ys])
                lib.collect_trace_output(records)
                for record in records:
                    name = record.name.decode()
                    buffer = ctypes.cast(record.data, ctypes.POINTER(ctypes.c_double))
                    data[name][i] = np.ctypeslib.as_array(buffer, shape=(traced[name],))
        finally:
            lib.free_trace_storage()
        values |= data
        return {
            p.name: self._to_mantissas(values[p.hls_name].reshape((n, *p.shape)), p, "tensor")
            for p in self.tensors
        }

    # -- conversions ---------------------------------------------------------------------
    def _inputs_as_float(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != len(self.inputs):
            raise TrigcError(
                f"{self.project_name} takes {len(self.inputs)} inputs, got {len(inputs)}"
            )
        converted = []
        for x, p in zip(inputs, self.inputs, strict=True):
            x = np.asarray(x)
            if x.ndim != len(p.shape) + 1 or x.shape[1:] != p.shape:
                raise TrigcError(
                    f"input {p.name!r} expects shape (batch, *{p.shape}), got {x.shape}"
                )
            if x.dtype.kind not in "iuO":
                raise TrigcError(f"input {p.name!r} must be integer mantissas, got dtype {x.dtype}")
            if x.size and (np.min(x) < p.type.min_int or np.max(x) > p.type.max_int):
                raise TrigcError(f"input {p.name!r}: mantissas outside the range of {p.type}")
            _check_double(p)
            converted.append(np.ascontiguousarray(p.type.to_float(x).reshape(x.shape[0], -1)))
        if len({x.shape[0] for x in converted}) > 1:
            raise TrigcError("all inputs need the same batch size")
        return converted

    @staticmethod
    def _to_mantissas(values: np.ndarray, port: Port, what: str) -> np.ndarray:
        _check_double(port)
        try:
            return port.type.from_float_exact(values, f"C simulation {what} {port.name!r}")
        except FixedTypeError as exc:
            raise TrigcError(f"{exc}: the compiled project does not produce {port.type}") from exc

    def _check_graph(self, graph: Graph) -> None:
        recorded = [(p.name, p.shape, p.type) for p in self.inputs + self.outputs]
        tensors = [n.output for n in graph.inputs] + [graph.tensor(t) for t in graph.outputs]
        expected = [(t.name, t.shape, t.type) for t in tensors]
        if recorded != expected:
            raise ProjectError(
                f"project {self.project_dir} was not emitted from graph {graph.name!r}: its "
                f"inputs/outputs are {recorded}, the graph's are {expected}; emit it again"
            )


def _check_double(port: Port) -> None:
    if port.type.width > DOUBLE_MANTISSA_BITS:
        raise TrigcError(
            f"{port.name!r} has type {port.type}, wider than the {DOUBLE_MANTISSA_BITS} bits the "
            "hls4ml C simulation bridge carries in a double"
        )


# -- compiler flags, as hls4ml's build_lib.sh chooses them -------------------------------------
@functools.cache
def _cxx_flags() -> tuple[str, ...]:
    """``-O3 -fPIC -DNDEBUG``, the newest C++ standard g++ accepts, ``-Wno-free-nonheap-object``
    and ``-fno-gnu-unique``."""
    # -DNDEBUG: ap_fixed asserts on a legal cast that drops more fractional bits than the
    # source has (it reads a bit above the MSB it never uses); synthesis has no such check.
    flags = ["-O3", "-fPIC", "-DNDEBUG"]
    flags.append("-std=c++23" if _cxx_accepts("-std=c++23") else "-std=c++11")
    if _cxx_accepts("-Wno-free-nonheap-object"):
        # g++ 12's check for free() of a non-heap object (gimple-ssa-warn-access) runs even
        # under -w and took 10 of the 14 s of the jet tagger's build; the object code is
        # byte-identical without it.
        flags.append("-Wno-free-nonheap-object")
    if _cxx_accepts("-fno-gnu-unique"):
        flags.append("-fno-gnu-unique")  # each loaded library keeps its own statics
    return tuple(flags)


@functools.cache
def _cxx_accepts(flag: str) -> bool:
    if shutil.which(CXX) is None:
        raise ProjectError(f"the C simulation needs {CXX}, which is not on PATH")
    probe = subprocess.run(
        [CXX, "-Werror", "-fsyntax-only", flag, "-xc++", "-", "-o", os.devnull],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


@functools.cache
def _cxx_version() -> str:
    return subprocess.run([CXX, "--version"], capture_output=True, text=True, check=False).stdout
