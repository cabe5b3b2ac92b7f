"""Concatenate on every axis (time, width, channels; 1-D and 2-D feature maps), in both
backends: Keras (float64) = IR = C simulation = RTL on every vector."""

from __future__ import annotations

import pytest

from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sim,
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning"),
]


def _models():
    import keras
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    def q(bits, integer):
        return quantized_bits(bits, integer, alpha=1)

    def act(name):
        return QActivation(quantized_relu(6, 2), name=name)

    def conv(cls, name, filters):
        return cls(
            filters, 3, padding="same", kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name=name
        )

    def head(h):
        return QDense(3, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name="out")(h)

    L = keras.layers
    keras.utils.set_random_seed(8)
    inp = keras.Input((8, 2))
    x = QActivation(q(6, 2), name="in_q")(inp)
    a, b = act("ra")(conv(QConv1D, "ca", 3)(x)), act("rb")(conv(QConv1D, "cb", 2)(x))
    c = act("rc")(conv(QConv1D, "cc", 3)(x))
    channels = L.Concatenate(axis=-1, name="cat_channels")([a, b])  # (8, 5)
    time = L.Concatenate(axis=1, name="cat_time")([a, c])  # (16, 3)
    flat = L.Concatenate(name="cat_flat")(
        [L.Flatten(name="f1")(channels), L.Flatten(name="f2")(time)]
    )
    one_d = keras.Model(inp, head(flat), name="concat_1d")
    inp = keras.Input((6, 6, 1))
    y = QActivation(q(6, 2), name="in_q")(inp)
    u, v = act("ru")(conv(QConv2D, "cu", 2)(y)), act("rv")(conv(QConv2D, "cv", 2)(y))
    width = L.Concatenate(axis=2, name="cat_width")([u, v])  # (6, 12, 2)
    chans = L.Concatenate(axis=-1, name="cat_channels")([u, v])  # (6, 6, 4)
    flat = L.Concatenate(name="cat_flat")(
        [L.Flatten(name="g1")(width), L.Flatten(name="g2")(chans)]
    )
    two_d = keras.Model(inp, head(flat), name="concat_2d")
    return one_d, two_d


@pytest.mark.parametrize("which", [0, 1], ids=["1d", "2d"])
def test_concatenate_on_every_axis_is_bit_exact(tmp_path, which):
    model = _models()[which]
    model.save(tmp_path / "m.keras")
    project = compile_project(
        tmp_path / "m.keras", tmp_path / "p", CompileOptions(backends=("hls", "rtl"))
    )
    result = verify_project(project, vectors=500, protocol_sims=())
    compared = {c.name: (c.identical, c.total) for c in result.comparisons}
    assert compared["keras"] == compared["hls-csim"] == compared["rtl"] == (500, 500)
