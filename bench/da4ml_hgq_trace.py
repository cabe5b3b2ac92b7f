"""da4ml's own path for an HGQ2 model (runs in the hgq2 environment; vs_da4ml_hgq.py starts it).

    python bench/da4ml_hgq_trace.py MODEL.keras OUTDIR --cycles N --x X.npy --y Y.npy

``da4ml.converter.trace_model`` traces the HGQ2 model itself (its quantizers, per element),
``comb_trace`` solves it, the latency cutoff is searched for ``N`` pipeline stages, and
``RTLModel`` writes the Verilog into OUTDIR.  The solution's outputs on ``X.npy`` (its own
interpreter) go to ``Y.npy``; ``OUTDIR/da4ml.json`` names the top module, files and stages.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--cycles", type=int, required=True)
    parser.add_argument("--x", type=Path, required=True)
    parser.add_argument("--y", type=Path, required=True)
    args = parser.parse_args()

    import hgq  # noqa: F401  (registers the HGQ2 layers)
    import keras
    from da4ml.codegen import RTLModel
    from da4ml.converter import trace_model
    from da4ml.trace import comb_trace, to_pipeline

    model = keras.models.load_model(args.model, compile=False)
    start = time.perf_counter()
    inp, out = trace_model(model)
    comb = comb_trace(inp, out)
    np.save(args.y, np.asarray(comb.predict(np.load(args.x)), np.float64))
    total = float(max(comb.out_latency))
    best = None
    for cutoff in np.linspace(total / (args.cycles + 2), total, 200):
        stages = len(to_pipeline(comb, float(cutoff), verbose=False).solutions)
        if best is None or abs(stages - args.cycles) < abs(best[1] - args.cycles):
            best = (float(cutoff), stages)
        if stages == args.cycles:
            break
    assert best is not None
    cutoff, stages = best
    name = "da4ml_" + args.model.stem
    RTLModel(comb, name, args.outdir, latency_cutoff=cutoff, print_latency=False).write()
    src = args.outdir / "src"
    files = sorted(p for p in src.glob("*.v") if not p.stem.endswith("_wrapper"))
    text = "\n".join(f.read_text() for f in files)
    files += [f for f in sorted((src / "static").glob("*.v")) if f.stem in text]
    summary = {
        "top": name,
        "files": [str(f) for f in files],
        "stages": stages,
        "cutoff": cutoff,
        "seconds": time.perf_counter() - start,
    }
    (args.outdir / "da4ml.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
