"""Frontends: model files (and live Keras models) → an untyped IR graph, plus the references
``trigc verify`` compares against.

:mod:`.load` holds the one table of file formats (suffix → reader → reference).  Each reader
walks its model's layers and dispatches on the layer kind through one table
(``keras.LAYER_HANDLERS``, ``keras_legacy.HANDLERS``, ``onnx.HANDLERS``), turning each layer into
frontend-neutral layer records (:mod:`.layers`, :mod:`.layers_tensor`; quantizers through
:mod:`.quantizers`), which :func:`.layers.lower.lower_layers` appends to the graph with
:class:`.builder.GraphBuilder`.  Float models get their precision from a configuration
(:mod:`.precision_config`, hls4ml's ``Precision`` keys).
"""
