"""verify's one verdict rule, and its results as JSON."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.conftest import random_dense_graph
from trigc.compiler.passes import infer_precision
from trigc.compiler.verify.decide import FIRMWARE, decides
from trigc.compiler.verify.result import Comparison, VerifyResult, format_result


def project(exact: bool):
    return SimpleNamespace(reference_exact=exact, graph=infer_precision.run(random_dense_graph()))


@pytest.mark.parametrize("exact", [True, False])
def test_firmware_always_decides_and_keras_float32_never(exact):
    p = project(exact)
    assert all(decides(p, kind) for kind in FIRMWARE)
    assert not decides(p, "keras-float32")
    assert decides(p, "keras-prefix")  # made only where the prefix is the exact function


def test_the_models_framework_decides_when_the_ir_is_the_models_exact_function():
    for kind in ("keras", "numpy", "onnx", "hgq"):  # hgq: float32 holds this small model
        assert decides(project(True), kind) and not decides(project(False), kind)
    with pytest.raises(ValueError, match="no verdict rule for a comparison named 'spice'"):
        decides(project(True), "spice")


def test_a_comparison_that_does_not_decide_never_fails_and_says_so():
    same = Comparison("rtl", 10, 10, 0.1)
    info = Comparison("keras-float32", 3, 10, 0.1, first_mismatch=0, informative=True)
    bad = Comparison("emu", 9, 10, 0.1, first_mismatch=4, outputs=np.zeros(1))
    assert same.ok and info.ok and not bad.ok
    result = VerifyResult(10, 2, [same, info])
    assert result.ok and format_result(result).endswith("PASS: every output identical, bit for bit")
    assert result.to_json()["comparisons"]["keras-float32"] == {
        "identical": 3,
        "total": 10,
        "informative": True,
    }
    failed = VerifyResult(10, 2, [same, bad])
    assert not failed.ok and failed.to_json()["ok"] is False
    assert format_result(failed).endswith("FAIL: outputs differ")
    with pytest.raises(AttributeError):
        same.identical = 9  # type: ignore[misc]  # comparisons are immutable
