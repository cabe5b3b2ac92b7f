"""Identifiers for generated code: the reserved words of C++ and Verilog, and the names
trigc derives from model, layer and tensor names (one place for every backend)."""

from __future__ import annotations

import re

CPP_KEYWORDS = frozenset(
    "alignas alignof and asm auto bool break case catch char class const constexpr continue "
    "default delete do double else enum explicit export extern false float for friend goto if "
    "inline int long mutable namespace new not operator or private protected public register "
    "return short signed sizeof static struct switch template this throw true try typedef "
    "typename union unsigned using virtual void volatile while xor".split()
)

VERILOG_KEYWORDS = frozenset(
    "always and assign automatic begin buf case casex casez cell config deassign default "
    "defparam design disable edge else end endcase endconfig endfunction endgenerate endmodule "
    "endprimitive endspecify endtable endtask event for force forever fork function generate "
    "genvar if ifnone initial inout input instance integer join large liblist library localparam "
    "macromodule medium module nand negedge nor not or output parameter posedge primitive pulldown "
    "pullup real realtime reg release repeat scalared signed small specify specparam strong0 "
    "strong1 supply0 supply1 table task time tran tri tri0 tri1 triand trior trireg unsigned use "
    "vectored wait wand weak0 weak1 while wire wor xnor xor "
    # SystemVerilog keywords (Verilator reads .v files as SystemVerilog by default)
    "alias always_comb always_ff always_latch assert assume before bind bins binsof bit break "
    "byte chandle checker class clocking const constraint context continue cover covergroup "
    "coverpoint cross dist do endchecker endclass endclocking endgroup endinterface endpackage "
    "endprogram endproperty endsequence enum eventually expect export extends extern final "
    "first_match foreach forkjoin global iff ignore_bins illegal_bins implements implies import "
    "inside int interconnect interface intersect join_any join_none let local logic longint "
    "matches modport nettype new nexttime null package packed priority program property "
    "protected pure rand randc randcase randsequence ref reject_on restrict return s_always "
    "s_eventually s_nexttime s_until s_until_with sequence shortint shortreal soft solve static "
    "string strong struct super sync_accept_on sync_reject_on tagged this throughout timeprecision "
    "timeunit type typedef union unique unique0 until until_with untyped var virtual void "
    "wait_order weak wildcard with within".split()
)


def identifier(name: str) -> str:
    """A C++- and Verilog-safe identifier derived from a model or layer name."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.match(r"[A-Za-z_]", ident):
        ident = "l_" + ident
    if ident.lower() in CPP_KEYWORDS | VERILOG_KEYWORDS:
        ident += "_"
    return ident


def verilog_identifier(name: str) -> str:
    """A Verilog identifier made from a tensor or node name (never starting with ``_``)."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return text if text and not text[0].isdigit() and text[0] != "_" else f"n{text}"
