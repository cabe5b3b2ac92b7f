"""Fuzz cases per frontend: a spec and the file its frontend reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis.strategies import SearchStrategy

from trigc.compiler.ir.fixed import FixedType

from .build_hgq import HgqSpec, hgq_specs
from .check import Case
from .specs import ModelSpec, keras_specs, mlp_specs


def keras_case(spec: ModelSpec) -> Case:
    """``spec`` as a Keras 3 ``.keras`` file, as ``model.save`` writes it."""

    def write(tmp: Path) -> tuple[Path, Path | None]:
        from .build_keras import build_keras  # noqa: PLC0415

        path = tmp / "model.keras"
        build_keras(spec).save(path)
        return path, None

    in_type = FixedType.parse(spec.input_type) if spec.input_type else None
    return Case("keras", write, in_type, spec.approximates)


def legacy_case(spec: ModelSpec) -> Case:
    """``spec`` (a dense network) as a Keras 2 ``.h5`` file or ``.json`` + weights."""
    from .build_legacy import legacy_variant, write_legacy  # noqa: PLC0415

    variant = legacy_variant(spec)
    in_type = FixedType.parse(spec.input_type) if spec.input_type else None
    return Case("legacy", lambda tmp: write_legacy(variant, tmp), in_type, variant.approximates)


def qonnx_case(spec: ModelSpec) -> Case:
    """``spec`` (a dense network) as QONNX: ``Quant`` nodes of random widths and modes."""
    from .build_onnx import write_qonnx  # noqa: PLC0415

    return Case("qonnx", lambda tmp: write_qonnx(spec, tmp))


def torch_case(spec: ModelSpec) -> Case:
    """``spec`` as a float PyTorch module exported by ``torch.onnx.export``: trigc must
    declare it approximated (float weights cast to fixed<16,6>)."""
    from .build_onnx import write_torch  # noqa: PLC0415

    return Case("torch", lambda tmp: write_torch(spec, tmp), approximates=True)


def hgq_case(spec: HgqSpec) -> Case:
    """``spec`` as an HGQ proxy model: per-element quantizers of random widths and modes."""
    from .build_hgq import write_hgq_proxy  # noqa: PLC0415

    return Case("hgq", lambda tmp: write_hgq_proxy(spec, tmp))


@dataclass(frozen=True)
class Frontend:
    """How the fuzzer draws models for one frontend and writes them."""

    specs: Callable[[], SearchStrategy[Any]]
    case: Callable[[Any], Case]


FRONTENDS: dict[str, Frontend] = {
    "keras": Frontend(keras_specs, keras_case),
    "legacy": Frontend(mlp_specs, legacy_case),
    "qonnx": Frontend(mlp_specs, qonnx_case),
    "torch": Frontend(mlp_specs, torch_case),
    "hgq": Frontend(hgq_specs, hgq_case),
}
