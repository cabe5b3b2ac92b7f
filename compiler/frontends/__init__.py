"""Frontends: model files (and live Keras models) -> an untyped IR graph, plus the references
``trigc verify`` compares against.

:mod:`.load` holds the one table of file formats (suffix -> reader -> reference).  Each format
is a subpackage (:mod:`.keras3`, :mod:`.keras2`, :mod:`.hgq`, :mod:`.onnx`) whose reader walks
the model's layers and dispatches on the layer kind through one table of handlers, all of one
shape, ``handler(layer, context) -> Read`` (:mod:`.layers.handler`): the layer's records
(:mod:`.layers.records`, :mod:`.layers.tensor`; quantizers through :mod:`.layers.quantizers`),
which :func:`.layers.lower.lower_layers` turns into IR nodes with
:class:`.layers.builder.GraphBuilder`.  Float models get their precision from a configuration
(:mod:`.config.precision`, hls4ml's ``Precision`` keys).
"""
