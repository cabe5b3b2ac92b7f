"""Shared fixtures: small IR graphs built by hand and small QKeras models saved to disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from trigc.compiler.ir.fixed import FixedType  # noqa: E402
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor  # noqa: E402


def random_dense_graph(
    sizes=(8, 6, 3),
    seed=0,
    in_type=FixedType(10, 4),
    sparsity=0.3,
    act_type=FixedType(6, 0, False, "RND_CONV", "SAT"),
) -> Graph:
    """input → (dense → relu[act_type])* → dense, with random 6-bit weights, some pruned;
    dense output types left to precision inference."""
    rng = np.random.default_rng(seed)
    w_type = FixedType(6, 1)
    nodes = [
        Node("x", "input", (), Tensor("x", (sizes[0],), in_type), attrs={"precision": "model"})
    ]
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = rng.integers(-32, 32, size=(n_in, n_out))
        w[rng.random(w.shape) < sparsity] = 0
        b = rng.integers(-32, 32, size=n_out)
        prev = nodes[-1].output.name
        nodes.append(
            Node(
                f"fc{k}",
                "dense",
                (prev,),
                Tensor(f"fc{k}", (n_out,), FixedType(1, 1)),
                {"weight": Const(w, w_type), "bias": Const(b, w_type)},
                {"precision": "infer"},
                f"fc{k}",
            )
        )
        if k < len(sizes) - 2:
            nodes.append(
                Node(
                    f"relu{k}",
                    "relu",
                    (f"fc{k}",),
                    Tensor(f"relu{k}", (n_out,), act_type),
                    attrs={"precision": "model"},
                    origin=f"relu{k}",
                )
            )
    return Graph("random_net", tuple(nodes), (nodes[-1].output.name,))


def random_inputs(graph: Graph, n: int, seed: int = 1) -> np.ndarray:
    t = graph.inputs[0].output.type
    rng = np.random.default_rng(seed)
    return rng.integers(t.min_int, t.max_int + 1, size=(n, *graph.inputs[0].output.shape))


@pytest.fixture(scope="session")
def tiny_qkeras_model():
    """A 16-8-3 QKeras model with 6-bit weights and a 6-bit quantized ReLU."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((16,)),
            QDense(
                8,
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                name="fc1",
            ),
            QActivation(quantized_relu(6, 0), name="relu1"),
            QDense(
                3,
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                name="fc2",
            ),
        ],
        name="tiny",
    )


@pytest.fixture(scope="session")
def tiny_model_file(tiny_qkeras_model, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "tiny.keras"
    tiny_qkeras_model.save(path)
    return path
