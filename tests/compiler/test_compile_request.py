"""resolve(config, request): the compile options without argparse, every default written once."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigc.compiler.backends.options import DEFAULT_CLOCK_PERIOD_NS, DEFAULT_PART, BackendOptions
from trigc.compiler.compile_request import CompileRequest, resolve
from trigc.compiler.errors import TrigcError
from trigc.compiler.frontends.config.hls4ml_file import Hls4mlFile
from trigc.compiler.frontends.config.precision import LayerConfig, PrecisionConfig


def config(**fields) -> Hls4mlFile:
    return Hls4mlFile(Path("cfg/hls4ml.yml"), fields.pop("precision", PrecisionConfig()), **fields)


def test_the_defaults_are_the_backend_options_defaults():
    r = resolve(None, CompileRequest(model=Path("models/my-net.keras"), output=Path("out")))
    b = r.options.backend
    assert (b.part, b.clock_period_ns) == (DEFAULT_PART, DEFAULT_CLOCK_PERIOD_NS)
    assert (b.hls_flavor, b.io_type, b.strategy, b.reuse_factor) == (
        BackendOptions().hls_flavor,
        "io_parallel",
        "Latency",
        1,
    )
    assert b.project_name == "my_net" and (r.model, r.output) == (
        Path("models/my-net.keras"),
        Path("out"),
    )
    assert r.options.backends == ("hls",) and r.warnings == () and r.options.precision is None


def test_the_configuration_fills_what_the_request_leaves_and_the_request_wins():
    cfg = config(
        model=Path("m.h5"),
        weights=Path("w.h5"),
        output_dir=Path("prj"),
        project_name="tagger",
        part="xcvu13p-flga2577-2-e",
        clock_period_ns=2.5,
        hls_flavor="Vivado",
        io_type="io_stream",
        precision=PrecisionConfig(reuse_factor=4, strategy="Resource"),
    )
    r = resolve(cfg, CompileRequest())
    b = r.options.backend
    assert (r.model, r.weights, r.output) == (Path("m.h5"), Path("w.h5"), Path("prj"))
    assert (b.project_name, b.part, b.clock_period_ns) == ("tagger", "xcvu13p-flga2577-2-e", 2.5)
    assert (b.hls_flavor, b.io_type, b.reuse_factor, b.strategy) == (
        "Vivado",
        "io_stream",
        4,
        "Resource",
    )
    asked = CompileRequest(
        model=Path("n.keras"), output=Path("o"), part="xcvu9p-flga2104-2L-e", clock_period_ns=4.0
    )
    r = resolve(cfg, asked)
    assert (r.model, r.weights, r.output) == (Path("n.keras"), None, Path("o"))
    assert (r.options.backend.part, r.options.backend.clock_period_ns) == (DEFAULT_PART, 4.0)


def test_per_layer_settings_and_the_rtl_warning():
    precision = PrecisionConfig(layers={"fc1": LayerConfig(reuse_factor=2)})
    request = CompileRequest(model=Path("m.keras"), output=Path("o"), backends=("rtl",))
    r = resolve(config(precision=precision), request)
    assert [(n, s.reuse_factor) for n, s in r.options.backend.layers] == [("fc1", 2)]
    assert any("rtl backend is fully parallel" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("cfg", "request_", "message"),
    [
        (None, CompileRequest(output=Path("o")), "no model"),
        (None, CompileRequest(model=Path("m.keras")), "no project directory"),
        (config(part="vu9p"), CompileRequest(model=Path("m"), output=Path("o")), "Part 'vu9p'"),
    ],
)
def test_what_cannot_be_resolved_is_refused_by_name(cfg, request_, message):
    with pytest.raises(TrigcError, match=message):
        resolve(cfg, request_)
