"""The CI-sized fuzz campaign: random valid models of every frontend, reference ≡ IR.

Fixed seeds, so a failure reproduces; hypothesis shrinks it and prints the spec, whose repr
is a one-line reproduction (``run_case(keras_case(ModelSpec(...)))``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from .build_hgq import hgq_specs
from .cases import hgq_case, keras_case, legacy_case, qonnx_case, torch_case
from .check import Case, rotating_seed, run_case
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
    _assert_ok(qonnx_case(spec))


@seed(20261205)
@settings(CAMPAIGN, max_examples=15)
@given(mlp_specs())
def test_float_onnx_models_are_declared_approximated(spec):
    _assert_ok(torch_case(spec))


@seed(20261209)
@settings(CAMPAIGN, max_examples=30)
@given(hgq_specs())
def test_hgq_proxy_models_emulator_equals_ir(spec):
    """Per-element quantizers of random widths (0 included) and every rounding and overflow
    mode: the NumPy reading of the file and the C++ emulator against the IR."""
    outcome = run_case(hgq_case(spec), backends=("emu",), vectors=2000)
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert {"numpy", "emu"} <= set(outcome.compared)


@seed(20261211)
@settings(CAMPAIGN, max_examples=6)
@given(hgq_specs())
def test_hgq_proxy_models_rtl_equals_ir(spec):
    """The per-element casts in trigc's RTL (Verilator harness)."""
    outcome = run_case(hgq_case(spec), backends=("rtl",), vectors=2000)
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert "rtl" in outcome.compared


@seed(20261210)
@settings(CAMPAIGN, max_examples=3)
@given(hgq_specs())
def test_hgq_proxy_models_c_simulation_equals_ir(spec):
    """hls4ml's FixedPointQuantizer (its generated per-element casts) in C simulation."""
    outcome = run_case(hgq_case(spec), backends=("hls",), csim_vectors=300)
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert "hls-csim" in outcome.compared


@pytest.mark.sim
@seed(20261206)
@settings(CAMPAIGN, max_examples=12)
@given(keras_specs())
def test_firmware_of_keras_models_equals_ir(spec):
    """The HLS C simulation, the RTL (Verilator harness) and the C++ emulator of random
    models."""
    outcome = run_case(keras_case(spec), backends=("hls", "rtl", "emu"))
    expected = {"hls-csim", "rtl", "emu"}
    if outcome.status == "refused" and "hls4ml" in outcome.detail:
        # a documented limit of hls4ml (e.g. batch norm fused into a binary activation's
        # thresholds): the rtl and emu backends must still compile and match
        outcome = run_case(keras_case(spec), backends=("rtl", "emu"))
        expected = {"rtl", "emu"}
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert expected <= set(outcome.compared)


@seed(20261208)
@settings(CAMPAIGN, max_examples=20)
@given(keras_specs())
def test_emulator_of_keras_models_equals_ir(spec):
    """The C++ emulator of random models (every layer kind the fuzzer draws)."""
    outcome = run_case(keras_case(spec), backends=("emu",), vectors=2000)
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert "emu" in outcome.compared


@pytest.mark.sim
@seed(20261207)
@settings(CAMPAIGN, max_examples=2)
@given(keras_specs())
def test_cocotb_protocol_of_keras_models(spec):
    """The cocotb protocol testbench (Verilator) on random models' RTL."""
    outcome = run_case(keras_case(spec), backends=("rtl",), protocol_sims=("verilator",))
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.detail[-2000:])
    assert outcome.protocol == 1


@seed(rotating_seed())
@settings(CAMPAIGN, max_examples=40)
@given(keras_specs())
def test_keras_models_with_the_rotating_seed(spec):
    """A new draw each day (the seed is in the test run's header): 40 Keras models."""
    _assert_ok(keras_case(spec))
