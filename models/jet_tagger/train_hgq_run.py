"""Train the HGQ2 jet tagger in the hgq2 environment, then check it through trigc's IR.

    python -m trigc.models.jet_tagger.train_hgq_run [--epochs 120] [--out models/jet_tagger]

1. :mod:`.train_hgq` runs in the hgq2 environment (:mod:`trigc.compiler.hgq_env`) and saves
   ``jet_tagger_hgq.keras``;
2. trigc reads the file (without hgq), and the test jets are put on its input grid (the first
   quantizer's container type, as the firmware receives them);
3. the saved model runs on those jets in the hgq2 environment, and trigc's IR on the same
   mantissas: the logits must be identical on every jet;
4. accuracy, AUC, bits and EBOPs-free figures go into ``results.json`` under
   ``jet_tagger_hgq``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from trigc.compiler import hgq_env
from trigc.compiler.frontends.hgq.predict import library_runner
from trigc.compiler.frontends.layers.records import cast_float
from trigc.compiler.frontends.load import read_model
from trigc.compiler.ir.executor import run_int
from trigc.compiler.pipeline import run_pipeline

from .metrics import accuracy, per_class_auc
from .saving import normalize_keras_file
from .train_hgq import NAME


def standardized_test_jets(data: Path) -> tuple[np.ndarray, np.ndarray]:
    """The test jets, standardized as the taggers were trained."""
    d = np.load(data)
    norm = json.loads((Path(__file__).parent / "standardization.json").read_text())
    names = [str(n) for n in d["feature_names"]]
    mean = np.array([norm[n]["mean"] for n in names])
    std = np.array([norm[n]["std"] for n in names])
    x = (d["x_test"] - mean) / np.where(std > 0, std, 1.0)
    return x.astype(np.float32).astype(np.float64), d["y_test"].astype(np.int64)


def evaluate(model: Path, data: Path) -> dict[str, object]:
    """The model's accuracy on the test jets through the library and through trigc's IR."""
    graph, _ = run_pipeline(read_model(model).graph)
    x, y = standardized_test_jets(data)
    (inp,), (out,) = graph.inputs, graph.outputs
    mantissas = cast_float(x, inp.output.type, "test jets")
    on_grid = inp.output.type.to_float(mantissas)
    ir = graph.tensor(out).type.to_float(run_int(graph, mantissas)[out])
    library = library_runner(model)(on_grid).reshape(ir.shape)
    elements = [n.output.elements for n in graph.nodes if n.output.elements is not None]
    return {
        "accuracy": accuracy(y, library),
        "auc": [round(a, 6) for a in per_class_auc(y, library)],
        "ir_identical_jets": int(np.sum(np.all(ir == library, axis=1))),
        "ir_accuracy": accuracy(y, ir),
        "activation_bits": int(sum(e.total_bits for e in elements)),
        "zero_bit_activations": int(sum(e.zero_width for e in elements)),
        "kernel_zero_fraction": float(
            np.mean(
                np.concatenate(
                    [
                        n.consts["weight"].values.reshape(-1) == 0
                        for n in graph.nodes
                        if n.op == "dense"
                    ]
                )
            )  # fmt: skip
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trigc.models.jet_tagger.train_hgq_run")
    parser.add_argument("--data", type=Path, default=Path("models/data/jets.npz"))
    parser.add_argument("--out", type=Path, default=Path("models/jet_tagger"))
    parser.add_argument("--epochs", type=int, default=120)
    parser.add_argument("--skip-training", action="store_true", help="evaluate the saved model")
    args = parser.parse_args(argv)
    if not args.skip_training:
        hgq_env.run_in(
            "hgq2",
            "trigc.models.jet_tagger.train_hgq",
            ["--data", str(args.data), "--out", str(args.out), "--epochs", str(args.epochs)],
            timeout=7200,
        )
        normalize_keras_file(args.out / f"{NAME}.keras")  # the same seed gives the same bytes
    result = evaluate(args.out / f"{NAME}.keras", args.data)
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    results[NAME] = result
    results_path.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
