"""The one shape of every frontend's layer handler: one model layer in, a :class:`Read` out.

``handler(layer, context) -> Read``.  ``layer`` is what the format holds of one layer (a live
Keras layer, a saved layer configuration, an ONNX node); ``context`` is what the handler may
read besides it (the frontend options, the file's stored weights, an ONNX graph's constants
and the tensor the node reads).  A handler changes neither: it returns the layer records it
read, and the format's reader appends them.  Each format keeps one table, layer class (or op
type) -> handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .records import Layer


@dataclass(frozen=True)
class Read:
    """The records one layer became, in order.

    Without ``sources`` they form a chain: the first reads the layer's inputs, each next the
    one before.  ``output`` names what the layer's output is where that is not the last record
    (a layer that only passes its input on has no record, and its output is its input)."""

    records: tuple[Layer, ...] = ()
    sources: tuple[tuple[str, ...], ...] | None = None
    output: str | None = None

    def __post_init__(self) -> None:
        if any(isinstance(r, Read) for r in self.records):
            raise TypeError("a Read holds layer records, not another Read (return it instead)")

    @classmethod
    def chain(cls, *records: Layer) -> Read:
        """Records read one after the other."""
        return cls(tuple(records))

    def wired(self, inputs: tuple[str, ...]) -> list[tuple[Layer, tuple[str, ...]]]:
        """Each record with what it reads: ``sources``, or the chain from ``inputs``."""
        if self.sources is not None:
            return list(zip(self.records, self.sources, strict=True))
        wired, reads = [], inputs
        for record in self.records:
            wired.append((record, reads))
            reads = (record.name,)
        return wired

    def output_of(self, inputs: tuple[str, ...]) -> str:
        """The name the layer's output goes by."""
        if self.output is not None:
            return self.output
        return self.records[-1].name if self.records else inputs[0]


Handler = Callable[[Any, Any], Read]
"""``handler(layer, context) -> Read``."""
