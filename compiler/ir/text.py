"""The IR's text form: :func:`to_text` prints a graph, :func:`from_text` reads it back.

One line per node::

    graph tiny
      %x = input(precision='model') : fixed<4,2> [2]
      %fc = dense(%x, bias=fixed<3,1>[2]{1, -2}, weight=fixed<3,1>[2x2]{3, -1, 0, 2}) : ...
      return %fc

(``...`` standing for the output type and shape, ``fixed<8,4> [2]``; a long line may go on
on the next lines).

Inputs first (``%name``), then constants (``type[shape]`` and their mantissas in row-major
order between braces), then attributes (Python literals, sorted by name, ``precision`` among
them), then the output type and shape.  ``--dump-ir`` and the pipeline's dumps print constants
as a summary (``type[shape] nnz=k/n``) and per-element types as one (``per-element{...}``):
readable, but not read back; ``to_text(graph, values=True)`` prints what :func:`from_text`
needs.  Pass and backend tests write their graphs in this form.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import numpy as np

from ..errors import IRError
from .fixed import FixedType, FixedTypeError
from .graph import Const, Graph, Node, Tensor

_NODE = re.compile(
    r"^\s*%(?P<out>[^\s=(),%]+)\s*=\s*(?P<op>\w+)\((?P<args>.*)\)\s*:\s*(?P<type>\S+)"
    r"(?P<elements> per-element\{[^}]*\})?\s*\[(?P<shape>[\dx]*)\]\s*$"
)
_CONST = re.compile(
    r"^(?P<type>u?fixed<[^>]*>)\[(?P<shape>[\dx]*)\]"
    r"(?:\{(?P<values>[^}]*)\}|(?P<summary> nnz=\d+/\d+))$"
)
_OPEN, _CLOSE = "([{<", ")]}>"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _literal(value: Any) -> str:
    """A Python literal; tuples print as lists, as JSON holds them."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _const_text(name: str, c: Const, values: bool) -> str:
    head = f"{name}={c.type}[{_shape_text(c.values.shape)}]"
    if values:
        return head + "{" + ", ".join(str(int(v)) for v in c.values.reshape(-1)) + "}"
    nonzero = int(np.count_nonzero(c.values))
    return f"{head} nnz={nonzero}/{c.values.size}"


def to_text(graph: Graph, values: bool = False) -> str:
    """A stable, readable listing, one line per node, for golden tests and ``--dump-ir``;
    ``values=True`` prints every constant's mantissas, so that :func:`from_text` reads it."""
    lines = [f"graph {graph.name}"]
    for n in graph.nodes:
        args = [f"%{i}" for i in n.inputs]
        args += [_const_text(k, v, values) for k, v in sorted(n.consts.items())]
        args += [f"{k}={_literal(v)}" for k, v in n.recorded_attrs().items()]
        typ = str(n.output.type)
        if n.output.elements is not None:
            typ += " " + n.output.elements.summary()
        shape = _shape_text(n.output.shape)
        lines.append(f"  %{n.output.name} = {n.op}({', '.join(args)}) : {typ} [{shape}]")
    lines.append(f"  return {', '.join('%' + o for o in graph.outputs)}")
    return "\n".join(lines) + "\n"


def _split_args(text: str, where: str) -> list[str]:
    """Split at the commas outside brackets, braces, angle brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for k, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:k].strip())
            start = k + 1
    if depth or quote:
        raise IRError(f"{where}: unbalanced brackets or quotes in {text!r}")
    last = text[start:].strip()
    return [*parts, last] if last else parts


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(d) for d in text.split("x")) if text else ()


def _type(text: str, where: str) -> FixedType:
    try:
        return FixedType.parse(text)
    except FixedTypeError as exc:
        raise IRError(f"{where}: {exc}") from None


def _const(name: str, text: str, where: str) -> Const | None:
    m = _CONST.match(text)
    if m is None:
        return None
    if m["summary"]:
        raise IRError(
            f"{where}: constant {name!r} is given as a summary ({text!r}); write its "
            "mantissas, type[shape]{v0, v1, ...}, as to_text(graph, values=True) prints it"
        )
    t, shape = _type(m["type"], where), _shape(m["shape"])
    items = [v for v in m["values"].split(",") if v.strip()]
    try:
        mantissas = [int(v) for v in items]
    except ValueError:
        raise IRError(f"{where}: constant {name!r} holds a value that is no integer") from None
    if len(mantissas) != int(np.prod(shape, dtype=np.int64)):
        raise IRError(
            f"{where}: constant {name!r} of shape {list(shape)} holds {len(mantissas)} values"
        )
    dtype = object if t.width > 62 else np.int64
    return Const(np.array(mantissas, dtype=dtype).reshape(shape), t)


def _node(line: str, where: str) -> Node:
    m = _NODE.match(line)
    if m is None:
        raise IRError(f"{where}: expected '%out = op(args) : type [shape]', got {line.strip()!r}")
    if m["elements"]:
        raise IRError(
            f"{where}: per-element types are printed as a summary and cannot be read back; "
            "build such graphs in Python or read their ir.json"
        )
    inputs, consts, attrs = [], {}, {}
    for arg in _split_args(m["args"], where):
        if arg.startswith("%"):
            inputs.append(arg[1:])
            continue
        key, eq, value = arg.partition("=")
        if not eq:
            raise IRError(f"{where}: argument {arg!r} is neither %input nor name=value")
        const = _const(key.strip(), value.strip(), where)
        if const is not None:
            consts[key.strip()] = const
            continue
        try:
            attrs[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise IRError(f"{where}: attribute {arg!r} is not a Python literal") from None
    out = m["out"]
    tensor = Tensor(out, _shape(m["shape"]), _type(m["type"], where))
    return Node(out, m["op"], tuple(inputs), tensor, consts, attrs)


def from_text(text: str) -> Graph:
    """The graph a :func:`to_text` listing (with ``values=True``) describes; node names are
    their output tensors' names and origins are empty.  A line that starts with neither
    ``%``, ``graph`` nor ``return`` continues the line before it."""
    lines: list[tuple[int, str]] = []
    for k, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if not stripped:
            continue
        if lines and not stripped.startswith(("%", "graph ", "return")):
            lines[-1] = (lines[-1][0], f"{lines[-1][1]} {stripped}")  # a continued line
        else:
            lines.append((k + 1, stripped))
    if not lines or not lines[0][1].startswith("graph "):
        raise IRError("IR text line 1: expected 'graph NAME'")
    name = lines[0][1][len("graph ") :].strip()
    nodes, outputs = [], None
    for number, line in lines[1:]:
        where = f"IR text line {number}"
        if outputs is not None:
            raise IRError(f"{where}: nothing may follow 'return'")
        if line.startswith("return"):
            names = line[len("return") :].split(",")
            outputs = tuple(n.strip().lstrip("%") for n in names if n.strip())
            continue
        nodes.append(_node(line, where))
    if outputs is None:
        raise IRError("IR text: no 'return' line naming the outputs")
    return Graph(name, tuple(nodes), outputs)
