"""Jet generation: a smoke run of the CLI (a few jets per class, seconds) and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.models.data.classes import CLASS_NAMES
from trigc.models.data.features import FEATURE_NAMES

pytest.importorskip("pythia8mc")
pytest.importorskip("fastjet")


def test_cli_smoke_run(tmp_path, capsys):
    from trigc.models.data.generate import load_dataset, main

    out = tmp_path / "jets.npz"
    args = ["--jets-per-class", "1", "--test-jets-per-class", "1", "--seed", "5"]
    assert main([*args, "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    assert "5 train + 5 test jets" in capsys.readouterr().out
    data = load_dataset(out)
    for split in ("train", "test"):
        x, y = data[f"x_{split}"], data[f"y_{split}"]
        assert x.shape == (5, 16) and x.dtype == np.float32
        assert y.tolist() == [0, 1, 2, 3, 4]
        assert np.all(np.isfinite(x))
        assert np.all(x[:, FEATURE_NAMES.index("multiplicity")] >= 2)
    assert tuple(data["feature_names"]) == FEATURE_NAMES
    assert tuple(data["class_names"]) == CLASS_NAMES
    assert data["metadata"]["seed"] == 5
    assert data["metadata"]["versions"]["pythia8mc"]


def test_a_chunk_depends_only_on_its_seed():
    from trigc.models.data.generate import GenerationConfig, Task, chunk_seed, run_task

    seed = chunk_seed(5, 0, 2, 0)
    assert seed == chunk_seed(5, 0, 2, 0) != chunk_seed(5, 1, 2, 0)
    task = Task(split=0, label=2, chunk=0, n_jets=2, seed=seed)
    _, first, _ = run_task(task, GenerationConfig())
    _, again, _ = run_task(task, GenerationConfig(events_per_batch=1))
    assert np.array_equal(first, again)


def test_tasks_interleave_splits_and_classes():
    from trigc.models.data.generate import GenerationConfig, make_tasks

    tasks = make_tasks((1000, 200), seed=1, config=GenerationConfig(chunk_size=500))
    assert len(tasks) == (2 + 1) * 5
    assert sum(t.n_jets for t in tasks) == 1200 * 5
    assert [(t.split, t.chunk) for t in tasks[:10]] == [(0, 0)] * 5 + [(0, 1)] * 5
    assert len({t.seed for t in tasks}) == len(tasks)
