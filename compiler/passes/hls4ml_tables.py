"""hls4ml's own sigmoid, tanh and softmax tables, computed by hls4ml's own C++ code.

Not a pass itself: the tables :mod:`.tabulate_functions` puts into the graph.

``nnet::sigmoid``, ``nnet::tanh`` and ``nnet::softmax_latency`` fill their lookup tables at run
time with ``std::exp``, ``tanh`` or ``1 / x`` in C++ and round the results into the table type.
To make the IR executor, the C simulation and the RTL read identical entries, trigc compiles
that initialisation code (from the installed hls4ml's ``nnet_activation.h``, with its
``ap_types``) with g++, runs it once per table and keeps the entries as IR constants.  (A
vendor HLS tool evaluates the same code when it synthesises the tables; its math library could
differ from glibc's in the last bit of a float, which the C simulation cannot show.)
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

from ..errors import TrigcError
from ..ir.fixed import FixedType

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
    return _signed(_run_program(source, f"{function} table"), table_type)


SOFTMAX_TABLE_TYPE = FixedType(18, 8, True, "RND", "SAT")  # hls4ml's exp/inv table default

_SOFTMAX_PROGRAM = """#include <cstdio>
#include "ap_fixed.h"
#include "nnet_utils/nnet_activation.h"
struct config {{
    typedef {exp_t} exp_table_t;
    typedef {inv_t} inv_table_t;
    static const unsigned exp_table_size = {exp_size};
    static const unsigned inv_table_size = {inv_size};
    static constexpr float exp_scale = 1.0;
}};
int main() {{
    static config::exp_table_t exp_table[{exp_size}];
    static config::inv_table_t inv_table[{inv_size}];
    nnet::init_exp_table<{data_t}, config>(exp_table);
    nnet::init_invert_table<{inv_inp_t}, config>(inv_table);
    for (unsigned i = 0; i < {exp_size}; i++)
        std::printf("%llu\\n", (unsigned long long)exp_table[i].range({exp_top}, 0).to_uint64());
    for (unsigned i = 0; i < {inv_size}; i++)
        std::printf("%llu\\n", (unsigned long long)inv_table[i].range({inv_top}, 0).to_uint64());
    return 0;
}}
"""


def _run_program(source: str, what: str) -> list[int]:
    with tempfile.TemporaryDirectory(prefix="trigc-lut-") as tmp:
        cpp, exe = Path(tmp) / "table.cpp", Path(tmp) / "table"
        cpp.write_text(source)
        templates = _templates()
        cmd = ["g++", "-O1", "-std=c++17", f"-I{templates / 'ap_types'}", f"-I{templates}"]
        built = subprocess.run(
            [*cmd, str(cpp), "-o", str(exe)], capture_output=True, text=True, check=False
        )
        if built.returncode != 0:
            raise TrigcError(f"could not build hls4ml's {what}: {built.stderr[-2000:]}")
        run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    return [int(v) for v in run.stdout.split()]


def _signed(raw: list[int], t: FixedType) -> tuple[int, ...]:
    if not t.signed:
        return tuple(raw)
    return tuple(v - (1 << t.width) if v >= 1 << (t.width - 1) else v for v in raw)


@functools.cache
def hls4ml_softmax_tables(
    data_t: FixedType,
    exp_size: int,
    exp_t: FixedType,
    inv_inp_t: FixedType,
    inv_size: int,
    inv_t: FixedType,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The mantissas of ``nnet::softmax_latency``'s exponential table (addressed by the top
    bits of ``data_t``) and inverse table (addressed by the top bits of ``inv_inp_t``)."""
    source = _SOFTMAX_PROGRAM.format(
        exp_t=exp_t.to_hls(),
        inv_t=inv_t.to_hls(),
        exp_size=exp_size,
        inv_size=inv_size,
        data_t=data_t.to_hls(),
        inv_inp_t=inv_inp_t.to_hls(),
        exp_top=exp_t.width - 1,
        inv_top=inv_t.width - 1,
    )
    raw = _run_program(source, "softmax tables")
    return _signed(raw[:exp_size], exp_t), _signed(raw[exp_size:], inv_t)
