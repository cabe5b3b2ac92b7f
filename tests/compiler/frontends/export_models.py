"""Models written by the real exporters, as users' files come: PyTorch's TorchScript and dynamo
exporters, Keras 3's own exporter on the TensorFlow backend (tf2onnx underneath) and Brevitas'
QONNX export.  Shared by the frontend tests and the model suite.

Float models have their parameters on a 1/16 grid so that, read with ``Precision: auto``, the
IR is the model exactly and onnxruntime is an exact reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np


def _torch_modules() -> dict[str, tuple[Callable[[], object], tuple[int, ...]]]:
    import torch

    nn = torch.nn

    class Permute(nn.Module):
        def __init__(self, *order: int) -> None:
            super().__init__()
            self.order = order

        def forward(self, x):
            return x.permute(*self.order)

    class BatchView(nn.Module):  # x.view(x.size(0), -1): Shape → Gather → Concat → Reshape
        def forward(self, x):
            return x.view(x.size(0), -1)

    class Unsqueezed(nn.Module):  # [batch, 16] → [batch, 1, 16] → Conv1d
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(1, 4, 3)
            self.pool = nn.MaxPool1d(2)
            self.fc = nn.Linear(28, 3)

        def forward(self, x):
            h = self.pool(torch.relu(self.conv(x.unsqueeze(1))))
            return self.fc(torch.flatten(h, 1))

    class ViewConv(nn.Module):  # a Linear's output seen as [batch, 4, 16]: data must move
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 64)
            self.conv = nn.Conv1d(4, 2, 3)
            self.out = nn.Linear(28, 3)

        def forward(self, x):
            h = torch.relu(self.conv(self.fc(x).view(x.size(0), 4, 16)))
            return self.out(torch.flatten(h, 1))

    return {
        "view_conv1d": (ViewConv, (8,)),
        # Transpose of the input, ReLU6 as Clip
        "permute_conv1d": (
            lambda: nn.Sequential(
                Permute(0, 2, 1),
                nn.Conv1d(3, 4, 3),
                nn.ReLU6(),
                nn.Flatten(),
                nn.Linear(56, 3),
            ),
            (16, 3),
        ),
        # grouped and pointwise convolutions, ZeroPad2d as Pad, LeakyReLU, static shapes
        "grouped_pad_conv2d": (
            lambda: nn.Sequential(
                nn.Conv2d(2, 4, 3, groups=2),
                nn.LeakyReLU(0.125),
                nn.Conv2d(4, 4, 1),
                nn.ZeroPad2d((1, 0, 1, 0)),
                nn.Conv2d(4, 2, 3),
                BatchView(),
                nn.Linear(50, 3),
            ),
            (2, 8, 8),
        ),
        "depthwise_conv2d": (
            lambda: nn.Sequential(
                nn.Conv2d(3, 3, 3, groups=3, padding=1),
                nn.ReLU(),
                nn.Conv2d(3, 4, 1),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(4, 3),
            ),
            (3, 4, 4),
        ),
        # a Linear on [batch, 8, 4]: MatMul with a leading axis
        "sequence_linear": (
            lambda: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Flatten(), nn.Linear(48, 3)),
            (8, 4),
        ),
        "unsqueeze_conv1d": (Unsqueezed, (16,)),
    }


TORCH_MODELS = (
    "view_conv1d",
    "permute_conv1d",
    "grouped_pad_conv2d",
    "depthwise_conv2d",
    "sequence_linear",
    "unsqueeze_conv1d",
)


def torch_export(name: str, directory: Path, dynamo: bool, seed: int = 7) -> Path:
    """Build PyTorch model ``name`` (parameters on a 1/16 grid) and export it."""
    import torch

    build, shape = _torch_modules()[name]
    torch.manual_seed(seed)
    model = build().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 16) / 16)
    path = directory / f"{name}_{'dynamo' if dynamo else 'torchscript'}.onnx"
    x = torch.zeros(2, *shape)
    kwargs = (
        {"dynamic_shapes": ({0: torch.export.Dim("batch")},)}
        if dynamo
        else {"dynamic_axes": {"x": {0: "batch"}, "y": {0: "batch"}}}
    )
    torch.onnx.export(
        model, (x,), str(path), dynamo=dynamo, input_names=["x"], output_names=["y"], **kwargs
    )
    return path


# Keras 3 exports ONNX through tf2onnx on the TensorFlow backend: NHWC in, a Transpose before
# and after the convolution, Shape/Gather/Slice/Concat arithmetic for the Flatten.
_KERAS_TF_EXPORT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    keras.utils.set_random_seed(41)
    L = keras.layers
    inp = keras.Input((6, 6, 2))
    x = L.Conv2D(3, 3, name="conv")(inp)
    x = L.ReLU(name="relu")(x)
    x = L.MaxPooling2D(2, name="pool")(x)
    x = L.Flatten(name="flat")(x)
    out = L.Dense(4, name="fc")(x)
    model = keras.Model(inp, out, name="keras_tf_cnn")
    for layer in model.layers:
        layer.set_weights([np.round(w * 16) / 16 for w in layer.get_weights()])
    model(np.zeros((1, 6, 6, 2), np.float32))
    model.export(sys.argv[1], format="onnx")
    """
)


# tf2onnx itself, called on a Keras 3 model (tf2onnx.convert.from_keras).
_TF2ONNX_EXPORT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    import tensorflow as tf
    import tf2onnx
    keras.utils.set_random_seed(43)
    L = keras.layers
    inp = keras.Input((8, 8, 2), name="x")
    x = L.Conv2D(3, 3, name="conv")(inp)
    x = L.ReLU(name="relu")(x)
    x = L.Flatten(name="flat")(x)
    model = keras.Model(inp, L.Dense(4, name="fc")(x), name="tf2onnx_cnn")
    for layer in model.layers:
        layer.set_weights([np.round(w * 16) / 16 for w in layer.get_weights()])
    spec = [tf.TensorSpec((None, 8, 8, 2), tf.float32, name="x")]
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=13, output_path=sys.argv[1])
    """
)


def _tensorflow_export(script: str, path: Path) -> Path:
    """Run an export ``script`` (given the output path) in a process on Keras' TF backend."""
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0 and path.is_file(), run.stderr[-3000:]
    return path


def tf2onnx_export(directory: Path) -> Path:
    return _tensorflow_export(_TF2ONNX_EXPORT, directory / "tf2onnx_cnn.onnx")


def keras_tf_export(directory: Path) -> Path:
    return _tensorflow_export(_KERAS_TF_EXPORT, directory / "keras_tf_cnn.onnx")


def brevitas_export(name: str, directory: Path, seed: int = 11) -> Path:
    """A Brevitas network with power-of-two (fixed-point) scales, exported to QONNX:
    ``mlp`` (8-bit input, 4-bit weights and ReLU) or ``binary`` (±1 weights and activations,
    BipolarQuant on the data path)."""
    import brevitas.nn as qnn
    import torch
    from brevitas.export import export_qonnx
    from brevitas.quant import (
        Int8ActPerTensorFixedPoint,
        Int8BiasPerTensorFixedPointInternalScaling,
        Int8WeightPerTensorFixedPoint,
        Uint8ActPerTensorFixedPoint,
    )
    from brevitas.quant.binary import (
        SignedBinaryActPerTensorConst,
        SignedBinaryWeightPerTensorConst,
    )

    torch.manual_seed(seed)
    act8 = dict(act_quant=Int8ActPerTensorFixedPoint, bit_width=8, return_quant_tensor=True)
    weights4 = dict(weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=4)
    binary = dict(weight_quant=SignedBinaryWeightPerTensorConst, weight_scaling_const=1.0)
    if name == "mlp":
        layers = [
            qnn.QuantIdentity(**act8),
            qnn.QuantLinear(
                12,
                8,
                bias=True,
                bias_quant=Int8BiasPerTensorFixedPointInternalScaling,
                return_quant_tensor=True,
                **weights4,
            ),
            qnn.QuantReLU(
                act_quant=Uint8ActPerTensorFixedPoint, bit_width=4, return_quant_tensor=True
            ),
            qnn.QuantLinear(8, 3, bias=False, **weights4),
        ]
    else:
        layers = [
            qnn.QuantIdentity(**act8),
            qnn.QuantLinear(12, 8, bias=False, **binary),
            qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst, scaling_const=1.0),
            qnn.QuantLinear(8, 3, bias=False, **binary),
        ]
    model = torch.nn.Sequential(*layers).eval()
    path = directory / f"brevitas_{name}.onnx"
    export_qonnx(model, torch.randn(1, 12), str(path))
    return path


def on_grid(values: np.ndarray, scale: int = 16) -> np.ndarray:
    return np.round(np.asarray(values) * scale) / scale


def torch_two_heads(directory: Path, dynamo: bool, seed: int = 0) -> Path:
    """Particles [8] and event-level features [3] in; a tagger [4] and a regression [1] out."""
    import torch

    nn = torch.nn

    class TwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.p, self.e = nn.Linear(8, 6), nn.Linear(3, 2)
            self.fc, self.tag, self.reg = nn.Linear(8, 8), nn.Linear(8, 4), nn.Linear(8, 1)

        def forward(self, parts, event):
            h = torch.cat([torch.relu(self.p(parts)), torch.relu(self.e(event))], dim=1)
            h = torch.relu(self.fc(h))
            return self.tag(h), self.reg(h)

    torch.manual_seed(seed)
    model = TwoHeads().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 16) / 16)
    path = directory / f"two_heads_{'dynamo' if dynamo else 'torchscript'}.onnx"
    batch = torch.export.Dim("batch")
    kwargs = (
        {"dynamic_shapes": ({0: batch}, {0: batch})}
        if dynamo
        else {"dynamic_axes": {n: {0: "batch"} for n in ("parts", "event", "tag", "reg")}}
    )
    torch.onnx.export(
        model,
        (torch.zeros(2, 8), torch.zeros(2, 3)),
        str(path),
        dynamo=dynamo,
        input_names=["parts", "event"],
        output_names=["tag", "reg"],
        **kwargs,
    )
    return path
