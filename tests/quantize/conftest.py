"""Helpers for trigc.quantize tests: Keras ≡ IR, bit for bit."""

from __future__ import annotations

import numpy as np

from trigc.compiler.ir.executor import run_float


def assert_keras_equals_ir(model, n: int = 1000, seed: int = 0) -> None:
    """Lower ``model`` with trigc, run the IR and Keras on the same input-grid vectors
    (edge cases first), and require identical outputs (never a tolerance)."""
    from trigc.compiler.project import to_graph
    from trigc.compiler.vectors.stimuli import make_vectors

    graph = to_graph(model)
    x_int, _ = make_vectors(graph, n, seed)
    x = graph.inputs[0].output.type.to_float(x_int)
    ir = run_float(graph, x)[0]
    keras_out = np.asarray(model.predict(x.astype(np.float32), verbose=0), np.float64)
    assert np.array_equal(ir, keras_out), (
        f"{int(np.sum(np.any(ir != keras_out, axis=1)))} of {n} vectors differ"
    )
