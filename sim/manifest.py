"""The RTL backend's ``rtl_manifest.json`` and the bit packing of its data buses.

Each port (input or output tensor) occupies a slice of ``in_data`` / ``out_data``: its
flattened elements (C order) sit at ``offset + j * width``, element 0 in the low bits, each a
two's-complement mantissa for signed types and plain binary for unsigned ones.  Vectors are
packed into little-endian 32-bit words, the layout of Verilator's ``VlWide`` and of the bulk
harness's files; :func:`words_to_ints` / :func:`ints_to_words` convert to the Python integers
cocotb reads and writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trigc.compiler.errors import ProjectError
from trigc.compiler.ir.fixed import FixedType, FixedTypeError
from trigc.compiler.ir.graph import Graph

MANIFEST_NAME = "rtl_manifest.json"
WORD_BITS = 32


@dataclass(frozen=True)
class Port:
    """One tensor on a data bus: ``size`` elements of ``width`` bits from bit ``offset``."""

    name: str
    shape: tuple[int, ...]
    type: FixedType
    width: int
    offset: int

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def end(self) -> int:
        """One past the last bit the port occupies."""
        return self.offset + self.size * self.width


@dataclass(frozen=True)
class RtlManifest:
    """What the bulk harness and the testbench need to know about an RTL design."""

    directory: Path
    top: str
    latency: int
    ii: int
    clock_mhz: float
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    in_width: int
    out_width: int
    files: tuple[Path, ...]
    wrapper_top: str = ""
    wrapper_ports: tuple[tuple[str, str], ...] = ()

    def wrapper_port(self, tensor: str) -> str:
        """The hls wrapper's port for ``tensor`` (the tensor name unless the manifest maps it)."""
        return dict(self.wrapper_ports).get(tensor, tensor)

    @property
    def in_words(self) -> int:
        """32-bit words per packed input vector."""
        return -(-self.in_width // WORD_BITS)

    @property
    def out_words(self) -> int:
        """32-bit words per packed output vector."""
        return -(-self.out_width // WORD_BITS)

    def check_graph(self, graph: Graph) -> None:
        """Raise :class:`ProjectError` unless the ports match the graph's inputs and outputs."""
        expected_in = [(n.output.name, n.output.shape, n.output.type) for n in graph.inputs]
        expected_out = [(t, graph.tensor(t).shape, graph.tensor(t).type) for t in graph.outputs]
        for what, ports, expected in (
            ("inputs", self.inputs, expected_in),
            ("outputs", self.outputs, expected_out),
        ):
            found = [(p.name, p.shape, p.type) for p in ports]
            if found != expected:
                raise ProjectError(
                    f"{self.directory / MANIFEST_NAME}: {what} {_describe(found)} do not match "
                    f"graph {graph.name!r} {what} {_describe(expected)}; was the RTL generated "
                    "from this ir.json?"
                )


def _describe(ports: list[tuple[str, tuple[int, ...], FixedType]]) -> str:
    return "[" + ", ".join(f"{n}{list(s)}:{t}" for n, s, t in ports) + "]"


def _read_port(entry: dict, where: str) -> Port:
    try:
        port = Port(
            name=str(entry["name"]),
            shape=tuple(int(s) for s in entry["shape"]),
            type=FixedType.parse(str(entry["type"])),
            width=int(entry["width"]),
            offset=int(entry["offset"]),
        )
    except (KeyError, TypeError, ValueError, FixedTypeError) as exc:
        raise ProjectError(f"{where}: bad port entry {entry!r} ({exc})") from None
    if port.width != port.type.width:
        raise ProjectError(f"{where}: port {port.name!r} width {port.width} != type {port.type}")
    return port


def _check_layout(ports: tuple[Port, ...], bus_width: int, bus: str, where: str) -> None:
    """Ports must lie inside the bus and must not overlap."""
    spans = sorted((p.offset, p.end, p.name) for p in ports)
    for (lo, hi, name), nxt in zip(spans, [*spans[1:], None], strict=True):
        if lo < 0 or hi > bus_width:
            raise ProjectError(f"{where}: port {name!r} bits {lo}..{hi - 1} outside {bus} width")
        if nxt is not None and nxt[0] < hi:
            raise ProjectError(f"{where}: ports {name!r} and {nxt[2]!r} overlap on {bus}")


def _wrapper_fields(data: dict) -> dict[str, object]:
    """The optional ``hls_wrapper`` section: wrapper module and tensor-to-port names."""
    wrapper = data.get("hls_wrapper", {})
    ports = [
        (str(p["tensor"]), str(p["port"]))
        for p in (*wrapper.get("inputs", ()), *wrapper.get("outputs", ()))
    ]
    return {
        "wrapper_top": str(wrapper.get("top", f"{data['top']}_hls_wrapper")),
        "wrapper_ports": tuple(ports),
    }


def load_manifest(rtl_dir: Path) -> RtlManifest:
    """Read and check ``rtl_dir/rtl_manifest.json``."""
    rtl_dir = Path(rtl_dir).resolve()
    path = rtl_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ProjectError(
            f"{path} not found: is {rtl_dir} the output of the RTL backend?"
        ) from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path}: not valid JSON ({exc})") from None
    try:
        manifest = RtlManifest(
            directory=rtl_dir,
            top=str(data["top"]),
            latency=int(data["latency_cycles"]),
            ii=int(data["ii"]),
            clock_mhz=float(data["clock_mhz"]),
            inputs=tuple(_read_port(p, str(path)) for p in data["inputs"]),
            outputs=tuple(_read_port(p, str(path)) for p in data["outputs"]),
            in_width=int(data["in_width"]),
            out_width=int(data["out_width"]),
            files=tuple(rtl_dir / f for f in data["files"]),
            **_wrapper_fields(data),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectError(f"{path}: missing or bad field {exc}") from None
    if manifest.ii != 1:
        raise ProjectError(f"{path}: ii={manifest.ii}; the simulators only handle II=1 designs")
    if manifest.latency < 0:
        raise ProjectError(f"{path}: negative latency_cycles {manifest.latency}")
    _check_layout(manifest.inputs, manifest.in_width, "in_data", str(path))
    _check_layout(manifest.outputs, manifest.out_width, "out_data", str(path))
    missing = [str(f) for f in manifest.files if not f.is_file()]
    if missing:
        raise ProjectError(f"{path}: Verilog files listed but missing: {', '.join(missing)}")
    return manifest


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
