"""What a re-run takes from the cache: the lowered model and the Keras reference's outputs."""

from __future__ import annotations

import pytest

from trigc.compiler.caches import CACHE_ENV, content_key
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.progress import Progress
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project
from trigc.compiler.verify.references import keras as keras_references

pytestmark = pytest.mark.slow  # Keras


def _details(progress: Progress) -> dict[str, str]:
    return {p.name: p.detail for p in progress.phases}


def test_content_key_covers_the_bytes_and_every_part(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"model")
    b.write_bytes(b"model!")
    assert content_key([a], "x") == content_key([a], "x")
    assert content_key([a], "x") != content_key([b], "x")
    assert content_key([a], "x") != content_key([a], "y")
    assert content_key([a], "x", "y") != content_key([a], "xy")


def test_recompile_takes_the_lowered_model_from_the_cache(tiny_model_file, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first, second, other = Progress(), Progress(), Progress()
    compile_project(tiny_model_file, tmp_path / "p1", progress=first)
    compile_project(tiny_model_file, tmp_path / "p2", progress=second)
    assert "load (Keras)" in _details(first) and "load + lower" not in _details(first)
    assert _details(second)["load + lower"] == "cached" and "load (Keras)" not in _details(second)
    assert (tmp_path / "p1/ir.json").read_bytes() == (tmp_path / "p2/ir.json").read_bytes()
    options = CompileOptions(input_type=FixedType.parse("fixed<12,4>"))  # other options: a miss
    compile_project(tiny_model_file, tmp_path / "p3", options, progress=other)
    assert "load (Keras)" in _details(other)


def test_reverify_takes_the_keras_outputs_from_the_cache(tiny_model_file, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    project = compile_project(tiny_model_file, tmp_path / "p")
    first = verify_project(project.path, vectors=500, representations=("keras",))

    def no_tensorflow(project):
        raise AssertionError("the Keras model was loaded although its outputs are cached")

    monkeypatch.setattr(keras_references, "keras_reference", no_tensorflow)
    progress = Progress()
    second = verify_project(
        project.path, vectors=500, representations=("keras",), progress=progress
    )
    assert _details(progress)["run keras"] == "cached" and "load keras" not in _details(progress)
    assert [(c.name, c.identical, c.total) for c in second.comparisons] == [
        (c.name, c.identical, c.total) for c in first.comparisons
    ]
    assert second.ok and second.comparisons[0].identical == 500
    with pytest.raises(AssertionError, match="was loaded"):  # other vectors: a miss
        verify_project(project.path, vectors=400, representations=("keras",))
