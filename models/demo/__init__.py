"""The bundled demo network: a 16-64-32-32-5 QKeras model with 6-bit weights and activations,
trained briefly on synthetic data (``demo_tagger.keras``, rebuilt by ``build_demo.py``)."""
