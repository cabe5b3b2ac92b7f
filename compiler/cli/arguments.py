"""argparse types shared by the commands: each turns a flag's text into a typed value or an
error that names the flag's value and what is valid."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from ..ir.fixed import FixedType, FixedTypeError


def fixed_type(text: str) -> FixedType:
    """An input type such as ``fixed<16,6>`` (at most the widest quantized width)."""
    from ..frontends.layers.quantizers import MAX_QUANTIZED_WIDTH  # noqa: PLC0415

    try:
        t = FixedType.parse(text)
    except FixedTypeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if t.width > MAX_QUANTIZED_WIDTH:
        raise argparse.ArgumentTypeError(
            f"{text!r}: {t.width} bits; inputs may be at most {MAX_QUANTIZED_WIDTH} bits wide"
        )
    return t


def backends(text: str) -> tuple[str, ...]:
    """Comma-separated backend names, each known and named once."""
    from ..backends import BACKENDS  # noqa: PLC0415

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    valid = ", ".join(sorted(BACKENDS))
    if not names:
        raise argparse.ArgumentTypeError(f"no backend named; give one or more of {valid}")
    for n in names:
        if n not in BACKENDS:
            raise argparse.ArgumentTypeError(f"unknown backend {n!r}; valid: {valid}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names a backend twice")
    return names


def positive_float(text: str) -> float:
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number > 0")
    return value


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {minimum}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its message
    return parse


def part(text: str) -> str:
    """An FPGA part name (device-package-speed grade)."""
    from ..devices import DEVICES, is_part_name  # noqa: PLC0415

    if not is_part_name(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an FPGA part name (device-package-speed grade, such as "
            f"xcvu9p-flga2104-2L-e; devices with resource figures: {', '.join(DEVICES)})"
        )
    return text


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """``--inputs``, ``--branches`` and ``--quantize-inputs`` (verify and patterns)."""
    p.add_argument(
        "--inputs",
        default=None,
        metavar="SPEC",
        help="input vectors: x.npy, data.npz:ARRAY, data.h5:DATASET, events.root:TREE "
        "(with --branches), x.csv",
    )
    p.add_argument(
        "--branches",
        type=lambda s: [b for b in s.split(",") if b],
        default=None,
        help="comma-separated ROOT branches, one per input element, in order",
    )
    p.add_argument(
        "--quantize-inputs",
        action="store_true",
        help="round values off the input grid with the input type's rounding and overflow "
        "modes (reported) instead of refusing them",
    )


def project_argument(p: argparse.ArgumentParser) -> None:
    """The positional project directory."""
    p.add_argument("project", type=Path, help="project directory written by trigc compile")
