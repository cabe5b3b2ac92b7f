"""The bad-input corpus: what a user may hand the CLI, and what the answer must name.

Each row builds its files in a scratch directory and gives the command line; the answer must be
exit status 2 with one paragraph on stderr containing every string of ``says`` (the file,
layer or flag, and what to do), no traceback, no warning, nothing written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import makers as mk


@dataclass(frozen=True)
class Workspace:
    """A scratch directory with a valid model and a compiled project of it."""

    tmp: Path
    model: Path
    project: Path

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    def file(self, name: str) -> Path:
        return self.tmp / name


@dataclass(frozen=True)
class Bad:
    id: str
    argv: Callable[[Workspace], list]
    says: tuple[str, ...]


def _compile(model: Callable[[Workspace], Path], *flags: object) -> Callable[[Workspace], list]:
    return lambda ws: ["compile", model(ws), "-o", ws.out, *flags]


def _flags(*flags: object) -> Callable[[Workspace], list]:
    """The valid model compiled with ``flags``."""
    return lambda ws: ["compile", ws.model, "-o", ws.out, *flags]


def _verify(*flags: object, edit: Callable[[Workspace], object] | None = None):
    def argv(ws: Workspace) -> list:
        if edit is not None:
            edit(ws)
        return ["verify", ws.project, "--only", "keras", *flags]

    return argv


def _inputs(values: object, name: str = "x.npy"):
    """``verify --inputs`` with ``values`` saved as .npy (bytes written as they are)."""

    def argv(ws: Workspace) -> list:
        path = ws.file(name)
        if isinstance(values, bytes):
            path.write_bytes(values)
        else:
            np.save(path, values)
        return ["verify", ws.project, "--only", "keras", "--inputs", path]

    return argv


def _keras(*layers: Callable[[], object], inputs=(4,), edit=None):
    return lambda ws: mk.keras_model(
        ws.file("m.keras"), [f() for f in layers], inputs=inputs, edit=edit
    )


def _k(cls: str, *args, **kw):
    """A Keras layer, built when the row runs."""

    def make():
        import keras

        return getattr(keras.layers, cls)(*args, **kw)

    return make


def _qdense(kernel: Callable[[], object], **kw):
    return lambda: mk.qdense(3, kernel(), **kw)


def _qrelu(bits: int, integer: int):
    def make():
        from qkeras import QActivation, quantized_relu

        return QActivation(quantized_relu(bits, integer), name="act")

    return make


def _q(bits: int, integer: int):
    return lambda: mk.q(bits, integer)


def _rm(*names: str):
    return lambda ws: [(ws.project / n).unlink() for n in names]


def _write(name: str, content: str):
    return lambda ws: (ws.project / name).write_text(content)


def _file(name: str, content: str | bytes = b""):
    def make(ws: Workspace) -> Path:
        path = ws.file(name)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    return make


def _truncated(name: str, make: Callable[[Workspace], Path]):
    return lambda ws: mk.truncated(make(ws), ws.file(name))


_LEGACY = lambda ws: mk.legacy_h5(ws.file("legacy.h5"))  # noqa: E731
_ONNX = lambda ws: mk.onnx_model(ws.file("good.onnx"))  # noqa: E731


def _legacy_json(weights_units: int = 3, with_weights: bool = True):
    def argv(ws: Workspace) -> list:
        arch, weights = mk.legacy_json(ws.tmp, weights_units=weights_units)
        extra = ["--weights", weights] if with_weights else []
        return ["compile", arch, "-o", ws.out, *extra]

    return argv


CORPUS: list[Bad] = [
    # -- model files: missing, empty, truncated, garbage, of every format --------------------
    Bad("keras-missing", _compile(lambda ws: ws.file("nope.keras")), ("nope.keras", "no such")),
    Bad("keras-empty", _compile(_file("e.keras")), ("e.keras",)),
    Bad("keras-garbage", _compile(_file("g.keras", "my notes")), ("g.keras",)),
    Bad(
        "keras-truncated",
        _compile(lambda ws: mk.truncated(ws.model, ws.file("t.keras"))),
        ("t.keras",),
    ),
    Bad(
        "keras-a-layer",
        _compile(lambda ws: mk.keras_layer_archive(ws.file("l.keras"))),
        ("l.keras", "not a model"),
    ),
    Bad("keras-no-layers", _compile(_keras()), ("'bad'", "no layer")),
    Bad("keras-directory", _compile(lambda ws: ws.tmp), ("directory",)),
    Bad("unknown-extension", _compile(_file("m.pt", b"\x80\x02")), ("m.pt", ".keras", ".onnx")),
    Bad("h5-missing", _compile(lambda ws: ws.file("nope.h5")), ("nope.h5", "no such")),
    Bad("h5-empty", _compile(_file("e.h5")), ("e.h5",)),
    Bad("h5-garbage", _compile(_file("g.h5", "not hdf5")), ("g.h5",)),
    Bad("h5-truncated", _compile(_truncated("t.h5", _LEGACY)), ("t.h5",)),
    Bad(
        "h5-weights-only",
        _compile(lambda ws: mk.weights_only_h5(ws.tmp)),
        ("w.h5", "weights only", "--weights"),
    ),
    Bad(
        "hgq-proxy-mode",
        _compile(lambda ws: mk.hgq_proxy_h5(ws.file("proxy.h5"))),
        ("proxy.h5", "'in_q'", "WRAP_SM"),
    ),
    Bad(
        "hgq2-layer",
        _compile(lambda ws: mk.hgq2_keras(ws.file("h.keras"))),
        ("h.keras", "'mix'", "QEinsumDenseBatchnorm", "not supported"),
    ),
    Bad("json-empty", _compile(_file("e.json")), ("e.json",)),
    Bad("json-garbage", _compile(_file("g.json", "{model: yes")), ("g.json",)),
    Bad("json-list", _compile(_file("l.json", "[1, 2, 3]")), ("l.json",)),
    Bad(
        "json-truncated",
        _compile(_file("t.json", '{"class_name": "Sequential", "con')),
        ("t.json",),
    ),
    Bad("json-without-weights", _legacy_json(with_weights=False), ("arch.json", "--weights")),
    Bad("json-weights-of-another-model", _legacy_json(weights_units=5), ("fc", "weights.h5")),
    Bad(
        "json-weights-missing",
        lambda ws: [
            "compile",
            mk.legacy_json(ws.tmp)[0],
            "-o",
            ws.out,
            "--weights",
            ws.file("none.h5"),
        ],
        ("none.h5", "no such"),
    ),
    Bad("onnx-missing", _compile(lambda ws: ws.file("nope.onnx")), ("nope.onnx", "no such")),
    Bad("onnx-empty", _compile(_file("e.onnx")), ("e.onnx",)),
    Bad("onnx-garbage", _compile(_file("g.onnx", "\x08\x07garbage")), ("g.onnx",)),
    Bad("onnx-truncated", _compile(_truncated("t.onnx", _ONNX)), ("t.onnx",)),
    Bad(
        "onnx-unsupported-op",
        _compile(lambda ws: mk.onnx_model(ws.file("u.onnx"), "Erf")),
        ("Erf", "act"),
    ),
    Bad("onnx-lstm", _compile(lambda ws: mk.onnx_model(ws.file("r.onnx"), "LSTM")), ("LSTM",)),
    Bad(
        "onnx-nan-weight",
        _compile(lambda ws: mk.onnx_model(ws.file("n.onnx"), weight=float("nan"))),
        ("n.onnx", "NaN"),
    ),
    # -- model content -----------------------------------------------------------------------
    Bad(
        "keras-lstm",
        _compile(_keras(_k("LSTM", 3, name="rnn"), inputs=(5, 4))),
        ("'rnn' (LSTM) is not supported",),
    ),
    Bad(
        "keras-conv3d",
        _compile(_keras(_k("Conv3D", 2, 3, name="c3"), inputs=(4, 4, 4, 1))),
        ("'c3' (Conv3D) is not supported",),
    ),
    Bad(
        "keras-attention",
        _compile(lambda ws: mk.attention_model(ws.file("a.keras"))),
        ("'att' (MultiHeadAttention) is not supported",),
    ),
    Bad(
        "quantized-relu-0-0",
        _compile(_keras(_qdense(_q(6, 0)), _qrelu(0, 0))),
        ("'act'", "quantized_relu", "bits"),
    ),
    Bad(
        "kernel-quantized-bits-0-0",
        _compile(_keras(_qdense(_q(0, 0)))),
        ("'fc'", "quantized_bits", "bits"),
    ),
    Bad("kernel-quantized-bits-64", _compile(_keras(_qdense(_q(64, 10)))), ("'fc'", "64", "bits")),
    Bad(
        "activation-quantized-relu-64",
        _compile(_keras(_qdense(_q(6, 0)), _qrelu(64, 10))),
        ("'act'", "64"),
    ),
    Bad(
        "kernel-nan",
        _compile(_keras(_qdense(_q(6, 0)), edit=mk.set_weight("fc", 0, np.nan))),
        ("'fc'", "NaN"),
    ),
    Bad(
        "float-kernel-inf-allow-inexact",
        _compile(
            _keras(_k("Dense", 3, name="fc"), edit=mk.set_weight("fc", 0, np.inf)),
            "--allow-inexact",
        ),
        ("'fc'", "inf"),
    ),
    Bad(
        "bias-nan",
        _compile(_keras(_qdense(_q(6, 0)), edit=mk.set_weight("fc", 1, np.nan))),
        ("'fc'", "NaN"),
    ),
    Bad(
        "batchnorm-zero-variance",
        _compile(
            _keras(
                _qdense(_q(6, 0)),
                _k("BatchNormalization", epsilon=0.0, name="bn"),
                edit=mk.zero_variance_bn,
            )
        ),
        ("'bn'", "variance"),
    ),
    # -- compile flags -----------------------------------------------------------------------
    Bad(
        "output-under-a-file",
        lambda ws: ["compile", ws.model, "-o", mk.text(ws.file("f"), "x") / "out"],
        ("-o", "is a file, not a directory"),
    ),
    Bad(
        "output-in-proc",
        lambda ws: ["compile", ws.model, "-o", "/proc/trigc-out"],
        ("/proc/trigc-out",),
    ),
    Bad(
        "output-is-a-file",
        lambda ws: ["compile", ws.model, "-o", mk.text(ws.file("f"), "x")],
        ("not a directory", "-o"),
    ),
    Bad("input-type-0-0", _flags("--input-type", "fixed<0,0>"), ("--input-type",)),
    Bad("input-type-200-bits", _flags("--input-type", "fixed<200,3>"), ("--input-type",)),
    Bad("input-type-garbage", _flags("--input-type", "float32"), ("--input-type",)),
    Bad("clock-mhz-nan", _flags("--clock-mhz", "nan"), ("--clock-mhz",)),
    Bad("clock-mhz-inf", _flags("--clock-mhz", "inf"), ("--clock-mhz",)),
    Bad("clock-mhz-zero", _flags("--clock-mhz", "0"), ("--clock-mhz",)),
    Bad("clock-period-inf", _flags("--clock-period", "inf"), ("--clock-period",)),
    Bad("clock-period-negative", _flags("--clock-period", "-5"), ("--clock-period",)),
    Bad("clock-period-text", _flags("--clock-period", "fast"), ("--clock-period",)),
    Bad("backend-empty", _flags("--backend", ""), ("--backend",)),
    Bad("backend-duplicated", _flags("--backend", "hls,hls"), ("--backend", "hls")),
    Bad("backend-unknown", _flags("--backend", "gpu"), ("--backend", "gpu")),
    Bad("part-unknown", _flags("--part", "xc7z-nonsense"), ("--part", "xc7z-nonsense")),
    Bad("reuse-factor-zero", _flags("--reuse-factor", "0"), ("--reuse-factor",)),
    Bad("config-missing", _flags("--config", "/nonexistent/c.yml"), ("c.yml",)),
    Bad(
        "config-malformed",
        lambda ws: [
            "compile",
            ws.model,
            "-o",
            ws.out,
            "--config",
            mk.yaml_file(ws.file("c.yml"), "Model: [unclosed"),
        ],
        ("c.yml",),
    ),
    Bad(
        "config-bad-precision",
        lambda ws: [
            "compile",
            ws.model,
            "-o",
            ws.out,
            "--config",
            mk.yaml_file(ws.file("c.yml"), "Model:\n  Precision: fixed<0,9>\n"),
        ],
        ("c.yml", "fixed<0,9>"),
    ),
    Bad(
        "budget-malformed",
        lambda ws: [
            "compile",
            ws.model,
            "-o",
            ws.out,
            "--budget",
            mk.yaml_file(ws.file("b.yml"), "latency_ns: ["),
        ],
        ("b.yml",),
    ),
    Bad("budget-unknown-preset", _flags("--budget", "no-such-preset"), ("no-such-preset",)),
    # -- verify ------------------------------------------------------------------------------
    Bad("verify-not-a-project", lambda ws: ["verify", ws.tmp], ("not a trigc project",)),
    Bad("verify-missing-directory", lambda ws: ["verify", ws.file("gone")], ("gone",)),
    Bad("verify-missing-ir", _verify(edit=_rm("ir.json")), ("ir.json",)),
    Bad("verify-corrupt-ir", _verify(edit=_write("ir.json", "{not json")), ("ir.json",)),
    Bad("verify-ir-wrong-shape", _verify(edit=_write("ir.json", '{"nodes": 3}')), ("ir.json",)),
    Bad("verify-missing-manifest", _verify(edit=_rm("manifest.json")), ("manifest.json",)),
    Bad("verify-corrupt-manifest", _verify(edit=_write("manifest.json", "[")), ("manifest.json",)),
    Bad("verify-model-gone", _verify(edit=_rm("source/tiny.keras")), ("tiny.keras",)),
    Bad("vectors-zero", _verify("--vectors", "0"), ("--vectors",)),
    Bad("vectors-negative", _verify("--vectors", "-3"), ("--vectors",)),
    Bad("vectors-huge", _verify("--vectors", str(10**13)), ("--vectors",)),
    Bad("seed-negative", _verify("--seed", "-1"), ("--seed",)),
    Bad("csim-vectors-negative", _verify("--csim-vectors", "-1"), ("--csim-vectors",)),
    Bad("only-unknown", _verify("--only", "gpu"), ("--only", "gpu")),
    Bad("sim-unknown", _verify("--sim", "modelsim"), ("modelsim",)),
    Bad("inputs-missing", _verify("--inputs", "/nonexistent/x.npy"), ("x.npy",)),
    Bad("inputs-empty-file", _inputs(b""), ("x.npy",)),
    Bad("inputs-garbage", _inputs(b"not numpy at all"), ("x.npy",)),
    Bad("inputs-no-vectors", _inputs(np.zeros((0, 16))), ("x.npy", "no vectors")),
    Bad("inputs-wrong-shape", _inputs(np.zeros((5, 7))), ("x.npy", "shape")),
    Bad("inputs-complex", _inputs(np.zeros((5, 16), complex)), ("x.npy", "complex")),
    Bad("inputs-strings", _inputs(np.array([["a"] * 16] * 5)), ("x.npy",)),
    Bad("inputs-nan", _inputs(np.full((5, 16), np.nan)), ("x.npy", "NaN")),
    Bad("inputs-off-grid", _inputs(np.full((5, 16), 1e-9)), ("x.npy", "grid")),
    Bad("inputs-pickled-object", _inputs(np.array([{"a": 1}] * 16, dtype=object)), ("x.npy",)),
    # -- report ------------------------------------------------------------------------------
    Bad(
        "report-not-a-project",
        lambda ws: ["report", ws.tmp, "--budget", "cms-l1-240"],
        ("not a trigc project",),
    ),
    Bad(
        "report-budget-malformed",
        lambda ws: [
            "report",
            ws.project,
            "--budget",
            mk.yaml_file(ws.file("b.yml"), "clock_mhz: {"),
        ],
        ("b.yml",),
    ),
    Bad(
        "report-budget-unknown-preset",
        lambda ws: ["report", ws.project, "--budget", "nope"],
        ("nope",),
    ),
    Bad(
        "report-device-unknown",
        lambda ws: ["report", ws.project, "--budget", "cms-l1-240", "--device", "xc-nonsense"],
        ("xc-nonsense",),
    ),
]


def copy_project(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
