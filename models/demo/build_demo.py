"""Build the bundled demo model: a 16-64-32-32-5 QKeras network with 6-bit weights and
activations, trained briefly on synthetic data (the jet tagger of models/jet_tagger replaces
it as the demo once trained).

    python -m trigc.models.demo.build_demo models/demo/demo_tagger.keras
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

LAYER_SIZES = (64, 32, 32)
N_FEATURES, N_CLASSES = 16, 5


def build_model(seed: int = 7):
    """The untrained demo network."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    keras.utils.set_random_seed(seed)
    layers = [keras.Input((N_FEATURES,), name="features")]
    for k, size in enumerate(LAYER_SIZES, start=1):
        layers.append(
            QDense(
                size,
                name=f"fc{k}",
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
            )
        )
        layers.append(QActivation(quantized_relu(6, 0), name=f"relu{k}"))
    layers.append(
        QDense(
            N_CLASSES,
            name="output",
            kernel_quantizer=quantized_bits(6, 0, alpha=1),
            bias_quantizer=quantized_bits(6, 0, alpha=1),
        )
    )
    return keras.Sequential(layers, name="demo_tagger")


def synthetic_data(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features whose class is the argmax of a fixed random projection."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    projection = rng.normal(size=(N_FEATURES, N_CLASSES))
    return x, np.argmax(x @ projection, axis=1)


def main(out: str = "models/demo/demo_tagger.keras") -> None:
    model = build_model()
    x, y = synthetic_data(20000)
    model.compile(
        optimizer="adam",
        loss=__import__("keras").losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=8, batch_size=256, verbose=2)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"saved {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
