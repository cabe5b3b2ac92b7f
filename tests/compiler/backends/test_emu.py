"""The emu backend: the C++ emulator equals the IR executor, compiles warning-free under g++ and
clang, runs clean under UndefinedBehaviorSanitizer, quantizes doubles as ap_fixed does, builds
with its CMake file, and the README's integration snippets compile against it.

Every op family is also compared on 100,000 vectors in ``tests/compiler/ops`` (``threeway.py``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from trigc import emu
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends import emu as emu_backend
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.executor import run_float, run_int
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES, cast
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Graph
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project
from trigc.emu.build import CXX_FLAGS

from .test_rtl import cast_zoo_graph, dense, mlp_graph, scale_shift_graph, source, unary

README = Path(__file__).parents[3] / "README.md"
JET_TAGGER = Path(__file__).parents[3] / "models" / "jet_tagger" / "jet_tagger_q6_pruned.keras"
VECTORS = 100_000
WARNINGS = ("-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror")


def wide_graph(seed: int = 3) -> Graph:
    """40-bit inputs times 30-bit weights: a 74-bit accumulator (``__int128``), rounded and
    saturated to 44 bits."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-(1 << 29), 1 << 29, (6, 4))
    b = rng.integers(-(1 << 40), 1 << 40, 4)
    nodes = [
        source("x", (6,), "fixed<40,20>"),
        dense("acc", "x", w, b, "fixed<30,10>", "fixed<42,12>", "fixed<74,34>"),
        unary("out", "requantize", "acc", (4,), "fixed<44,32,RND_CONV,SAT>"),
    ]
    return Graph("wide", nodes, ("out",))


GRAPHS = {
    "mlp": mlp_graph,
    "cast_zoo": cast_zoo_graph,
    "scale_shift": scale_shift_graph,
    "wide": wide_graph,
}


def _emit(graph: Graph, root: Path, namespace: str = "emu_test") -> Path:
    design = emu_backend.generate(graph, BackendOptions(project_name=namespace))
    emu_backend.write_project(design, root)
    return root


def _vectors(graph: Graph, n: int, seed: int = 0) -> list[np.ndarray]:
    """Random mantissas over each input's range, led by its extremes and zero."""
    rng = np.random.default_rng(seed)
    xs = []
    for node in graph.inputs:
        t = node.output.type
        x = rng.integers(t.min_int, t.max_int, (n, node.output.size), endpoint=True)
        x[0], x[1], x[2] = t.min_int, t.max_int, 0
        x[3, ::2], x[3, 1::2] = t.min_int, t.max_int
        xs.append(x)
    return xs


def _expected(graph: Graph, xs: list[np.ndarray]) -> np.ndarray:
    out = run_int(graph, *xs)
    n = len(xs[0])
    return np.concatenate([np.asarray(out[k]).reshape(n, -1) for k in graph.outputs], axis=1)


@pytest.fixture(scope="module")
def emitted(tmp_path_factory) -> dict[str, tuple[Graph, Path]]:
    root = tmp_path_factory.mktemp("emu")
    return {name: (make(), _emit(make(), root / name)) for name, make in GRAPHS.items()}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_emulator_equals_ir_on_100k_vectors(emitted, name):
    graph, folder = emitted[name]
    model = emu.load_dir(folder, "emu_test")
    xs = _vectors(graph, VECTORS)
    got = model.predict_int(xs)
    want = _expected(graph, xs)
    assert got.dtype == np.int64 and got.shape == want.shape
    bad = np.flatnonzero((got != want).any(axis=1))
    assert bad.size == 0, (
        f"{name}: {bad.size} vectors differ, first {got[bad[0]]} != {want[bad[0]]}"
    )
    assert len(np.unique(want, axis=0)) > 100  # the outputs are not trivially constant
    with pytest.raises(TrigcError, match="integer entry points take mantissas"):
        model.predict_int(np.asarray(xs[0] if isinstance(xs, list) else xs, dtype=np.float64))


def test_wide_accumulators_are_128_bit(emitted):
    graph, folder = emitted["wide"]
    header = (folder / "emu_test.hpp").read_text()
    assert "detail::int128" in header.split("inline void run_block")[1]
    mlp_header = (emitted["mlp"][1] / "emu_test.hpp").read_text()
    assert "detail::int128" not in mlp_header.split("inline void run_block")[1]


def _compiler(name: str) -> str:
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (make install installs clang from Debian as root)")
    return name


@pytest.mark.parametrize("compiler", ["g++", "clang++"])
def test_compiles_warning_free(emitted, compiler, tmp_path):
    cxx = _compiler(compiler)
    for name, (_, folder) in emitted.items():
        for source_file in ("emu_test_c.cpp", "example.cpp"):
            args = [cxx, *WARNINGS, "-O1", "-c", str(folder / source_file), "-o", "/dev/null"]
            done = subprocess.run(args, capture_output=True, text=True, check=False)
            assert done.returncode == 0 and not done.stderr, (name, source_file, done.stderr)


def _run_example(executable: Path, rows: np.ndarray, *flags: str) -> np.ndarray:
    text = "\n".join(" ".join(repr(v) if isinstance(v, float) else str(v) for v in r) for r in rows)
    done = subprocess.run(
        [str(executable), *flags], input=text + "\n", capture_output=True, text=True, check=True
    )
    dtype = np.int64 if "--int" in flags else np.float64
    return np.array([line.split() for line in done.stdout.splitlines()], dtype=dtype)


def test_runs_clean_under_undefined_behavior_sanitizer(emitted, tmp_path):
    """Shifts of negative values, signed overflow, out-of-range shifts: none, on the edges."""
    for name, (graph, folder) in emitted.items():
        exe = tmp_path / f"{name}_ubsan"
        args = [
            "g++", *WARNINGS, "-O1", "-fsanitize=undefined,address", "-fno-sanitize-recover=all",
            str(folder / "example.cpp"), "-o", str(exe),
        ]  # fmt: skip
        subprocess.run(args, check=True, capture_output=True)
        xs = _vectors(graph, 300, seed=7)
        got = _run_example(exe, np.concatenate(xs, axis=1), "--int")
        np.testing.assert_array_equal(got, _expected(graph, xs))


def _quantizer_graph(t: T) -> Graph:
    nodes = [source("x", (1,), str(t)), unary("y", "requantize", "x", (1,), "fixed<40,20>")]
    return Graph("quantizer", nodes, ("y",))


def _ap_fixed_from_double(v: float, t: T) -> int:
    """The mantissa ``ap_fixed`` assignment gives ``v``: its exact binary value cast to ``t``."""
    ratio = Fraction(v)
    frac = ratio.denominator.bit_length() - 1
    return int(cast(np.array([ratio.numerator], dtype=object), T(300, 300 - frac), t)[0])


@pytest.mark.parametrize("rounding", ROUNDING_MODES)
def test_predict_quantizes_doubles_like_ap_fixed(rounding, tmp_path):
    """Every rounding mode (ties, off-grid values) and every overflow mode (out of range)."""
    rng = np.random.default_rng(ROUNDING_MODES.index(rounding))
    values = np.concatenate(
        [
            rng.uniform(-12, 12, 400),
            np.arange(-48, 48) / 8 + 1 / 16,  # exact ties between grid points (lsb 1/8)
            np.arange(-20, 20) / 8,  # on the grid
            [2**-70, -(2**-70), 1e30, -1e30, 0.0, -0.0],
        ]
    )
    for k, overflow in enumerate(OVERFLOW_MODES):
        t = T(6, 3, k % 2 == 0, rounding, overflow)
        folder = _emit(_quantizer_graph(t), tmp_path / overflow, f"q_{k}")
        model = emu.load_dir(folder, f"q_{k}")
        got = model.predict(values[:, None])[:, 0]
        want = np.array([_ap_fixed_from_double(float(v), t) for v in values]) / 8.0
        bad = np.flatnonzero(got != want)
        assert bad.size == 0, (str(t), values[bad[:5]], got[bad[:5]], want[bad[:5]])


def test_on_grid_doubles_give_the_ir_values(emitted):
    graph, folder = emitted["mlp"]
    (x,) = _vectors(graph, 2000, seed=3)
    in_t = graph.inputs[0].output.type
    got = emu.load_dir(folder, "emu_test").predict(in_t.to_float(x))
    np.testing.assert_array_equal(got, run_float(graph, in_t.to_float(x))[0])


def test_cmake_builds_the_library_and_the_example(emitted, tmp_path):
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")
    graph, folder = emitted["scale_shift"]
    build = tmp_path / "build"
    subprocess.run(["cmake", "-S", str(folder), "-B", str(build)], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build), "-j", "2"], check=True, capture_output=True)
    assert (build / "libemu_test_c.so").is_file()
    xs = _vectors(graph, 200, seed=5)
    in_t = graph.inputs[0].output.type
    got = _run_example(build / "emu_test_example", in_t.to_float(xs[0]).tolist())
    want = np.concatenate([y.reshape(200, -1) for y in run_float(graph, in_t.to_float(xs[0]))], 1)
    np.testing.assert_array_equal(got, want)


CMSSW_STUBS = {
    "FWCore/Framework/interface/stream/EDProducer.h": """#pragma once
#include "FWCore/Framework/interface/Event.h"
#include "FWCore/ParameterSet/interface/ParameterSet.h"
namespace edm::stream {
template <class... T> class EDProducer {
public:
  virtual ~EDProducer() = default;
  virtual void produce(edm::Event&, const edm::EventSetup&) = 0;
protected:
  template <class P> edm::EDGetTokenT<P> consumes(const edm::InputTag&) { return {}; }
  template <class P> edm::EDPutTokenT<P> produces() { return {}; }
};
}  // namespace edm::stream
""",
    "FWCore/Framework/interface/Event.h": """#pragma once
namespace edm {
template <class T> class EDGetTokenT {};
template <class T> class EDPutTokenT {};
class EventSetup {};
class Event {
public:
  template <class T> const T& get(const EDGetTokenT<T>&) const {
    static const T value{};
    return value;
  }
  template <class T, class... A> void emplace(const EDPutTokenT<T>&, A&&...) {}
};
}  // namespace edm
""",
    "FWCore/ParameterSet/interface/ParameterSet.h": """#pragma once
#include <string>
namespace edm {
class InputTag {};
class ParameterSet {
public:
  template <class T> T getParameter(const std::string&) const { return T{}; }
};
}  // namespace edm
""",
}


def _readme_snippet(marker: str) -> str:
    text = README.read_text()
    match = re.search(rf"<!-- {marker} -->\n```cpp\n(.*?)```", text, re.S)
    assert match, f"README lacks the {marker} snippet"
    return match.group(1)


@pytest.mark.slow
def test_readme_snippets_compile_against_the_jet_tagger(tmp_path):
    project = compile_project(
        JET_TAGGER,
        tmp_path / "p",
        CompileOptions(backends=("emu",), backend=BackendOptions(project_name="jet_tagger")),
    )
    header = project.backend_dir("emu") / "jet_tagger.hpp"
    include = tmp_path / "include"
    for path, text in CMSSW_STUBS.items():
        (include / path).parent.mkdir(parents=True, exist_ok=True)
        (include / path).write_text(text)
    (include / "L1Trigger/MyTagger/interface").mkdir(parents=True)
    shutil.copy(header, include / "L1Trigger/MyTagger/interface/jet_tagger.hpp")
    shutil.copy(header, include / "jet_tagger.hpp")
    producer = tmp_path / "producer.cpp"
    producer.write_text(_readme_snippet("emulator-cmssw-example"))
    args = ["g++", *WARNINGS, "-I", str(include), "-c", str(producer), "-o", "/dev/null"]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stderr, done.stderr
    plain = tmp_path / "plain.cpp"
    plain.write_text(_readme_snippet("emulator-plain-example"))
    exe = tmp_path / "plain"
    done = subprocess.run(
        ["g++", *WARNINGS, "-I", str(include), str(plain), "-o", str(exe)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    graph = project.graph
    want = run_int(graph, np.zeros((1, 16), dtype=np.int64))[graph.outputs[0]][0]
    frac = graph.tensor(graph.outputs[0]).type.frac
    assert lines.splitlines() == [f"{int(m)} * 2^-{frac}" for m in want]


@pytest.mark.slow
def test_verify_only_emu_on_the_jet_tagger(tmp_path):
    project = compile_project(JET_TAGGER, tmp_path / "p", CompileOptions(backends=("emu",)))
    result = verify_project(project.path, vectors=VECTORS, representations=("keras", "emu"))
    by_name = {c.name: c for c in result.comparisons}
    assert result.ok and by_name["emu"].identical == VECTORS == by_name["keras"].identical


def test_inputs_and_outputs_wider_than_64_bits_are_refused_by_name(tmp_path):
    nodes = [
        source("x", (2,), "fixed<8,4>"),
        dense("fc", "x", [[3, 1], [1, 2]], [0, 0], "fixed<4,2>", "fixed<4,2>", "fixed<70,30>"),
    ]
    with pytest.raises(TrigcError, match=r"output 'fc' has the 70-bit type.*64-bit mantissas"):
        emu_backend.generate(Graph("too_wide", nodes, ("fc",)), BackendOptions())


def test_builds_are_cached_and_two_versions_of_one_namespace_coexist(emitted, tmp_path):
    """Two different models under the same namespace, loaded into one process, stay apart
    (the library exports only its C functions)."""
    first = emu.load_dir(emitted["mlp"][1], "emu_test")
    assert emu.load_dir(emitted["mlp"][1], "emu_test").build.cached
    other_graph = mlp_graph(seed=9)
    other = emu.load_dir(_emit(other_graph, tmp_path / "other"), "emu_test")
    for graph, model in ((emitted["mlp"][0], first), (other_graph, other)):
        xs = _vectors(graph, 5000, seed=11)
        np.testing.assert_array_equal(model.predict_int(xs), _expected(graph, xs))


def test_binding_flags_are_the_documented_warning_free_set():
    assert {"-std=c++17", "-Wall", "-Wextra", "-Werror"} <= set(CXX_FLAGS)
