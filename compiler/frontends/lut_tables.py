"""hls4ml's own sigmoid and tanh tables, computed by hls4ml's own C++ code.

``nnet::sigmoid`` and ``nnet::tanh`` fill their lookup tables at run time with ``std::exp`` /
``tanh`` in C++ and round the results into the table type.  To make the IR executor, the C
simulation and the RTL read identical entries, trigc compiles that initialisation code (from
the installed hls4ml's ``nnet_activation.h``, with its ``ap_types``) with g++, runs it once per
(function, size, table type) and keeps the entries as the IR node's ``table`` constant.  (A
vendor HLS tool evaluates the same code when it synthesises the table; its math library could
differ from glibc's in the last bit of a float, which the C simulation cannot show.)
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import TrigcError
from ..fixed import FixedType

# function -> (hls4ml's table initialiser, the input range the table spans)
TABLES = {"sigmoid": ("init_sigmoid_table", 16), "tanh": ("init_tanh_table", 8)}
DEFAULT_TABLE_TYPE = FixedType(18, 8)  # hls4ml's default table_t
DEFAULT_TABLE_SIZE = 1024  # hls4ml's default table_size

_PROGRAM = """#include <cstdio>
#include "ap_fixed.h"
#include "nnet_utils/nnet_activation.h"
struct config {{
    typedef {table_t} table_t;
    static const unsigned table_size = {size};
}};
int main() {{
    static config::table_t table[{size}];
    nnet::{init}<config, {size}>(table);
    for (unsigned i = 0; i < {size}; i++)
        std::printf("%llu\\n", (unsigned long long)table[i].range({top}, 0).to_uint64());
    return 0;
}}
"""


def _templates() -> Path:
    import hls4ml  # noqa: PLC0415

    return Path(hls4ml.__file__).parent / "templates" / "vivado"


@functools.cache
def hls4ml_table(function: str, size: int, table_type: FixedType) -> tuple[int, ...]:
    """The mantissas (in ``table_type``) of hls4ml's ``function`` table of ``size`` entries."""
    init, _ = TABLES[function]
    if table_type.width > 64:
        raise TrigcError(f"a {function} table type wider than 64 bits is not supported")
    source = _PROGRAM.format(
        table_t=table_type.to_hls(), size=size, init=init, top=table_type.width - 1
    )
    with tempfile.TemporaryDirectory(prefix="trigc-lut-") as tmp:
        cpp, exe = Path(tmp) / "table.cpp", Path(tmp) / "table"
        cpp.write_text(source)
        templates = _templates()
        cmd = ["g++", "-O1", "-std=c++17", f"-I{templates / 'ap_types'}", f"-I{templates}"]
        built = subprocess.run(
            [*cmd, str(cpp), "-o", str(exe)], capture_output=True, text=True, check=False
        )
        if built.returncode != 0:
            raise TrigcError(f"could not build hls4ml's {function} table: {built.stderr[-2000:]}")
        run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    raw = np.array([int(v) for v in run.stdout.split()], dtype=object)
    if table_type.signed:  # two's complement of the width
        raw = np.where(raw >= 1 << (table_type.width - 1), raw - (1 << table_type.width), raw)
    return tuple(int(v) for v in raw)
