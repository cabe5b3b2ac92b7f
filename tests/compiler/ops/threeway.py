"""Executor ≡ hls4ml C simulation ≡ RTL (Verilator bulk harness) ≡ C++ emulator, compared as
integers.

:func:`build_all` emits the backends for a graph once (tests share it through a
module-scoped fixture); :func:`assert_three_way` runs random vectors, led by each input's
minimum, maximum, zero and alternating extremes, through all of them and demands equality
(the emulator, being fast, on :data:`EMU_VECTORS` vectors).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trigc import emu
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends import emu as emu_backend
from trigc.compiler.backends import hls as hls_backend
from trigc.compiler.backends import rtl as rtl_backend
from trigc.compiler.backends.hls.csim import HlsCSim
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.graph import Graph
from trigc.compiler.ir.legality import check_legal
from trigc.compiler.ir.serialize import save_graph
from trigc.sim.bulk import run_rtl
from trigc.sim.tools import lint

EMU_VECTORS = 100_000


@dataclass
class Built:
    graph: Graph
    rtl_dir: Path | None
    csim: HlsCSim | None
    emulator: emu.Emulator | None = None


def build_all(graph: Graph, root: Path, hls: bool = True, rtl: bool = True) -> Built:
    """Verify ``graph`` and emit (and compile) the backends asked for under ``root``."""
    check_legal(graph, "typed")
    options = BackendOptions(project_name="ops_test")
    csim = rtl_dir = None
    if hls:
        hls_backend.emit(graph, options, root / "hls")
        csim = HlsCSim(root / "hls", graph, cache_dir=root / "csim_cache")
        csim.build()
    if rtl:
        rtl_dir = root / "rtl"
        rtl_backend.emit(graph, options, rtl_dir)
        save_graph(graph, rtl_dir / "ir.json")
        manifest = json.loads((rtl_dir / "rtl_manifest.json").read_text())
        lint([rtl_dir / f for f in manifest["files"]], manifest["top"])
    emu_backend.write_project(emu_backend.generate(graph, options), root / "emu")
    emulator = emu.load_dir(root / "emu", "ops_test")  # g++ -Wall -Wextra -Werror
    if shutil.which("clang++"):
        clang = ["clang++", "-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
        subprocess.run(
            [*clang, "-fsyntax-only", str(root / "emu" / "ops_test_c.cpp")],
            check=True,
            capture_output=True,
        )
    return Built(graph, rtl_dir, csim, emulator)


def input_vectors(graph: Graph, n: int, seed: int = 0) -> list[np.ndarray]:
    """Random mantissas over each input's full range, led by the edge values."""
    rng = np.random.default_rng(seed)
    vectors = []
    for node in graph.inputs:
        t = node.output.type
        x = rng.integers(t.min_int, t.max_int, size=(n, *node.output.shape), endpoint=True)
        flat = x.reshape(n, -1)
        flat[0], flat[1], flat[2] = t.min_int, t.max_int, 0
        flat[3, ::2], flat[3, 1::2] = t.min_int, t.max_int
        flat[4, ::2], flat[4, 1::2] = t.max_int, t.min_int
        vectors.append(flat.reshape(x.shape))
    return vectors


def assert_three_way(built: Built, n: int = 2000, seed: int = 0) -> dict[str, np.ndarray]:
    """Every output of every available representation equals the executor's, exactly."""
    graph = built.graph
    xs = input_vectors(graph, n, seed)
    want = run_int(graph, *xs)
    got: dict[str, list[np.ndarray]] = {}
    if built.csim is not None:
        got["C simulation"] = built.csim.predict_int(xs)
    if built.rtl_dir is not None:
        got["RTL"] = run_rtl(built.rtl_dir, xs, gap_percent=20)
    for where, outputs in got.items():
        for name, y in zip(graph.outputs, outputs, strict=True):
            assert y.dtype.kind == "i" and y.shape == want[name].shape, (where, name)
            bad = np.flatnonzero((y != want[name]).reshape(n, -1).any(axis=1))
            assert bad.size == 0, (
                f"{where} {name}: {bad.size} vectors differ, first #{bad[0]}: "
                f"{y[bad[0]]} != {want[name][bad[0]]}"
            )
    if built.emulator is not None:
        xs = input_vectors(graph, EMU_VECTORS, seed + 1)
        outputs = run_int(graph, *xs)
        expected = np.concatenate(
            [outputs[name].reshape(EMU_VECTORS, -1) for name in graph.outputs], axis=1
        )
        y = built.emulator.predict_int(xs)
        bad = np.flatnonzero((y != expected).any(axis=1))
        assert bad.size == 0, (
            f"emulator: {bad.size} of {EMU_VECTORS} vectors differ, first #{bad[0]}: "
            f"{y[bad[0]]} != {expected[bad[0]]}"
        )
    return want
