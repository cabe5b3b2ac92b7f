"""Fuzz cases per frontend: a spec and the file its frontend reads."""

from __future__ import annotations

from pathlib import Path

from trigc.compiler.fixed import FixedType

from .check import Case
from .specs import ModelSpec


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
