"""Per-element fixed-point types: container, casts, ranges, legality, ir.json and text form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trigc.compiler.errors import IRError
from trigc.compiler.ir.element_types import ElementTypes
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES, FixedType, cast
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.legality import PRECISION_MODEL, check_legal
from trigc.compiler.ir.ops.base import Interval, cast_interval_to_tensor
from trigc.compiler.ir.ranges import output_ranges
from trigc.compiler.ir.serialize import dumps, graph_from_dict, graph_to_dict
from trigc.compiler.ir.text import to_text
from trigc.compiler.passes import infer_precision

IN_TYPE = FixedType(12, 5)


def _elements(k, i, f, rounding="RND", overflow="SAT") -> ElementTypes:
    return ElementTypes.from_kif(k, i, f, rounding, overflow)


def _graph(elements: ElementTypes, n: int = 4) -> Graph:
    """input fixed<12,5>[n] -> dense (inferred) -> requantize with per-element types."""
    rng = np.random.default_rng(0)
    w = Const(rng.integers(-7, 8, (n, n)), FixedType(4, 1))
    b = Const(rng.integers(-7, 8, n), FixedType(4, 2))
    dense_out = Tensor("d", (n,), FixedType(32, 16))
    q = Node("q", "requantize", ("d",), Tensor("q", (n,), FixedType(1, 1)))
    q = Node(q.name, q.op, q.inputs, q.output, attrs={"precision": PRECISION_MODEL})
    return infer_precision.run(
        Graph(
            "g",
            (
                Node("x", "input", (), Tensor("x", (n,), IN_TYPE)),
                Node(
                    "d",
                    "dense",
                    ("x",),
                    dense_out,
                    {"weight": w, "bias": b},
                    {"precision": "infer"},
                ),  # fmt: skip
                q.with_element_types(elements),
            ),
            ("q",),
        )
    )


def test_container_holds_every_element_type():
    e = _elements([1, 0, 1, 0], [2, 3, -1, 0], [3, 1, 4, 0])
    # signed 1+2+3 bits, unsigned 3.1, signed -1+4 (frac 4), zero width
    c = e.container()
    assert (c.frac, c.signed) == (4, True)
    assert c.integer == 4  # the unsigned element's 3 integer bits plus a sign
    assert e.zero_width == 1
    assert e.total_bits == 6 + 4 + 4 + 0
    for j in range(4):
        t = e.type_at(j)
        if t is None:
            continue
        assert c.min_value <= t.min_value and t.max_value <= c.max_value
        assert c.frac >= t.frac


def test_cast_is_elementwise_ap_fixed_and_zero_width_is_zero():
    e = _elements([1, 0, 1, 0], [2, 3, -1, 0], [3, 1, 4, 0])
    src = FixedType(16, 8)
    x = np.arange(-(2**15), 2**15, 97, dtype=np.int64)
    batch = np.stack([x, x[::-1], x, x[::-1]], axis=1)
    got = e.cast(batch, src)
    c = e.container()
    for j in range(4):
        t = e.type_at(j)
        if t is None:
            assert (got[:, j] == 0).all()
            continue
        want = cast(batch[:, j], src, t) << (c.frac - t.frac)
        assert np.array_equal(got[:, j], want)


def test_uniform_and_degenerate_cases():
    same = _elements(np.ones(3, int), np.full(3, 2), np.full(3, 3))
    assert same.uniform() == FixedType(6, 3, True, "RND", "SAT")
    assert same.container() == same.uniform()
    zero = _elements(np.zeros(2, int), np.zeros(2, int), np.zeros(2, int))
    assert zero.uniform() is None and zero.zero_width == 2
    assert zero.cast(np.array([[5, -5]]), FixedType(4, 4)).tolist() == [[0, 0]]


def test_executor_and_ranges_agree_with_the_element_types():
    e = _elements([1, 1, 0, 1], [1, 3, 2, 0], [2, 0, 1, -1])  # last one has 0 bits
    g = check_legal(_graph(e))
    rng = np.random.default_rng(1)
    x = rng.integers(IN_TYPE.min_int, IN_TYPE.max_int + 1, (5000, 4))
    out = run_int(g, x, keep_all=True)
    c = g.tensor("q").type
    d_type = g.tensor("d").type
    for j in range(4):
        t = e.type_at(j)
        want = 0 if t is None else cast(out["d"][:, j], d_type, t) << (c.frac - t.frac)
        assert np.array_equal(out["q"][:, j], np.broadcast_to(want, (5000,)))
    r = output_ranges(g)["q"]
    assert r.frac == c.frac
    assert (out["q"].min(axis=0) >= r.lo.astype(np.int64)).all()
    assert (out["q"].max(axis=0) <= r.hi.astype(np.int64)).all()
    assert r.lo[3] == r.hi[3] == 0


def test_narrow_elements_narrow_the_next_accumulator():
    """Precision inference reads per-element ranges: a 0-bit element adds nothing."""
    n = 4
    wide = _elements(np.ones(n, int), np.full(n, 3), np.full(n, 4))
    narrow = _elements(np.array([1, 0, 0, 0]), np.array([3, 0, 0, 0]), np.array([4, 0, 0, 0]))

    def next_accumulator(e: ElementTypes) -> FixedType:
        g = _graph(e, n)
        w = Const(np.full((n, 1), 3), FixedType(3, 3))
        d2 = Node("d2", "dense", ("q",), Tensor("d2", (1,), FixedType(32, 16)),
                  {"weight": w, "bias": Const(np.zeros(1, int), FixedType(1, 1))},
                  {"precision": "infer"})  # fmt: skip
        g2 = Graph("g", (*g.nodes, d2), ("d2",))
        return check_legal(infer_precision.run(g2)).tensor("d2").type

    assert next_accumulator(narrow).width < next_accumulator(wide).width


def test_round_trip_and_text_form():
    e = _elements([1, 0, 1, 0], [2, 3, -1, 0], [3, 1, 4, 0])
    g = _graph(e)
    again = graph_from_dict(graph_to_dict(g))
    assert again == g
    assert again.tensor("q").elements == e
    assert dumps(again) == dumps(g)
    text = to_text(g)
    assert "per-element{3 types, 14 bits, 1/4 zero}" in text


def test_per_tensor_ir_json_has_no_elements_key():
    e = _elements(np.ones(4, int), np.full(4, 2), np.full(4, 2))
    g = _graph(e)
    d = graph_to_dict(g)
    assert "elements" not in d["nodes"][1]["output"]
    assert "elements" in d["nodes"][2]["output"]


def test_legality_keeps_element_types_on_model_requantize_nodes():
    e = _elements(np.ones(4, int), np.full(4, 2), np.full(4, 2))
    g = _graph(e)
    dense = g.node("d")
    bad = dense.with_element_types(e)
    with pytest.raises(IRError, match="only requantize"):
        check_legal(g.replace_nodes([g.nodes[0], bad, g.nodes[2]]))
    q = g.node("q")
    inferred = Node(q.name, q.op, q.inputs, q.output, attrs={"precision": "inferred"})
    with pytest.raises(IRError, match="must come from the model"):
        check_legal(g.replace_nodes([*g.nodes[:2], inferred]))


def test_tensor_type_must_be_the_container():
    e = _elements(np.ones(2, int), np.full(2, 2), np.full(2, 2))
    with pytest.raises(ValueError, match="not the container"):
        Tensor("t", (2,), FixedType(8, 4), e)
    with pytest.raises(ValueError, match="shape"):
        Tensor("t", (3,), e.container(), e)


@settings(max_examples=60, deadline=None)
@given(
    k=st.lists(st.integers(0, 1), min_size=3, max_size=3),
    i=st.lists(st.integers(-3, 5), min_size=3, max_size=3),
    f=st.lists(st.integers(-2, 6), min_size=3, max_size=3),
    rounding=st.sampled_from(["TRN", "RND", "RND_CONV"]),
    overflow=st.sampled_from(["WRAP", "SAT"]),
    seed=st.integers(0, 2**16),
)
def test_any_element_types_cast_within_their_range(k, i, f, rounding, overflow, seed):
    e = ElementTypes.from_kif(k, i, f, rounding, overflow)
    src = FixedType(20, 10)
    x = np.random.default_rng(seed).integers(src.min_int, src.max_int + 1, (200, 3))
    got = e.cast(x, src)
    c = e.container()
    assert got.min() >= c.min_int and got.max() <= c.max_int
    for j in range(3):
        t = e.type_at(j)
        want = np.zeros(200, np.int64) if t is None else cast(x[:, j], src, t) << (c.frac - t.frac)
        assert np.array_equal(got[:, j], want)


@settings(max_examples=150, deadline=None)
@given(
    k=st.lists(st.integers(0, 1), min_size=4, max_size=4),
    i=st.lists(st.integers(-2, 4), min_size=4, max_size=4),
    f=st.lists(st.integers(-1, 5), min_size=4, max_size=4),
    rounding=st.sampled_from(ROUNDING_MODES),
    overflow=st.sampled_from(OVERFLOW_MODES),
    bounds=st.lists(st.integers(-5000, 5000), min_size=8, max_size=8),
)
def test_ranges_hold_every_cast_value(k, i, f, rounding, overflow, bounds):
    """The interval of a per-element cast holds the cast of every value of the source
    interval, in every mode (SAT_ZERO of an interval wider than the type keeps the values
    inside the type: the fuzzer found it collapsed to [0, 0])."""
    e = ElementTypes.from_kif(k, i, f, rounding, overflow)
    lo = np.array([min(a, b) for a, b in zip(bounds[:4], bounds[4:], strict=True)], dtype=object)
    hi = np.array([max(a, b) for a, b in zip(bounds[:4], bounds[4:], strict=True)], dtype=object)
    tensor = Tensor("t", (4,), e.container(), e)
    r = cast_interval_to_tensor(Interval(lo, hi, 4), tensor)
    src = FixedType(20, 16)
    points = np.stack(
        [np.linspace(int(a), int(b), 41).round() for a, b in zip(lo, hi, strict=True)], 1
    )
    got = e.cast(points.astype(np.int64), src)
    assert (got >= r.lo.astype(np.int64)).all() and (got <= r.hi.astype(np.int64)).all()
