"""The CLI on bad input: one clear paragraph, exit 2, no traceback, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigc.compiler.cli import EXIT_USAGE, main

pytestmark = pytest.mark.slow  # loads Keras models


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_missing_model_file(tmp_path, capsys):
    code, err = _run(["compile", tmp_path / "nope.keras", "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "nope.keras: no such file" in err
    assert not (tmp_path / "out").exists()


def test_not_a_model(tmp_path, capsys):
    bogus = tmp_path / "notes.keras"
    bogus.write_text("these are my notes, not a model")
    code, err = _run(["compile", bogus, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "could not be read as a Keras 3 model" in err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_unsupported_layer(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.LayerNormalization(name="norm")])
    model.save(tmp_path / "ln.keras")
    code, err = _run(["compile", tmp_path / "ln.keras", "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "'norm' (LayerNormalization) is not supported" in err and "QDense" in err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_inexact_quantizer(tmp_path, capsys):
    import keras
    from qkeras import QDense, quantized_bits

    model = keras.Sequential(
        [
            keras.Input((4,)),
            QDense(
                2,
                kernel_quantizer=quantized_bits(4, 0, alpha="auto"),
                bias_quantizer=quantized_bits(4, 0, alpha=1),
                name="auto_dense",
            ),
        ]
    )
    model.save(tmp_path / "auto.keras")
    code, err = _run(["compile", tmp_path / "auto.keras", "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "'auto_dense'" in err and "--allow-inexact" in err
    assert not (tmp_path / "out").exists()


def test_existing_non_project_directory(tmp_path, tiny_model_file, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    code, err = _run(["compile", tiny_model_file, "-o", out], capsys)
    assert code == EXIT_USAGE
    assert "not a trigc project" in err
    assert (out / "thesis.tex").read_text() == "precious"
    code, err = _run(["compile", tiny_model_file, "-o", out, "--force"], capsys)
    assert code == EXIT_USAGE and "not even with --force" in err
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_working_directory_and_the_models_folder_are_never_replaced(
    tmp_path, tiny_model_file, capsys, monkeypatch
):
    here = tmp_path / "here"
    here.mkdir()
    (here / "notes.txt").write_text("mine")
    monkeypatch.chdir(here)
    for flags in ([], ["--force"]):
        code, err = _run(["compile", tiny_model_file, "-o", ".", *flags], capsys)
        assert code == EXIT_USAGE and "working directory" in err
    assert [p.name for p in here.iterdir()] == ["notes.txt"]
    folder = Path(tiny_model_file).parent
    before = sorted(p.name for p in folder.iterdir())
    code, err = _run(["compile", tiny_model_file, "-o", folder, "--force"], capsys)
    assert code == EXIT_USAGE and "holds the model file" in err
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_project_is_replaced_and_a_damaged_one_only_with_force(tmp_path, tiny_model_file, capsys):
    out = tmp_path / "p"
    assert _run(["compile", tiny_model_file, "-o", out], capsys)[0] == 0
    assert _run(["compile", tiny_model_file, "-o", out], capsys)[0] == 0  # a project: replaced
    (out / "manifest.json").write_text("{")
    code, err = _run(["compile", tiny_model_file, "-o", out], capsys)
    assert code == EXIT_USAGE and "damaged project" in err
    assert _run(["compile", tiny_model_file, "-o", out, "--force"], capsys)[0] == 0
    assert (out / "ir.json").is_file()


def test_bad_input_type_and_backend(tmp_path, tiny_model_file, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compile", str(tiny_model_file), "-o", str(tmp_path / "o"), "--input-type", "flt"])
    assert exc.value.code == 2
    assert "cannot read fixed-point type" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["compile", str(tiny_model_file), "-o", str(tmp_path / "o"), "--backend", "gpu"])
    assert "unknown backend 'gpu'" in capsys.readouterr().err


def test_verify_on_a_non_project(tmp_path, capsys):
    code, err = _run(["verify", tmp_path], capsys)
    assert code == EXIT_USAGE
    assert "not a trigc project" in err
