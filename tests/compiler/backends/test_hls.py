"""The hls backend: lowering to hls4ml, deterministic projects, and bit-exact C simulation.

The C simulation tests compile one project per module (about 10 s on 2 cores) and compare it
with the IR executor on integer mantissas, never with a tolerance.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.hls import emit, hls4ml_layers
from trigc.compiler.backends.hls.csim import HlsCSim
from trigc.compiler.backends.hls.io_file import IO_FILE
from trigc.compiler.backends.hls.rules import dense_accumulator_type
from trigc.compiler.errors import ProjectError, TrigcError
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor


def mixed_graph() -> Graph:
    """Two inputs, two outputs, every op and rounding/overflow mode the backend must get right.

    Chain 1: dense (pruned, narrow WRAP result) → relu(ufixed<6,0,RND_CONV,SAT>) → dense
    (bias with negative integer bits, RND_INF/SAT_SYM result) → scale_shift → requantize.
    Chain 2: unsigned input → dense with 2-bit weights incl. -2 (hls4ml would pick its ternary
    product for an ap_int<2>) → identity requantize → unit scale_shift (a pure cast).
    Names need sanitizing for C++ ("input:0", "1st relu", "int").
    """
    rng = np.random.default_rng(7)
    w0 = rng.integers(-32, 32, (8, 6))
    w0[rng.random(w0.shape) < 0.3] = 0
    w0[:, 5] = 0  # a fully pruned neuron
    w1 = rng.integers(-32, 32, (6, 4))
    w1[rng.random(w1.shape) < 0.3] = 0
    w2 = np.array([[-2, 1, 0], [1, -2, -1], [0, 0, -2], [-1, 1, 1], [-2, -2, 0]])

    def const(values, t: T) -> Const:
        return Const(np.asarray(values), t)

    nodes = [
        Node("input:0", "input", (), Tensor("x", (8,), T(10, 4))),
        Node(
            "fc0",
            "dense",
            ("x",),
            Tensor("fc0", (6,), T(10, 3)),
            {"weight": const(w0, T(6, 1)), "bias": const(rng.integers(-128, 128, 6), T(8, 2))},
            origin="fc0",
        ),
        Node(
            "1st relu", "relu", ("fc0",), Tensor("relu0", (6,), T(6, 0, False, "RND_CONV", "SAT"))
        ),
        Node(
            "fc1",
            "dense",
            ("relu0",),
            Tensor("fc1", (4,), T(9, 1, True, "RND_INF", "SAT_SYM")),
            {"weight": const(w1, T(6, 1)), "bias": const(rng.integers(-8, 8, 4), T(4, -1))},
        ),
        Node(
            "bn",
            "scale_shift",
            ("fc1",),
            Tensor("bn", (4,), T(10, 3, True, "RND", "SAT")),
            {"scale": const([5, -7, 15, -16], T(5, 2)), "shift": const([3, -32, 0, 31], T(6, 1))},
        ),
        Node(
            "int", "requantize", ("bn",), Tensor("rq", (4,), T(6, 2, True, "RND_ZERO", "SAT_ZERO"))
        ),
        Node("y", "input", (), Tensor("y", (5,), T(8, 2, False))),
        Node(
            "fc_t",
            "dense",
            ("y",),
            Tensor("fc_t", (3,), T(8, 6, True, "RND", "WRAP")),
            {"weight": const(w2, T(2, 2)), "bias": const([-4, 3, 0], T(3, 3))},
        ),
        Node("same", "requantize", ("fc_t",), Tensor("same", (3,), T(8, 6, True, "TRN", "SAT"))),
        Node(
            "unit",
            "scale_shift",
            ("same",),
            Tensor("unit", (3,), T(4, 4, False, "RND_CONV", "SAT")),
            {"scale": const([1, 1, 1], T(2, 2)), "shift": const([0, 0, 0], T(2, 2))},
        ),
    ]
    return Graph("mixed", tuple(nodes), ("rq", "unit"))


def input_vectors(graph: Graph, n: int, seed: int = 0) -> list[np.ndarray]:
    """Random mantissas over each input's full range, led by all-min, all-max and zero rows."""
    rng = np.random.default_rng(seed)
    vectors = []
    for node in graph.inputs:
        t = node.output.type
        x = rng.integers(t.min_int, t.max_int + 1, size=(n, *node.output.shape))
        x[0], x[1], x[2] = t.min_int, t.max_int, 0
        x[3, ::2], x[3, 1::2] = t.min_int, t.max_int
        vectors.append(x)
    return vectors


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- emission (no compiler needed) ------------------------------------------------------------
def test_lowering_uses_the_ir_types():
    graph = mixed_graph()
    lowered = hls4ml_layers(graph)
    classes = {layer["name"]: layer["class_name"] for layer in lowered.layers}
    assert classes == {
        "input_0": "InputLayer",
        "fc0": "Dense",
        "n1st_relu": "Activation",
        "fc1": "Dense",
        "bn": "BatchNormalization",
        "int_": "Activation",
        "y": "InputLayer",
        "fc_t": "Dense",
        "unit": "Activation",  # a unit scale_shift is a cast; hls4ml would drop a nop batchnorm
    }
    assert lowered.layer_of["same"] == "fc_t"  # a cast that cannot change a value is dropped
    precision = lowered.layer_config["fc1"]["Precision"]
    assert precision == {
        "weight": "ap_fixed<6,1>",
        "bias": "ap_fixed<4,-1>",
        "accum": "ap_fixed<14,3>",
        "result": "ap_fixed<9,1,AP_RND_INF,AP_SAT_SYM>",
    }
    assert lowered.output_layers == ["int_", "unit"]


def test_accumulator_is_exact_and_wraps():
    fc1 = mixed_graph().node("fc1")
    acc = dense_accumulator_type(fc1, T(6, 0, False, "RND_CONV", "SAT"))
    assert acc.frac == max(6 + 5, 5) and acc.signed and acc.overflow == "WRAP"
    w = fc1.consts["weight"].values
    b = fc1.consts["bias"].values << (acc.frac - 5)
    extremes = [63 * np.clip(w, 0, None).sum(0), 63 * np.clip(w, None, 0).sum(0)]
    for sums in extremes:
        assert np.all((sums + b >= acc.min_int) & (sums + b <= acc.max_int))


def test_emit_is_deterministic_and_relocatable(tmp_path):
    graph, options = mixed_graph(), BackendOptions()
    files = emit(graph, options, tmp_path / "a")
    emit(graph, options, tmp_path / "b")
    assert files == sorted(files) and (tmp_path / "a" / IO_FILE) in files
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b
    for content in a.values():
        assert str(tmp_path).encode() not in content


def test_emit_vivado_flavor_and_options(tmp_path):
    options = BackendOptions(
        project_name="tagger",
        hls_flavor="Vivado",
        reuse_factor=2,
        clock_period_ns=3.3,
        part="xcku115-flvb2104-2-e",
    )
    emit(mixed_graph(), options, tmp_path)
    project_tcl = (tmp_path / "project.tcl").read_text()
    assert 'set backend "vivado"' in project_tcl and "set clock_period 3.3" in project_tcl
    assert 'set part "xcku115-flvb2104-2-e"' in project_tcl
    assert "reuse_factor = 2;" in (tmp_path / "firmware" / "parameters.h").read_text()
    assert (tmp_path / "firmware" / "tagger.cpp").exists()


def test_unsupported_op_names_node_and_origin(tmp_path):
    graph = mixed_graph()
    conv = Node("conv", "conv2d", ("x",), Tensor("conv", (8,), T(8, 3)), origin="model/conv_1")
    graph = graph.replace_nodes([*graph.nodes, conv])
    with pytest.raises(TrigcError, match=r"'conv'.*'conv2d'.*model/conv_1"):
        emit(graph, BackendOptions(), tmp_path / "p")


def test_rejects_bad_requests(tmp_path):
    graph = mixed_graph()
    with pytest.raises(TrigcError, match="unknown HLS flavor"):
        emit(graph, BackendOptions(hls_flavor="Quartus"), tmp_path / "p")
    with pytest.raises(TrigcError, match="C\\+\\+ identifier"):
        emit(graph, BackendOptions(project_name="my-model"), tmp_path / "p")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.txt").write_text("x")
    with pytest.raises(ProjectError, match="not empty"):
        emit(graph, BackendOptions(), tmp_path / "full")
    fc = Node(
        "fc",
        "dense",
        ("x",),
        Tensor("fc", (2, 1), T(12, 6)),
        {"weight": Const(np.ones((3, 1), int), T(2, 2)), "bias": Const(np.zeros(1, int), T(2, 2))},
    )
    two_d = Graph("g", (Node("x", "input", (), Tensor("x", (2, 3), T(8, 3))), fc), ("fc",))
    with pytest.raises(TrigcError, match="'fc'.*dense layers to 1-D tensors only"):
        emit(two_d, BackendOptions(), tmp_path / "q")


def test_csim_refuses_a_stale_project(tmp_path):
    emit(mixed_graph(), BackendOptions(), tmp_path)
    other = Graph("other", (Node("x", "input", (), Tensor("x", (8,), T(10, 4))),), ("x",))
    with pytest.raises(ProjectError, match="not emitted from graph"):
        HlsCSim(tmp_path, other)
    with pytest.raises(ProjectError, match="no trigc_io.json"):
        HlsCSim(tmp_path / "firmware")


# -- C simulation (g++) ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> tuple[Graph, Path, HlsCSim]:
    graph = mixed_graph()
    project = tmp_path_factory.mktemp("hls") / "project"
    emit(graph, BackendOptions(), project)
    sim = HlsCSim(project, graph, cache_dir=tmp_path_factory.mktemp("cache"))
    sim.build()
    return graph, project, sim


@pytest.mark.slow
def test_csim_is_bit_exact(compiled):
    graph, _, sim = compiled
    inputs = input_vectors(graph, 1000)
    expected = run_int(graph, *inputs)
    outputs = sim.predict_int(inputs)
    for name, got in zip(graph.outputs, outputs, strict=True):
        assert got.dtype.kind == "i"
        assert np.array_equal(got, expected[name]), name


@pytest.mark.slow
def test_csim_trace_matches_every_tensor(compiled):
    graph, _, sim = compiled
    inputs = input_vectors(graph, 200, seed=3)
    expected = run_int(graph, *inputs, keep_all=True)
    traced = sim.trace_int(inputs)
    assert traced.keys() == expected.keys()
    for name, values in expected.items():
        assert np.array_equal(traced[name], values), name


@pytest.mark.slow
def test_csim_caches_and_leaves_project_untouched(compiled, tmp_path):
    graph, project, sim = compiled
    before = tree(project)
    start = time.perf_counter()
    again = HlsCSim(project, cache_dir=sim.cache_dir)  # no graph: types from trigc_io.json
    assert again.build() == sim.build()
    assert time.perf_counter() - start < 2.0  # found in the cache, not recompiled
    inputs = input_vectors(graph, 50, seed=5)
    for a, b in zip(again.predict_int(inputs), sim.predict_int(inputs), strict=True):
        assert np.array_equal(a, b)
    assert tree(project) == before
    with pytest.raises(TrigcError, match="outside the range"):
        sim.predict_int([inputs[0] * 0 + 512, inputs[1]])
