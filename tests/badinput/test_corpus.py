"""Every row of the bad-input corpus through the CLI: exit 2, one paragraph that names the
culprit, no traceback, no warning, nothing written."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

from trigc.compiler.cli import EXIT_USAGE, main

from .corpus import CORPUS, Bad, Workspace

pytestmark = pytest.mark.slow  # loads Keras models


@pytest.fixture(scope="module")
def compiled(tiny_model_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compiled") / "p"
    assert main(["compile", str(tiny_model_file), "-o", str(out)]) == 0
    return out


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def _run(argv: list) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


@pytest.mark.parametrize("bad", CORPUS, ids=[b.id for b in CORPUS])
def test_bad_input_is_refused_cleanly(bad: Bad, tmp_path, tiny_model_file, compiled, capsys):
    model = shutil.copyfile(tiny_model_file, tmp_path / "tiny.keras")
    project = shutil.copytree(compiled, tmp_path / "project")
    ws = Workspace(tmp_path, model, project)
    argv = bad.argv(ws)
    before = _snapshot(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        code = _run(argv)
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == EXIT_USAGE, (code, captured.out[-2000:], err[-2000:])
    assert "Traceback" not in captured.err + captured.out
    assert err and "\n\n" not in err, err  # one paragraph
    for needle in bad.says:
        assert needle in err, (needle, err)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [
        str(w.message) for w in caught
    ]
    assert _snapshot(tmp_path) == before, "something was written"


def test_ctrl_c_during_compile_leaves_nothing(tmp_path, tiny_model_file, monkeypatch, capsys):
    """Ctrl-C while a backend writes: exit 130, no project and no temporary directory."""
    from trigc.compiler.backends import hls

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(hls, "emit_project", interrupted)
    code = _run(["compile", tiny_model_file, "-o", tmp_path / "deep" / "out"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # not even the parent it created


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_output_directory(tmp_path, tiny_model_file, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code = _run(["compile", tiny_model_file, "-o", locked / "out"])
    assert code == EXIT_USAGE and "cannot write into" in capsys.readouterr().err
    assert list(locked.iterdir()) == []
