"""Templates the backends fill: they only place values computed elsewhere.

``rtl/``: the Verilog top module, one module per layer, the hls4ml-style wrapper and the
testbench (Jinja2), filled by :mod:`trigc.compiler.backends.rtl.project`.
"""
