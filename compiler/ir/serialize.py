"""Stable JSON serialization of the IR (``ir.json``); its text form is :mod:`.text`.

The JSON is deterministic (sorted keys, integers for every constant) so that the same graph
always gives byte-identical files; :func:`graph_from_dict` is its exact inverse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ProjectError, TrigcError, read_project_json
from .element_types import ElementTypes
from .fixed import FixedType
from .graph import Const, Graph, Node, Tensor

FORMAT_VERSION = 1


def type_to_dict(t: FixedType) -> dict[str, Any]:
    return {
        "width": t.width,
        "integer": t.integer,
        "signed": t.signed,
        "rounding": t.rounding,
        "overflow": t.overflow,
    }


def type_from_dict(d: dict[str, Any]) -> FixedType:
    return FixedType(d["width"], d["integer"], d["signed"], d["rounding"], d["overflow"])


def _const_to_dict(c: Const) -> dict[str, Any]:
    return {
        "type": type_to_dict(c.type),
        "shape": list(c.values.shape),
        "values": [int(v) for v in c.values.reshape(-1)],
    }


def _const_from_dict(d: dict[str, Any]) -> Const:
    t = type_from_dict(d["type"])
    values = np.array(d["values"], dtype=object if t.width > 62 else np.int64)
    return Const(values.reshape(d["shape"]), t)


def _tensor_to_dict(t: Tensor) -> dict[str, Any]:
    d = {"name": t.name, "shape": list(t.shape), "type": type_to_dict(t.type)}
    if t.elements is not None:  # absent for per-tensor types: older ir.json stay byte-identical
        d["elements"] = t.elements.to_dict()
    return d


def _tensor_from_dict(d: dict[str, Any]) -> Tensor:
    elements = ElementTypes.from_dict(d["elements"]) if "elements" in d else None
    return Tensor(d["name"], tuple(d["shape"]), type_from_dict(d["type"]), elements)


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """A JSON-able dict of the graph."""
    nodes = []
    for n in graph.nodes:
        nodes.append(
            {
                "name": n.name,
                "op": n.op,
                "inputs": list(n.inputs),
                "output": _tensor_to_dict(n.output),
                "consts": {k: _const_to_dict(v) for k, v in sorted(n.consts.items())},
                "attrs": n.recorded_attrs(),
                "origin": n.origin,
            }
        )
    return {
        "format": "trigc-ir",
        "version": FORMAT_VERSION,
        "name": graph.name,
        "nodes": nodes,
        "outputs": list(graph.outputs),
    }


def graph_from_dict(d: dict[str, Any]) -> Graph:
    """Inverse of :func:`graph_to_dict`."""
    if d.get("format") != "trigc-ir" or d.get("version") != FORMAT_VERSION:
        raise ProjectError(
            f"not a trigc IR (version {FORMAT_VERSION}) document: "
            f"format={d.get('format')!r} version={d.get('version')!r}"
        )
    nodes = []
    for n in d["nodes"]:
        nodes.append(
            Node(
                name=n["name"],
                op=n["op"],
                inputs=tuple(n["inputs"]),
                output=_tensor_from_dict(n["output"]),
                consts={k: _const_from_dict(v) for k, v in n["consts"].items()},
                attrs=n["attrs"],
                origin=n["origin"],
            )
        )
    return Graph(d["name"], tuple(nodes), tuple(d["outputs"]))


def dumps(graph: Graph) -> str:
    """Deterministic JSON text."""
    return json.dumps(graph_to_dict(graph), sort_keys=True, indent=1) + "\n"


def save_graph(graph: Graph, path: Path) -> None:
    """Write ``ir.json``."""
    Path(path).write_text(dumps(graph))


def load_graph(path: Path) -> Graph:
    """Read an ``ir.json`` written by :func:`save_graph`."""
    path = Path(path)
    data = read_project_json(path, f"{path}: file not found")
    hint = "compile the project again with trigc compile"
    try:
        return graph_from_dict(data)
    except TrigcError as exc:
        raise ProjectError(f"{path}: {exc}; {hint}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ProjectError(
            f"{path}: malformed trigc IR (missing or bad field {exc}); {hint}"
        ) from None
