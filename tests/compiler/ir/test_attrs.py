"""Typed attributes: each op's are a small dataclass, checked once when the node is made."""

from __future__ import annotations

import pytest

from trigc.compiler.errors import IRError
from trigc.compiler.ir.attrs import NoAttrs, WindowAttrs
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import PRECISION_MODEL, Node, Tensor

T = FixedType(8, 3)


def node(op: str, **attrs) -> Node:
    return Node("n", op, ("x",), Tensor("n", (2, 2), T), attrs=attrs)


def test_a_node_holds_its_ops_attribute_class():
    conv = node("max_pool", in_shape=[4, 4, 2], kernel=[2, 2], strides=[2, 2], pads=[[0, 0]] * 2)
    assert isinstance(conv.attrs, WindowAttrs)
    assert conv.attrs.kernel == [2, 2] and conv.attrs["strides"] == [2, 2]
    assert isinstance(node("relu").attrs, NoAttrs) and dict(node("relu").attrs) == {}


def test_unknown_attribute_is_refused_with_the_valid_ones():
    with pytest.raises(IRError, match=r"node 'n' \(max_pool\): unknown attribute\(s\) kernal; "):
        node("max_pool", kernal=[2, 2])
    with pytest.raises(IRError, match="valid: in_shape, kernel, strides, pads"):
        node("max_pool", kernal=[2, 2])
    with pytest.raises(IRError, match=r"\(relu\): unknown attribute\(s\) axis; valid: none"):
        node("relu", axis=1)


@pytest.mark.parametrize(
    ("op", "attrs", "what"),
    [
        ("concatenate", {"axis": "1"}, "an integer"),
        ("concatenate", {"axis": True}, "an integer"),
        ("max_pool", {"kernel": [2.0, 2]}, "a list of integers"),
        ("max_pool", {"pads": [[0, 0, 0]]}, r"a list of \[before, after\] integer pairs"),
        ("function", {"function": 3}, "a string"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(op, attrs, what):
    with pytest.raises(IRError, match=what):
        node(op, **attrs)


def test_unset_fields_are_not_part_of_the_mapping():
    r = node("rearrange", kind="transpose", perm=[1, 0], in_shape=[2, 2])
    assert dict(r.attrs) == {"kind": "transpose", "in_shape": [2, 2], "perm": [1, 0]}
    assert "pads" not in r.attrs and r.attrs.get("pads") is None and r.attrs.pads is None


def test_precision_is_a_field_and_ir_json_keeps_it_among_the_attributes():
    a = node("relu", precision=PRECISION_MODEL)
    b = Node("n", "relu", ("x",), Tensor("n", (2, 2), T), precision=PRECISION_MODEL)
    assert a.precision == b.precision == "model" and "precision" not in a.attrs
    assert a.recorded_attrs() == b.recorded_attrs() == {"precision": "model"}
    with pytest.raises(IRError, match="precision 'modle'"):
        node("relu", precision="modle")
