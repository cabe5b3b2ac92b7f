"""hls4ml layer names: unique C++ identifiers that clash with nothing hls4ml writes."""

from __future__ import annotations

import re

from ...names import CPP_KEYWORDS

# hls4ml's own names a layer must not take, besides the C++ keywords.
# hls4ml keeps a layer's output variable among its attributes, under the layer's name: a layer
# named like one of its attributes would read its own output for it.
_HLS4ML_ATTRIBUTES = {
    "perm", "axis", "op", "activation", "algorithm", "n_chan", "n_in", "n_out", "n_filt",
    "target_shape", "data_format", "align_corners", "inputs", "outputs", "class_name", "name",
}  # fmt: skip
_CPP_RESERVED = CPP_KEYWORDS | {"input", "result"} | _HLS4ML_ATTRIBUTES


class HlsNames:
    """Unique C++ identifiers for hls4ml layer names (hls4ml compares them lower-cased)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, name: str) -> str:
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or "layer"
        if base[0].isdigit() or base.startswith("_"):
            base = "n" + base
        if base.lower() in _CPP_RESERVED or re.fullmatch(r"(?i)(w|b|s|layer)\d+.*", base):
            base += "_"  # clashes with keywords or hls4ml's own names (w2, b2, layer2_out)
        candidate, n = base, 1
        while candidate.lower() in self._taken:
            n += 1
            candidate = f"{base}_{n}"
        self._taken.add(candidate.lower())
        return candidate
