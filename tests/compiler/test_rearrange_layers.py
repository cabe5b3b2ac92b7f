"""Layers that only move data: Permute, UpSampling1D/2D (nearest), Cropping1D/2D and
ZeroPadding1D/2D away from a convolution, as the IR op ``rearrange``: Keras (float64) = IR =
C simulation = RTL = emulator on every vector."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.ops.rearrange import nearest, source_index
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def test_source_index_is_numpys_own_data_movement():
    x = np.arange(4 * 5 * 3).reshape(4, 5, 3)
    cases = {
        "transpose": ({"perm": [1, 0, 2]}, np.transpose(x, (1, 0, 2))),
        "upsample": ({"factors": [2, 3]}, np.repeat(np.repeat(x, 2, 0), 3, 1)),
        "crop": ({"crops": [[1, 0], [2, 1]]}, x[1:, 2:4]),
        "pad": ({"pads": [[1, 2], [0, 1]]}, np.pad(x + 1, [(1, 2), (0, 1), (0, 0)]) - 1),
    }
    for kind, (params, want) in cases.items():
        index = source_index({"kind": kind, **params}, x.shape)
        assert np.array_equal(index.reshape(want.shape), want), kind
    assert np.array_equal(nearest(7, 3), np.arange(21) // 3)  # hls4ml's ratio, Keras' repeat


def _model(which: int):
    import keras
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    def q(bits, integer):
        return quantized_bits(bits, integer, alpha=1)

    def out():
        return QDense(3, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name="out")

    conv = dict(kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0))
    L = keras.layers
    keras.utils.set_random_seed(9)
    if which == 0:
        layers = [
            keras.Input((3, 10)),
            QActivation(q(6, 2), name="in_q"),
            L.Permute((2, 1), name="permute"),
            QConv1D(4, 3, name="c1", **conv),
            QActivation(quantized_relu(6, 2), name="r1"),
            L.UpSampling1D(2, name="up"),
            L.Cropping1D((1, 2), name="crop"),
            L.ZeroPadding1D((1, 1), name="zp"),
            L.MaxPooling1D(2, name="mp"),
            L.Flatten(name="flat"),
            out(),
        ]
    else:
        layers = [
            keras.Input((6, 6, 2)),
            QActivation(q(6, 2), name="in_q"),
            QConv2D(3, 3, name="c1", **conv),
            QActivation(quantized_relu(6, 2), name="r1"),
            L.UpSampling2D((2, 3), name="up"),
            L.Cropping2D(((1, 0), (2, 1)), name="crop"),
            L.ZeroPadding2D(1, name="zp"),
            L.Permute((2, 1, 3), name="permute"),
            L.AveragePooling2D(2, name="ap"),
            L.Flatten(name="flat"),
            out(),
        ]
    return keras.Sequential(layers, name=f"rearrange_{which + 1}d")


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.parametrize("which", [0, 1], ids=["1d", "2d"])
def test_data_movement_layers_are_bit_exact_everywhere(tmp_path, which):
    _model(which).save(tmp_path / "m.keras")
    options = CompileOptions(backends=("hls", "rtl", "emu"))
    project = compile_project(tmp_path / "m.keras", tmp_path / "p", options)
    assert sum(n.op == "rearrange" for n in project.graph.nodes) == 4
    result = verify_project(project, vectors=500, protocol_sims=())
    compared = {c.name: (c.identical, c.total) for c in result.comparisons}
    for name in ("keras", "hls-csim", "rtl", "emu"):
        assert compared[name] == (500, 500), (name, compared)


@pytest.mark.slow
def test_a_permute_flattened_into_dense_is_refused_by_the_hls_backend(tmp_path):
    """hls4ml would drop it and reorder the weights as for a channels-first conversion."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    model = keras.Sequential(
        [
            keras.Input((4, 3)),
            QActivation(quantized_bits(6, 2, alpha=1), name="in_q"),
            keras.layers.Permute((2, 1), name="permute"),
            keras.layers.Flatten(name="flat"),
            QDense(2, kernel_quantizer=q, bias_quantizer=q, name="out"),
        ]
    )
    model.save(tmp_path / "m.keras")
    with pytest.raises(TrigcError, match="RemoveTransposeBeforeFlatten"):
        compile_project(tmp_path / "m.keras", tmp_path / "p", CompileOptions(backends=("hls",)))
    project = compile_project(
        tmp_path / "m.keras", tmp_path / "r", CompileOptions(backends=("rtl",))
    )
    result = verify_project(project, vectors=300, protocol_sims=())
    assert all(c.identical == c.total for c in result.comparisons)
