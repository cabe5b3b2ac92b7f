"""The CI-sized fuzz campaign: random valid models of every frontend, reference ≡ IR.

Fixed seeds, so a failure reproduces; hypothesis shrinks it and prints the spec, whose repr
is a one-line reproduction (``run_case(keras_case(ModelSpec(...)))``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from .build_onnx import write_qonnx, write_torch
from .cases import keras_case, legacy_case
from .check import Case, run_case
from .specs import keras_specs, mlp_specs

pytestmark = pytest.mark.slow
CAMPAIGN = settings(
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.generate, Phase.shrink],
)


def _assert_ok(case: Case) -> None:
    outcome = run_case(case)
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])


@seed(20261202)
@settings(CAMPAIGN, max_examples=60)
@given(keras_specs())
def test_keras_models_equal_their_ir(spec):
    _assert_ok(keras_case(spec))


@seed(20261203)
@settings(CAMPAIGN, max_examples=30)
@given(mlp_specs())
def test_legacy_keras_files_equal_their_ir(spec):
    _assert_ok(legacy_case(spec))


@seed(20261204)
@settings(CAMPAIGN, max_examples=40)
@given(mlp_specs())
def test_qonnx_models_equal_their_ir(spec):
    _assert_ok(Case("qonnx", lambda tmp: write_qonnx(spec, tmp)))


@seed(20261205)
@settings(CAMPAIGN, max_examples=15)
@given(mlp_specs())
def test_float_onnx_models_are_declared_approximated(spec):
    _assert_ok(Case("torch", lambda tmp: write_torch(spec, tmp), approximates=True))
