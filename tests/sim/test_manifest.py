"""Reading rtl_manifest.json and packing vectors onto the data buses (no simulator needed)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends.rtl.manifest import Port, load_rtl_manifest
from trigc.compiler.errors import ProjectError
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.serialize import load_graph
from trigc.sim.manifest import ints_to_words, pack_vectors, unpack_vectors, words_to_ints


def test_load_manifest_reads_ports(two_port_dir: Path) -> None:
    m = load_rtl_manifest(two_port_dir)
    assert (m.top, m.latency_cycles, m.in_width, m.out_width) == ("two_port", 3, 85, 77)
    assert (m.in_words, m.out_words) == (3, 3)
    assert [p.name for p in m.inputs] == ["a", "b"]
    assert m.outputs[1].type == FixedType(4, 2, True, "RND", "SAT")
    assert m.inputs[1].offset == 70 and m.inputs[1].end == 85
    m.check_graph(load_graph(two_port_dir / "ir.json"))


def test_pack_places_element_zero_in_the_low_bits(dot4_dir: Path) -> None:
    m = load_rtl_manifest(dot4_dir)
    words = pack_vectors(m.inputs, m.in_width, [np.array([[1, -1, 0, 127]])])
    assert words_to_ints(words) == [0x7F00FF01]


def _random_mantissas(port: Port, rng: random.Random, n: int) -> np.ndarray:
    """Random mantissas over the port type's range, the first two vectors at min and max."""
    lo, hi = port.type.min_int, port.type.max_int
    flat = [lo] * port.size + [hi] * port.size
    flat += [rng.randint(lo, hi) for _ in range((n - 2) * port.size)]
    return np.array(flat, dtype=object if port.width > 62 else np.int64).reshape(n, *port.shape)


@pytest.mark.parametrize(
    "types",
    [
        ["fixed<8,3>", "ufixed<5,2>"],  # narrow, signed and unsigned, odd offsets
        ["fixed<31,6>", "ufixed<32,1>", "fixed<1,1>"],  # elements straddling words
        ["fixed<40,10>", "ufixed<64,4>", "fixed<63,3>"],  # 33..64-bit elements
        ["fixed<100,20>", "ufixed<70,2>"],  # beyond 64 bits
    ],
)
def test_pack_unpack_round_trip(types: list[str]) -> None:
    rng = random.Random(1)
    ports, offset = [], 3  # start off a word boundary on purpose
    for i, t in enumerate(types):
        ft = FixedType.parse(t)
        ports.append(Port(f"p{i}", (2, 3), ft, ft.width, offset))
        offset = ports[-1].end + i  # leave gaps of unused bits
    values = [_random_mantissas(p, rng, 50) for p in ports]
    words = pack_vectors(tuple(ports), offset, values)
    assert words.shape == (50, -(-offset // 32))
    for got, want in zip(unpack_vectors(tuple(ports), words), values, strict=True):
        assert got.shape == want.shape
        assert all(int(a) == int(b) for a, b in zip(got.ravel(), want.ravel(), strict=True))
    assert np.array_equal(ints_to_words(words_to_ints(words), words.shape[1]), words)


def test_pack_rejects_out_of_range_and_float(dot4_dir: Path) -> None:
    m = load_rtl_manifest(dot4_dir)
    with pytest.raises(ValueError, match="outside the range"):
        pack_vectors(m.inputs, m.in_width, [np.array([[128, 0, 0, 0]])])
    with pytest.raises(ValueError, match="integers"):
        pack_vectors(m.inputs, m.in_width, [np.zeros((1, 4))])
    with pytest.raises(ValueError, match="shape"):
        pack_vectors(m.inputs, m.in_width, [np.zeros((1, 5), dtype=int)])


def _write_manifest(tmp_path: Path, src: Path, **changes: object) -> Path:
    data = json.loads((src / "rtl_manifest.json").read_text())
    data.update(changes)
    (tmp_path / "rtl_manifest.json").write_text(json.dumps(data))
    for f in data["files"]:
        if (src / f).exists():
            (tmp_path / f).write_text((src / f).read_text())
    return tmp_path


def test_manifest_errors_name_the_problem(tmp_path: Path, two_port_dir: Path) -> None:
    with pytest.raises(ProjectError, match="rtl_manifest.json not found"):
        load_rtl_manifest(tmp_path)
    bad = json.loads((two_port_dir / "rtl_manifest.json").read_text())
    bad["inputs"][1]["offset"] = 60
    with pytest.raises(ProjectError, match="overlap"):
        load_rtl_manifest(_write_manifest(tmp_path, two_port_dir, inputs=bad["inputs"]))
    with pytest.raises(ProjectError, match="outside out_data"):
        load_rtl_manifest(_write_manifest(tmp_path, two_port_dir, out_width=70))
    with pytest.raises(ProjectError, match="II=1"):
        load_rtl_manifest(_write_manifest(tmp_path, two_port_dir, ii=2))
    with pytest.raises(ProjectError, match="missing: .*nope.v"):
        load_rtl_manifest(_write_manifest(tmp_path, two_port_dir, files=["nope.v"]))


def test_check_graph_catches_a_foreign_ir(dot4_dir: Path, two_port_dir: Path) -> None:
    with pytest.raises(ProjectError, match="do not match graph 'two_port'"):
        load_rtl_manifest(dot4_dir).check_graph(load_graph(two_port_dir / "ir.json"))
