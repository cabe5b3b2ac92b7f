"""What ``trigc verify`` prints when a representation differs from the IR: the first vector
that differs, then tensor by tensor (a traced simulation vs the IR) or layer by layer (Keras in
float64 vs the last IR node made from each layer) on that vector, down to the first that differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..ir.executor import run_int
from ..ir.graph import Graph
from ..vectors import events

if TYPE_CHECKING:
    from ..frontends.keras3.reference import KerasReference
    from ..project import Project


def trace_diagnosis(
    graph: Graph, name: str, traced: dict[str, np.ndarray], x_int: np.ndarray
) -> list[str]:
    """Tensor-by-tensor comparison of a traced simulation and the IR on one vector."""
    ir_values = run_int(graph, *_inputs(graph, x_int), keep_all=True)
    lines = [f"tensor-by-tensor ({name} vs IR) on that vector:"]
    for node in graph.nodes:
        if node.output.name not in traced:
            continue
        same = np.array_equal(
            np.asarray(traced[node.output.name]).reshape(-1),
            np.asarray(ir_values[node.output.name]).reshape(-1),
        )
        lines.append(
            f"  {node.name:<24} {str(node.output.type):<28} {'identical' if same else 'DIFFERS'}"
        )
        if not same:
            lines.append(f"  first tensor that differs: {node.name!r} (from layer {node.origin!r})")
            break
    return lines


def _inputs(graph: Graph, x_int: np.ndarray) -> list[np.ndarray]:
    """One event (a row, or the one input in its shape) as the executor's inputs."""
    return events.split(events.input_slots(graph), np.asarray(x_int)[None])


def first_mismatch_text(
    graph: Graph, name: str, i: int, outputs: np.ndarray, x: np.ndarray, reference: np.ndarray
) -> list[str]:
    """The inputs and both outputs of vector ``i``, where ``name``'s ``outputs`` first differ;
    with several outputs, each one, and which of them differ."""
    ins, outs = events.input_slots(graph), events.output_slots(graph)
    lines = [f"first vector where {name} differs from the IR: #{i}"]
    for slot, value in zip(ins, events.split(ins, np.asarray(x)[i : i + 1]), strict=True):
        label = "input" if len(ins) == 1 else f"input {slot.name!r}"
        lines.append(
            f"  {label} ({slot.type}): {slot.type.to_float(value[0]).reshape(-1).tolist()}"
        )
    ir = events.split(outs, np.asarray(reference)[i : i + 1])
    got = events.split(outs, np.asarray(outputs)[i : i + 1])
    for slot, want, have in zip(outs, ir, got, strict=True):
        label = "output" if len(outs) == 1 else f"output {slot.name!r}"
        same = (
            ""
            if len(outs) == 1
            else (" (identical)" if np.array_equal(want, have) else " (DIFFERS)")
        )
        lines.append(
            f"  IR {label} ({slot.type}): {slot.type.to_float(want[0]).reshape(-1).tolist()}"
        )
        lines.append(f"  {name} {label}{same}: {slot.type.to_float(have[0]).reshape(-1).tolist()}")
    return lines


def keras_diagnosis(project: Project, keras_ref: KerasReference, x_int: np.ndarray) -> list[str]:
    """Layer-by-layer comparison of Keras (float64) and the IR on one vector."""
    graph = project.graph
    ins = events.input_slots(graph)
    x_float = events.to_float(ins, np.asarray(x_int)[None]).reshape(1, *np.shape(x_int))
    keras_outs = keras_ref.layer_outputs(x_float)
    layers = [layer for layer in keras_ref.model64.layers if layer.name in keras_outs]
    ir_values = run_int(graph, *_inputs(graph, x_int), keep_all=True)
    lines = ["layer-by-layer (Keras layer vs the last IR node made from it):"]
    seen = set()
    for node in reversed(graph.nodes):
        for origin in node.origin.split(" + "):
            if origin in keras_outs and origin not in seen:
                seen.add(origin)
                ir = node.output.type.to_float(ir_values[node.output.name])
                diff = np.abs(ir - keras_outs[origin]).max()
                lines.append((origin, node.name, diff))
    rows = [r for r in lines[1:]]
    order = [layer.name for layer in layers]
    rows.sort(key=lambda r: order.index(r[0]))
    text = [lines[0]]
    first_bad = None
    for origin, node_name, diff in rows:
        status = "identical" if diff == 0 else f"differs (max |diff| {diff:.3g})"
        text.append(f"  {origin:<24} ir:{node_name:<24} {status}")
        if diff != 0 and first_bad is None:
            first_bad = origin
    if first_bad:
        text.append(f"  first layer that differs: {first_bad!r}")
    return text
