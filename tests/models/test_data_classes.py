"""Truth labelling of jets: which partons of a Pythia event record form each class's object."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.models.data.classes import CLASS_NAMES, get_class

# (id, status, mother1) of hand-made event records; 0 is the system, 1-2 the beams.
W_PLUS_JET = [
    (90, -11, 0), (2212, -12, 0), (2212, -12, 0),
    (2, -21, 1), (21, -21, 2),  # 3, 4: incoming
    (24, -22, 3), (2, 23, 3),  # 5: W, 6: recoiling quark
    (24, -44, 5),  # 7: W after ISR recoil
    (2, 23, 7), (-1, 23, 7),  # 8, 9: W → u d̄
]  # fmt: skip
TOP_PAIR = [
    (90, -11, 0), (2212, -12, 0), (2212, -12, 0),
    (21, -21, 1), (21, -21, 2),
    (6, -22, 3), (-6, -22, 3),  # 5 t, 6 t̄
    (6, -62, 5),  # 7: t after showers
    (24, -22, 7), (5, 23, 7),  # 8 W+, 9 b
    (24, -44, 8), (2, 23, 10), (-1, 23, 10),  # 10 W+ copy → 11 u, 12 d̄
    (-24, -22, 6), (-5, 23, 6),  # 13 W-, 14 b̄
    (1, 23, 13), (-2, 23, 13),  # 15 d, 16 ū
]  # fmt: skip
DIJET = [
    (90, -11, 0), (2212, -12, 0), (2212, -12, 0),
    (21, -21, 1), (2, -21, 2),
    (21, 23, 3), (2, 23, 3), (4, 23, 3),  # a gluon, a u quark and a c quark
]  # fmt: skip


def _objects(name, record):
    pdg_id, status, mother = (np.array(column) for column in zip(*record, strict=True))
    return get_class(name).truth_objects(pdg_id, status, mother)


@pytest.mark.parametrize(
    ("name", "record", "expected"),
    [
        ("g", DIJET, [[5]]),
        ("q", DIJET, [[6]]),  # c is not a light quark
        ("w", W_PLUS_JET, [[8, 9]]),
        ("g", W_PLUS_JET, []),
        ("q", W_PLUS_JET, [[6]]),  # the recoil, not the W's decay quarks
        ("z", W_PLUS_JET, []),
        ("t", TOP_PAIR, [[9, 11, 12], [14, 15, 16]]),
        ("t", W_PLUS_JET, []),
    ],
)
def test_truth_objects(name, record, expected):
    assert _objects(name, record) == expected


def test_class_order_matches_the_hls4ml_data_set():
    assert CLASS_NAMES == ("g", "q", "w", "z", "t")
    with pytest.raises(KeyError, match="valid classes: g, q, w, z, t"):
        get_class("b")
