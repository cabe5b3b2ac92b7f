"""The bit packing of the RTL backend's data buses (the ports of its ``rtl_manifest.json``,
read by :func:`trigc.compiler.backends.rtl.manifest.load_rtl_manifest`).

Each port (input or output tensor) occupies a slice of ``in_data`` / ``out_data``: its
flattened elements (C order) sit at ``offset + j * width``, element 0 in the low bits, each a
two's-complement mantissa for signed types and plain binary for unsigned ones.  Vectors are
packed into little-endian 32-bit words, the layout of Verilator's ``VlWide`` and of the bulk
harness's files; :func:`words_to_ints` / :func:`ints_to_words` convert to the Python integers
cocotb reads and writes.
"""

from __future__ import annotations

import numpy as np

from trigc.compiler.backends.rtl.manifest import WORD_BITS, Port

# -- packing ----------------------------------------------------------------------------------
#
# Elements of at most 32 bits (the usual case) are packed a whole port at a time: shifted into a
# uint64 they touch at most two 32-bit words, a low and a high part.  Wider elements take a
# slower per-element path (Python integers beyond 64 bits).

NARROW_BITS = 32
CHUNK = 1 << 15  # rows per step: keeps temporaries in cache instead of fresh pages


def _as_unsigned(values: np.ndarray, width: int) -> np.ndarray:
    """Two's-complement bit patterns of ``values`` in ``width`` bits (uint64, or object)."""
    if width <= 64 and values.dtype != object:
        mask = np.uint64((1 << width) - 1)
        return values.astype(np.int64, copy=False).view(np.uint64) & mask
    return np.asarray(values, dtype=object) & ((1 << width) - 1)


def _element_positions(port: Port) -> tuple[np.ndarray, np.ndarray]:
    """First word index and bit shift within it of every element of a port."""
    lo = port.offset + port.width * np.arange(port.size, dtype=np.int64)
    return lo // WORD_BITS, (lo % WORD_BITS).astype(np.uint64)


def _pack_narrow(words: np.ndarray, port: Port, flat: np.ndarray) -> None:
    first, shift = _element_positions(port)
    shifted = _as_unsigned(flat, port.width) << shift
    low = (shifted & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    high = (shifted >> np.uint64(WORD_BITS)).astype(np.uint32)
    for j, word in enumerate(first.tolist()):
        words[:, word] |= low[:, j]
        if int(shift[j]) + port.width > WORD_BITS:
            words[:, word + 1] |= high[:, j]


def _pack_wide(words: np.ndarray, port: Port, flat: np.ndarray) -> None:
    for j in range(port.size):
        bits = _as_unsigned(flat[:, j], port.width)
        lo = port.offset + j * port.width
        for word in range(lo // WORD_BITS, (lo + port.width - 1) // WORD_BITS + 1):
            shift = word * WORD_BITS - lo  # bit of the element that lands on bit 0 of word
            part = bits >> shift if shift >= 0 else bits << -shift
            words[:, word] |= (part & 0xFFFFFFFF).astype(np.uint32)


def pack_vectors(ports: tuple[Port, ...], bus_width: int, arrays: list[np.ndarray]) -> np.ndarray:
    """Pack per-port mantissa arrays (batch first) into a ``(batch, words)`` uint32 array."""
    if len(arrays) != len(ports):
        raise ValueError(
            f"expected {len(ports)} arrays ({[p.name for p in ports]}), got {len(arrays)}"
        )
    batch = len(arrays[0]) if arrays else 0
    words = np.zeros((batch, -(-bus_width // WORD_BITS)), dtype=np.uint32)
    for port, array in zip(ports, arrays, strict=True):
        array = np.asarray(array)
        if array.shape != (batch, *port.shape):
            raise ValueError(
                f"port {port.name!r}: expected shape {(batch, *port.shape)}, got {array.shape}"
            )
        if array.dtype.kind not in "iuO":
            raise ValueError(f"port {port.name!r}: mantissas must be integers, not {array.dtype}")
        flat = array.reshape(batch, port.size)
        if flat.size and (flat.min() < port.type.min_int or flat.max() > port.type.max_int):
            raise ValueError(f"port {port.name!r}: mantissas outside the range of {port.type}")
        pack = _pack_narrow if port.width <= NARROW_BITS and flat.dtype != object else _pack_wide
        for start in range(0, batch, CHUNK):
            pack(words[start : start + CHUNK], port, flat[start : start + CHUNK])
    return words


def _unpack_narrow(words: np.ndarray, port: Port) -> np.ndarray:
    first, shift = _element_positions(port)
    second = np.minimum(first + 1, words.shape[1] - 1)  # a clipped index only feeds masked bits
    pairs = words[:, first].astype(np.uint64) | (
        words[:, second].astype(np.uint64) << np.uint64(32)
    )
    raw = ((pairs >> shift) & np.uint64((1 << port.width) - 1)).astype(np.int64)
    if port.type.signed:
        raw -= (raw >> (port.width - 1)) << port.width
    return raw


def _unpack_wide(words: np.ndarray, port: Port) -> np.ndarray:
    wide = port.width > 63
    values = np.zeros((len(words), port.size), dtype=object if wide else np.int64)
    for j in range(port.size):
        lo = port.offset + j * port.width
        acc = np.zeros(len(words), dtype=object if wide else np.uint64)
        for word in range(lo // WORD_BITS, (lo + port.width - 1) // WORD_BITS + 1):
            shift = word * WORD_BITS - lo
            part = words[:, word].astype(object if wide else np.uint64)
            acc = acc | (part << shift if shift >= 0 else part >> -shift)
        raw = _as_unsigned(acc, port.width)
        if not wide:
            raw = raw.astype(np.int64)
        if port.type.signed:
            raw = raw - ((raw >> (port.width - 1)) << port.width)
        values[:, j] = raw
    return values


def unpack_vectors(ports: tuple[Port, ...], words: np.ndarray) -> list[np.ndarray]:
    """Inverse of :func:`pack_vectors`: mantissas per port (sign-extended for signed types)."""
    words = np.asarray(words, dtype=np.uint32)
    out = []
    for port in ports:
        unpack = _unpack_narrow if port.width <= NARROW_BITS else _unpack_wide
        chunks = [unpack(words[i : i + CHUNK], port) for i in range(0, len(words), CHUNK)]
        values = np.concatenate(chunks) if chunks else unpack(words, port)
        out.append(values.reshape(len(words), *port.shape))
    return out


def words_to_ints(words: np.ndarray) -> list[int]:
    """Each row of packed words as one unsigned Python integer (bit 0 = element 0's LSB)."""
    rows = np.ascontiguousarray(words, dtype="<u4")
    return [int.from_bytes(row.tobytes(), "little") for row in rows]


def ints_to_words(values: list[int], n_words: int) -> np.ndarray:
    """Inverse of :func:`words_to_ints`."""
    raw = b"".join(v.to_bytes(4 * n_words, "little") for v in values)
    return np.frombuffer(raw, dtype="<u4").reshape(len(values), n_words).astype(np.uint32)
