"""The rtl backend without simulators: CSD, shift-and-add plans, golden Verilog, manifest, errors.

Simulation against the IR executor lives in ``test_rtl_sim.py``; the graphs built here are
shared with it.  Regenerate the golden files with ``TRIGC_UPDATE_GOLDEN=1 pytest ...``.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import RtlSettings, emit, generate
from trigc.compiler.backends.rtl.csd import csd_cost, csd_depth, csd_digits, plan_products
from trigc.compiler.backends.rtl.cse import extract_pairs
from trigc.compiler.backends.rtl.delay import DelayModel
from trigc.compiler.backends.rtl.linear import PAIR_BLOCK, linear
from trigc.compiler.backends.rtl.netlist import Netlist, range_width
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.ops import get_op

GOLDEN = Path(__file__).parent / "data" / "rtl"


# -- graphs (shared with test_rtl_sim.py) -------------------------------------------------------
def dense(name: str, src: str, w, b, w_t: str, b_t: str, out_t: str, lead=()) -> Node:
    w, b = np.asarray(w), np.asarray(b)
    consts = {"weight": Const(w, T.parse(w_t)), "bias": Const(b, T.parse(b_t))}
    return Node(
        name,
        "dense",
        (src,),
        Tensor(name, (*lead, w.shape[1]), T.parse(out_t)),
        consts,
        origin=f"Dense {name}",
    )


def unary(name: str, op: str, src: str, shape: tuple[int, ...], out_t: str) -> Node:
    return Node(name, op, (src,), Tensor(name, shape, T.parse(out_t)), origin=f"{op} {name}")


def source(name: str, shape: tuple[int, ...], t: str) -> Node:
    return Node(name, "input", (), Tensor(name, shape, T.parse(t)))


def tiny_graph() -> Graph:
    """Two inputs, one dense, a rounding and saturating ReLU: the golden-text design."""
    nodes = [
        source("x", (2,), "fixed<4,2>"),
        dense("fc", "x", [[3, -1], [0, 2]], [1, -2], "fixed<3,1>", "fixed<3,1>", "fixed<8,4>"),
        unary("act", "relu", "fc", (2,), "ufixed<3,1,RND,SAT>"),
    ]
    return Graph("tiny", nodes, ("act",))


def mlp_graph(seed: int = 0) -> Graph:
    """dense → relu(ufixed<6,0,RND_CONV,SAT>) → dense → requantize(fixed<8,2,RND,SAT>)."""
    rng = np.random.default_rng(seed)
    w1 = rng.integers(-32, 32, (6, 5))
    w1[rng.random(w1.shape) < 0.4] = 0
    nodes = [
        source("x", (6,), "fixed<8,3>"),
        dense("fc1", "x", w1, rng.integers(-64, 64, 5), "fixed<6,1>", "fixed<8,2>", "fixed<20,8>"),
        unary("relu1", "relu", "fc1", (5,), "ufixed<6,0,RND_CONV,SAT>"),
        dense(
            "fc2",
            "relu1",
            rng.integers(-32, 32, (5, 3)),
            rng.integers(-64, 64, 3),
            "fixed<6,1>",
            "fixed<8,2>",
            "fixed<16,6>",
        ),
        unary("out", "requantize", "fc2", (3,), "fixed<8,2,RND,SAT>"),
    ]
    return Graph("mlp", nodes, ("out",))


def cast_zoo_graph(seed: int = 1) -> Graph:
    """One accumulator cast to 5-bit signed and unsigned types with every rounding and
    overflow mode, by requantize and by relu: 112 outputs."""
    rng = np.random.default_rng(seed)
    nodes = [
        source("x", (4,), "fixed<9,4>"),
        dense(
            "acc",
            "x",
            rng.integers(-32, 32, (4, 3)),
            rng.integers(-64, 64, 3),
            "fixed<6,2>",
            "fixed<8,3>",
            "fixed<24,12>",
        ),
    ]
    for rounding in ROUNDING_MODES:
        for overflow in OVERFLOW_MODES:
            for kind, integer in (("fixed", 3), ("ufixed", 2)):
                for op in ("requantize", "relu"):
                    name = f"{op}_{kind}_{rounding}_{overflow}".lower()
                    out_t = f"{kind}<5,{integer},{rounding},{overflow}>"
                    nodes.append(unary(name, op, "acc", (3,), out_t))
    outputs = tuple(n.name for n in nodes[2:])
    return Graph("cast_zoo", nodes, outputs)


def scale_shift_graph(seed: int = 2) -> Graph:
    """Unsigned input, pruned rows and columns, TRN_ZERO/SAT_SYM, scale_shift, relu; 2 outputs."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-8, 8, (5, 4))
    w[:, 1] = 0
    w[2, :] = 0
    scale = Const(np.array([3, -5, 0, 7]), T.parse("fixed<5,2>"))
    shift = Const(np.array([1, -2, 3, 0]), T.parse("fixed<4,1>"))
    nodes = [
        source("u", (5,), "ufixed<7,2>"),
        dense(
            "fc",
            "u",
            w,
            rng.integers(-16, 16, 4),
            "fixed<4,1>",
            "fixed<6,1>",
            "fixed<14,6,TRN_ZERO,SAT_SYM>",
        ),
        Node(
            "ss",
            "scale_shift",
            ("fc",),
            Tensor("ss", (4,), T.parse("fixed<10,5,RND_INF,WRAP>")),
            {"scale": scale, "shift": shift},
        ),
        unary("r", "relu", "ss", (4,), "ufixed<4,2,RND_ZERO,SAT>"),
    ]
    return Graph("scale_shift", nodes, ("r", "fc"))


def multi_io_graph(seed: int = 3) -> Graph:
    """Two inputs (one 2-D and unsigned), three outputs, an input passed through a cast."""
    rng = np.random.default_rng(seed)
    nodes = [
        source("a", (3,), "fixed<6,2>"),
        source("b", (2, 2), "ufixed<5,5>"),
        dense(
            "fa",
            "a",
            rng.integers(-4, 4, (3, 2)),
            [0, 0],
            "fixed<3,1>",
            "fixed<4,1>",
            "fixed<12,5>",
        ),
        dense(
            "fb",
            "b",
            [[1, -1, 0], [2, 0, 0]],
            [0, 5, -3],
            "fixed<3,2>",
            "fixed<4,3>",
            "fixed<7,7,RND,SAT>",
            lead=(2,),
        ),
        unary("ra", "requantize", "a", (3,), "fixed<4,2,RND_CONV,WRAP>"),
    ]
    return Graph("multi_io", nodes, ("fb", "fa", "ra"))


def pruned_graph() -> Graph:
    """Zero column (bias only), zero row (unused input), all-negative column, powers of two."""
    w = np.array([[0, -3, 4, 0], [0, 0, 0, 0], [0, -7, 1, 0], [0, -1, -16, 0]])
    nodes = [
        source("x", (4,), "fixed<7,3>"),
        dense("fc", "x", w, [5, 0, 0, 0], "fixed<6,3>", "fixed<4,2>", "fixed<16,8>"),
        unary("q", "requantize", "fc", (4,), "fixed<6,3,RND,SAT>"),
    ]
    return Graph("pruned", nodes, ("q", "fc"))


def degenerate_graph() -> Graph:
    """1-bit types, an input as output, constant outputs (all-zero weights, a cast that
    always gives the same value)."""
    nodes = [
        source("x", (3,), "fixed<1,1>"),
        source("y", (2,), "ufixed<1,0>"),
        dense(
            "z", "x", np.zeros((3, 2), dtype=int), [3, -1], "fixed<2,1>", "fixed<3,1>", "fixed<4,2>"
        ),
        dense("d1", "y", [[1], [-1]], [0], "fixed<2,2>", "fixed<2,2>", "fixed<1,1,RND,SAT_SYM>"),
        unary("r1", "relu", "x", (3,), "ufixed<1,1,RND_CONV,WRAP>"),
    ]
    return Graph("degenerate", nodes, ("x", "z", "d1", "r1", "y"))


def wide_graph(seed: int = 5) -> Graph:
    """40-bit inputs and 20-bit weights: 70-bit accumulators, 66-bit outputs."""
    w = np.random.default_rng(seed).integers(-(2**19), 2**19, (3, 2), dtype=np.int64)
    nodes = [
        source("x", (3,), "fixed<40,10>"),
        dense("acc", "x", w, [2**30, -5], "fixed<20,2>", "fixed<32,8>", "fixed<70,14>"),
        unary("q", "requantize", "acc", (2,), "fixed<66,10,RND_CONV,SAT>"),
        unary("q2", "relu", "acc", (2,), "ufixed<8,-30,RND_INF,SAT>"),
    ]
    return Graph("wide", nodes, ("q", "acc", "q2"))


def shifts_graph() -> Graph:
    """More fractional bits (free left shifts), negative integer bits, SAT_ZERO and WRAP."""
    scale = Const(np.array([1, -1, 0, 3]), T.parse("fixed<3,-3>"))
    shift = Const(np.array([0, 1, -1, 2]), T.parse("fixed<2,-4>"))
    nodes = [
        source("x", (4,), "fixed<6,6>"),
        unary("up", "requantize", "x", (4,), "fixed<12,6>"),
        Node(
            "ss",
            "scale_shift",
            ("up",),
            Tensor("ss", (4,), T.parse("fixed<3,-2,RND_MIN_INF,WRAP>")),
            {"scale": scale, "shift": shift},
        ),
        unary("ss2", "requantize", "up", (4,), "ufixed<3,9,TRN_ZERO,SAT_ZERO>"),
    ]
    return Graph("shifts", nodes, ("ss", "ss2", "up"))


def big_mlp_graph(seed: int = 4, dims: tuple[int, ...] = (16, 64, 32, 32, 5)) -> Graph:
    """16-64-32-32-5 ReLU MLP: input fixed<16,6>, random 6-bit weights about half zero."""
    rng = np.random.default_rng(seed)
    nodes, src = [source("x", (dims[0],), "fixed<16,6>")], "x"
    for k, (n_in, n_out) in enumerate(zip(dims, dims[1:], strict=False)):
        w = rng.integers(-32, 32, (n_in, n_out))
        w[rng.random(w.shape) < 0.5] = 0
        last = k == len(dims) - 2
        out_t = "fixed<16,8,RND,SAT>" if last else "fixed<32,14>"
        nodes.append(
            dense(
                f"fc{k}", src, w, rng.integers(-128, 128, n_out), "fixed<6,1>", "fixed<8,3>", out_t
            )
        )
        src = f"fc{k}"
        if not last:
            nodes.append(unary(f"relu{k}", "relu", src, (n_out,), "ufixed<8,3,RND_CONV,SAT>"))
            src = f"relu{k}"
    return Graph("big_mlp", nodes, (src,))


# -- canonical signed digits --------------------------------------------------------------------
def test_csd_digits_rebuild_the_value_without_adjacent_digits() -> None:
    for value in range(-600, 601):
        digits = csd_digits(value)
        assert sum(sign << position for position, sign in digits) == value
        positions = [p for p, _ in digits]
        assert all(b - a >= 2 for a, b in zip(positions, positions[1:], strict=False))
        assert all(sign in (-1, 1) for _, sign in digits)
        assert csd_cost(value) <= bin(abs(value)).count("1")


def test_csd_examples() -> None:
    assert csd_digits(0) == ()
    assert csd_digits(7) == ((0, -1), (3, 1))
    assert csd_digits(-3) == ((0, 1), (2, -1))
    assert csd_digits(0b1011011) == ((0, -1), (2, -1), (5, -1), (7, 1))
    assert csd_depth(1) == 0 and csd_depth(7) == 1 and csd_depth(11) == 2 and csd_depth(43) == 2


@pytest.mark.parametrize("bits", [4, 6, 8, 12])
def test_product_plans_are_correct_and_never_worse_than_csd(bits: int) -> None:
    rand = random.Random(bits)
    for _ in range(60):
        targets = sorted({rand.randrange(1, 1 << bits) | 1 for _ in range(rand.randint(1, 24))})
        depth = {1: 0}
        for step in plan_products(targets):
            assert step.a in depth and step.b in depth, "operands made before use"
            step.check()
            depth[step.target] = 1 + max(depth[step.a], depth[step.b])
        assert set(targets) <= set(depth)
        assert len(depth) - 1 <= sum(csd_cost(t) - 1 for t in targets)
        assert all(depth[t] <= csd_depth(t) for t in targets)


def test_product_sharing_reuses_multiples() -> None:
    steps = plan_products([3, 5, 7, 15, 17, 31])
    assert len(steps) == 6  # one adder per target, all from x and each other
    assert len(plan_products([3, 3 << 0])) == 1


# -- generated files ----------------------------------------------------------------------------
def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TRIGC_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; TRIGC_UPDATE_GOLDEN=1 to accept"


def test_golden_verilog_of_a_tiny_graph(tmp_path: Path) -> None:
    files = emit(tiny_graph(), BackendOptions(project_name="tiny"), tmp_path)
    assert [f.name for f in files] == [
        "rtl_manifest.json",
        "tiny.core",
        "tiny.v",
        "tiny.xdc",
        "tiny_act.v",
        "tiny_fc.v",
        "tiny_hls_wrapper.v",
        "tiny_selftest.v",
        "tiny_x.v",
        "vivado_build.tcl",
    ]
    for f in files:
        _check_golden(f.name, f.read_text())


def test_output_is_deterministic_and_free_of_paths(tmp_path: Path) -> None:
    graph, options = mlp_graph(), BackendOptions(project_name="mlp")
    first = emit(graph, options, tmp_path / "a")
    second = emit(graph, options, tmp_path / "b")
    for f, g in zip(first, second, strict=True):
        assert f.read_bytes() == g.read_bytes()
        assert str(tmp_path) not in f.read_text()


def test_manifest_carries_its_version_and_older_manifests_still_read(tmp_path: Path) -> None:
    from trigc.compiler.backends.rtl.manifest import RTL_FORMAT, RTL_VERSION, load_rtl_manifest

    emit(multi_io_graph(), BackendOptions(project_name="mio"), tmp_path)
    path = tmp_path / "rtl_manifest.json"
    data = json.loads(path.read_text())
    assert (
        (data["format"], data["version"])
        == (RTL_FORMAT, RTL_VERSION)
        == (
            "trigc-rtl-manifest",
            1,
        )
    )
    current = load_rtl_manifest(tmp_path)
    unversioned = {k: v for k, v in data.items() if k not in ("format", "version")}
    path.write_text(json.dumps(unversioned))  # as trigc wrote it before version 1
    assert load_rtl_manifest(tmp_path) == current
    path.write_text(json.dumps({**data, "version": RTL_VERSION + 1}))
    with pytest.raises(TrigcError, match="written by a newer trigc"):
        load_rtl_manifest(tmp_path)
    path.write_text(json.dumps({**data, "format": "trigc-project"}))
    with pytest.raises(TrigcError, match="not an rtl manifest"):
        load_rtl_manifest(tmp_path)


def test_manifest_describes_the_buses(tmp_path: Path) -> None:
    graph = multi_io_graph()
    emit(graph, BackendOptions(project_name="mio", clock_period_ns=4.0), tmp_path)
    m = json.loads((tmp_path / "rtl_manifest.json").read_text())
    assert m["top"] == "mio" and m["ii"] == 1 and m["clock_mhz"] == 250.0
    assert [p["name"] for p in m["inputs"]] == ["a", "b"]
    assert [(p["offset"], p["width"], p["shape"]) for p in m["inputs"]] == [
        (0, 6, [3]),
        (18, 5, [2, 2]),
    ]
    assert m["in_width"] == 38
    assert [(p["name"], p["offset"]) for p in m["outputs"]] == [("fb", 0), ("fa", 42), ("ra", 66)]
    assert m["outputs"][0]["type"] == "fixed<7,7,RND,SAT>" and m["out_width"] == 78
    assert len(m["stages"]) == m["latency_cycles"] >= 1
    assert m["files"][0] == "mio.v" and m["files"][-1] == "mio_hls_wrapper.v"
    assert m["files"][1:-1] == [f"{layer['module']}.v" for layer in m["layers"]]
    assert {"budget_ns", "lut_ns", "carry_ns_per_bit"} <= set(m["delay_model"])
    wrapper = (tmp_path / "mio_hls_wrapper.v").read_text()
    for port in (
        "ap_clk",
        "ap_rst",
        "ap_start",
        "ap_done",
        "ap_idle",
        "ap_ready",
        "a_ap_vld",
        "b_ap_vld",
        "fb_ap_vld",
        "fa_ap_vld",
        "ra_ap_vld",
    ):
        assert re.search(rf"\b{port}\b", wrapper), port


def _wire_width(verilog: str, name: str) -> int:
    match = re.search(rf"wire (?:\[(\d+):0\] )?{name}\b", verilog)
    assert match, name
    return int(match.group(1) or 0) + 1


def test_accumulators_are_exactly_as_wide_as_their_range() -> None:
    graph = mlp_graph()
    design = generate(graph, BackendOptions(project_name="mlp"))
    verilog = design.files["mlp_fc1.v"]
    node = graph.node("fc1")
    exact = get_op("dense").exact_range(node, [get_op("input").exact_range(graph.node("x"), [])])
    for o in range(5):
        assert _wire_width(verilog, f"fc1_o{o}") <= range_width(int(exact.lo[o]), int(exact.hi[o]))


def test_pruned_weights_cost_nothing() -> None:
    design = generate(pruned_graph(), BackendOptions(project_name="p"))
    verilog = "".join(text for name, text in design.files.items() if name.endswith(".v"))
    assert "fc_o0" not in verilog and "fc_o3" not in verilog  # constant columns: no logic
    inputs = design.files["p_x.v"]
    assert "in_data[13:7]" not in inputs.split("unused_bits")[0]  # input 1 is never read
    # input 0 feeds -3x, 4x: 3x is one adder, the column sum another
    assert design.manifest.estimate["adders"] <= 12


def test_sharing_saves_adders() -> None:
    graph, options = big_mlp_graph(dims=(16, 32, 8)), BackendOptions(project_name="m")
    cost = {
        sharing: generate(graph, options, RtlSettings(sharing=sharing)).manifest.estimate
        for sharing in ("digits", "products", "pairs")
    }
    assert cost["products"]["adders"] < 0.85 * cost["digits"]["adders"]
    assert cost["pairs"]["adders"] < cost["products"]["adders"]
    assert (
        cost["pairs"]["adder_bits"] < cost["products"]["adder_bits"] < cost["digits"]["adder_bits"]
    )


def test_pair_extraction_keeps_every_column_sum() -> None:
    rng = np.random.default_rng(0)
    n_in, n_out = 6, 9
    weights = rng.integers(-40, 40, (n_in, n_out))
    columns = [
        [(i, p, s) for i in range(n_in) for p, s in csd_digits(int(weights[i, o]))]
        for o in range(n_out)
    ]
    shared, rewritten = extract_pairs(columns, n_in)
    assert shared, "random 6-bit weights share pairs"
    assert sum(map(len, rewritten)) + len(shared) < sum(map(len, columns))
    # evaluate every source as a vector of coefficients over the inputs
    sources = [np.eye(n_in, dtype=np.int64)[i] for i in range(n_in)]
    for pair in shared:
        sources.append(
            (sources[pair.a] << pair.shift_a) + pair.sign * (sources[pair.b] << pair.shift_b)
        )
    for o, column in enumerate(rewritten):
        total = sum(
            (sign * (sources[src] << shift) for src, shift, sign in column),
            np.zeros(n_in, dtype=np.int64),
        )
        assert np.array_equal(total, weights[:, o])


def test_pairs_are_searched_in_blocks_of_inputs_and_every_sum_stays_exact() -> None:
    """150 inputs: three blocks of at most ``PAIR_BLOCK``, each output's linear form exact."""
    rng = np.random.default_rng(7)
    n_in, n_out = 150, 6
    weights = rng.integers(-31, 32, (n_in, n_out))
    weights[rng.random(weights.shape) < 0.3] = 0
    nl = Netlist(DelayModel(), 3.0)
    xs = [nl.input(f"x{i}", 8 * i, -128, 127) for i in range(n_in)]
    columns = [
        [(i, int(weights[i, o])) for i in range(n_in) if weights[i, o]] for o in range(n_out)
    ]
    outs = linear(nl, xs, columns, [0] * n_out, "fc")
    assert n_in > 2 * PAIR_BLOCK
    assert any(s.name.startswith("fc_b2_s") for s in nl.signals), "the third block shares pairs"
    for o, v in enumerate(outs):
        assert v.sig is not None
        sign = -1 if v.neg else 1
        got = [sign * (v.sig.form.get(x.sig.index, 0) << v.shift) for x in xs]
        assert got == [int(w) for w in weights[:, o]], o
        assert v.sig.const == 0


def test_faster_clocks_make_more_stages_within_budget() -> None:
    graph = big_mlp_graph(dims=(16, 32, 8))
    latency = []
    for mhz in (100, 200, 400):
        m = generate(
            graph, BackendOptions(project_name="m", clock_period_ns=1000 / mhz)
        ).manifest.to_json()
        latency.append(m["latency_cycles"])
        assert max(m["stages"]) <= m["delay_model"]["budget_ns"] + 1e-9
    assert latency[0] < latency[1] < latency[2]


def test_one_module_per_layer() -> None:
    """Every layer has its module and instance; along the chain its cycles add up."""
    graph = big_mlp_graph(dims=(16, 32, 8))
    design = generate(graph, BackendOptions(project_name="m", clock_period_ns=2.5))
    m = design.manifest.to_json()
    assert [layer["name"] for layer in m["layers"]] == [n.name for n in graph.nodes]
    assert m["files"][1:-1] == [f"{layer['module']}.v" for layer in m["layers"]]
    for layer in m["layers"]:
        assert f"module {layer['module']} (" in design.files[f"{layer['module']}.v"]
        assert f"{layer['module']} {layer['instance']} (" in design.files["m.v"]
        assert 1 <= layer["stages"][0] <= layer["stages"][1] <= m["latency_cycles"]
    assert m["latency_cycles"] >= 4
    assert sum(layer["latency_cycles"] for layer in m["layers"]) == m["latency_cycles"]


def test_layer_module_names_never_clash() -> None:
    nodes = [
        source("x", (2,), "fixed<4,2>"),
        dense("fc", "x", [[3, -1], [0, 2]], [1, -2], "fixed<3,1>", "fixed<3,1>", "fixed<8,4>"),
        unary("hls_wrapper", "relu", "fc", (2,), "ufixed<3,1,RND,SAT>"),
    ]
    design = generate(Graph("clash", nodes, ("hls_wrapper",)), BackendOptions(project_name="c"))
    modules = [layer.module for layer in design.manifest.layers]
    assert modules == ["c_x", "c_fc", "c_hls_wrapper_l"]
    assert "module c_hls_wrapper (" in design.files["c_hls_wrapper.v"]


def test_unsupported_op_names_node_op_and_origin(tmp_path: Path) -> None:
    nodes = [
        source("x", (3,), "fixed<8,3>"),
        Node(
            "sm",
            "elu",
            ("x",),
            Tensor("sm", (3,), T.parse("ufixed<8,0>")),
            origin="Activation elu_1",
        ),
    ]
    with pytest.raises(TrigcError, match=r"'sm'.*'elu'.*'Activation elu_1'"):
        emit(Graph("g", nodes, ("sm",)), BackendOptions(), tmp_path)


def test_bad_project_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrigcError, match="Verilog module name"):
        emit(tiny_graph(), BackendOptions(project_name="3 tops"), tmp_path)
