"""The emulator project: lower the graph node by node, then place the code in the templates of
``firmware_templates/emu`` (a header-only C++17 emulator, its C interface, an example program
and a CMake file)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from trigc.firmware_templates import render

from ...ir.graph import Graph, Tensor
from ...names import identifier
from ..options import BackendOptions
from .arith import INT128, interface_storage
from .code import Buffer, Context, EmuCode
from .lowerings import lower_node

BLOCK = 8
"""Events per block: the length of the innermost (vectorized) loops."""

VALUES_PER_LINE = 16


@dataclass(frozen=True)
class EmuDesign:
    """The emulator of one graph: its code (data) and the files' text, by file name."""

    namespace: str
    code: EmuCode
    files: dict[str, str]


def _trigc_version() -> str:
    try:
        return version("trigc")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def lower_graph(graph: Graph) -> EmuCode:
    """The emulator's buffers, tables and steps for ``graph``."""
    ctx = Context(graph)
    for node in graph.nodes:
        lower_node(ctx, node)
    return ctx.code


def _table_values(values: tuple[int, ...], literal: Any) -> str:
    rows = [values[k : k + VALUES_PER_LINE] for k in range(0, len(values), VALUES_PER_LINE)]
    return ",\n".join("    " + ", ".join(literal(v) for v in row) for row in rows)


def _tensors(
    tensors: list[Tensor], code: EmuCode, buffers: dict[str, Buffer]
) -> list[dict[str, Any]]:
    """Template values of the model's inputs or outputs, laid out one after another."""
    rows, offset = [], 0
    for t in tensors:
        interface_storage(t.type, f"model input or output {t.name!r}")
        buffer = code.tensor_buffer[t.name]
        rows.append(
            {
                "name": t.name,
                "size": t.size,
                "offset": offset,
                "type": str(t.type),
                "width": t.type.width,
                "frac": t.type.frac,
                "signed": str(t.type.signed).lower(),
                "rounding": t.type.rounding,
                "overflow": t.type.overflow,
                "buffer": buffer,
                "ctype": buffers[buffer].ctype.name,
            }
        )
        offset += t.size
    return rows


def _fracs(tensors: list[dict[str, Any]]) -> str:
    return "{" + ", ".join(str(t["frac"]) for t in tensors for _ in range(t["size"])) + "}"


def generate(graph: Graph, options: BackendOptions) -> EmuDesign:
    """The emulator project's files for a typed graph."""
    code = lower_graph(graph)
    namespace = identifier(options.project_name)
    buffers = {b.name: b for b in code.buffers}
    inputs = _tensors([n.output for n in graph.inputs], code, buffers)
    outputs = _tensors([graph.tensor(name) for name in graph.outputs], code, buffers)
    header = f"{namespace}.hpp"
    values: dict[str, Any] = {
        "header": header,
        "c_header": f"{namespace}_c.h",
        "c_source": f"{namespace}_c.cpp",
        "namespace": namespace,
        "export": f"{namespace.upper()}_EXPORT",
        "guard": f"{namespace.upper()}_HPP",
        "c_guard": f"{namespace.upper()}_C_H",
        "model": graph.name,
        "version": _trigc_version(),
        "uses_int128": any(INT128.name in line for step in code.steps for line in step.lines),
        "inputs": inputs,
        "outputs": outputs,
        "input_size": sum(t["size"] for t in inputs),
        "output_size": sum(t["size"] for t in outputs),
        "input_fracs": _fracs(inputs),
        "output_fracs": _fracs(outputs),
        "block": BLOCK,
        "tables": [
            {
                "name": t.name,
                "ctype": t.ctype.name,
                "size": max(len(t.values), 1),
                "text": _table_values(t.values or (0,), t.ctype.literal),
            }
            for t in code.tables
        ],
        "buffers": [
            {"name": b.name, "ctype": b.ctype.name, "size": max(b.size, 1)} for b in code.buffers
        ],
        "steps": [
            {
                "comment": f"{s.node}: {s.op}"
                + (f" (layer {s.origin})" if s.origin and s.origin != s.node else ""),
                "lines": s.lines,
            }
            for s in code.steps
        ],
    }
    names = {
        header: "model.hpp.j2",
        f"{namespace}_c.h": "model_c.h.j2",
        f"{namespace}_c.cpp": "model_c.cpp.j2",
        "example.cpp": "example.cpp.j2",
        "CMakeLists.txt": "CMakeLists.txt.j2",
    }
    files = {name: render("emu", t, **values) for name, t in names.items()}
    return EmuDesign(namespace, code, files)


def write_project(design: EmuDesign, outdir: Path) -> list[Path]:
    """Write the files below ``outdir``; returns their paths, sorted."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in sorted(design.files.items()):
        path = outdir / name
        path.write_text(text)
        paths.append(path)
    return paths
