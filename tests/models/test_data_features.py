"""The 16 jet features against a direct NumPy evaluation of their definitions."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from trigc.models.data.features import FEATURE_NAMES

ak = pytest.importorskip("awkward")
pytest.importorskip("fastjet")


def _particles(pt, y, phi):
    """px, py, pz, E of massless particles."""
    pt, y, phi = (np.asarray(v, np.float64) for v in (pt, y, phi))
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y), pt * np.cosh(y)], 1)


def _two_prong_jet(rng, soft_particle=False):
    """Two tight prongs (40% / 60% of the p_T) 0.4 apart; optionally a soft wide particle."""
    n = 6
    pt = np.r_[rng.dirichlet(np.ones(n)) * 400, rng.dirichlet(np.ones(n)) * 600]
    y = np.r_[rng.normal(0.2, 0.02, n), rng.normal(-0.2, 0.02, n)]
    phi = np.r_[rng.normal(1.0, 0.02, n), rng.normal(1.0, 0.02, n)]
    if soft_particle:
        pt, y, phi = np.r_[pt, 3.0], np.r_[y, 0.0], np.r_[phi, 1.7]
    return _particles(pt, y, phi)


def _reference(p):
    """The features by their definitions (pt_R measure), without grooming."""
    pt = np.hypot(p[:, 0], p[:, 1])
    y = 0.5 * np.log((p[:, 3] + p[:, 2]) / (p[:, 3] - p[:, 2]))
    phi = np.arctan2(p[:, 1], p[:, 0])
    z = pt / pt.sum()

    def angle(i, j):
        dphi = abs(phi[i] - phi[j])
        return np.hypot(y[i] - y[j], min(dphi, 2 * np.pi - dphi))

    pairs = list(combinations(range(len(z)), 2))
    e2 = {b: sum(z[i] * z[j] * angle(i, j) ** b for i, j in pairs) for b in (0, 1, 2)}
    e3, e3_min, e3_two = {}, {}, {}
    for b in (1, 2):
        triples = [
            (z[i] * z[j] * z[k], sorted([angle(i, j), angle(i, k), angle(j, k)]))
            for i, j, k in combinations(range(len(z)), 3)
        ]
        e3[b] = sum(w * (a[0] * a[1] * a[2]) ** b for w, a in triples)
        e3_min[b] = sum(w * a[0] ** b for w, a in triples)
        e3_two[b] = sum(w * (a[0] * a[1]) ** b for w, a in triples)
    total = p.sum(axis=0)
    return {
        "zlogz": np.sum(z * np.log(z)),
        "c1_b0_mmdt": e2[0], "c1_b1_mmdt": e2[1], "c1_b2_mmdt": e2[2],
        "c2_b1_mmdt": e3[1] / e2[1] ** 2, "c2_b2_mmdt": e3[2] / e2[2] ** 2,
        "d2_b1_mmdt": e3[1] / e2[1] ** 3, "d2_b2_mmdt": e3[2] / e2[2] ** 3,
        "d2_a1_b1_mmdt": e3[1] / e2[1] ** 3, "d2_a1_b2_mmdt": e3[1] / e2[2] ** 1.5,
        "m2_b1_mmdt": e3_min[1] / e2[1], "m2_b2_mmdt": e3_min[2] / e2[2],
        "n2_b1_mmdt": e3_two[1] / e2[1] ** 2, "n2_b2_mmdt": e3_two[2] / e2[2] ** 2,
        "mass_mmdt": np.sqrt(total[3] ** 2 - total[0] ** 2 - total[1] ** 2 - total[2] ** 2),
        "multiplicity": len(p),
    }  # fmt: skip


def _as_awkward(jets):
    fields = ("px", "py", "pz", "E")
    return ak.Array(
        [[dict(zip(fields, map(float, row), strict=True)) for row in jet] for jet in jets]
    )


def test_features_match_their_definitions():
    from trigc.models.data.features import jet_features

    rng = np.random.default_rng(5)
    jets = [_two_prong_jet(rng) for _ in range(3)]
    features = jet_features(_as_awkward(jets))
    assert features.shape == (3, len(FEATURE_NAMES))
    for jet, row in zip(jets, features, strict=True):
        expected = _reference(jet)  # grooming keeps both prongs: z = 0.4 > 0.1
        for name, value in zip(FEATURE_NAMES, row, strict=True):
            assert value == pytest.approx(expected[name], rel=1e-9), name


def test_grooming_drops_soft_wide_angle_radiation():
    from trigc.models.data.features import jet_features

    rng = np.random.default_rng(6)
    jet = _two_prong_jet(rng, soft_particle=True)
    (row,) = jet_features(_as_awkward([jet]))
    groomed = _reference(jet[:-1])
    ungroomed = _reference(jet)
    values = dict(zip(FEATURE_NAMES, row, strict=True))
    assert values["mass_mmdt"] == pytest.approx(groomed["mass_mmdt"], rel=1e-9)
    assert values["c2_b1_mmdt"] == pytest.approx(groomed["c2_b1_mmdt"], rel=1e-9)
    assert values["multiplicity"] == ungroomed["multiplicity"] == 13
    assert values["zlogz"] == pytest.approx(ungroomed["zlogz"], rel=1e-9)
