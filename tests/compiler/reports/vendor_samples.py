# ruff: noqa: E501  (vendor tables are wider than our line limit, kept verbatim)
"""Report texts in the formats of the AMD/Xilinx tools, written out by the tests.

The layouts follow what Vivado HLS 2019.2, Vitis HLS 2023.2 and Vivado 2020-2023 print; the
numbers are made up.
"""

VITIS_CSYNTH_RPT = """\
================================================================
== Vitis HLS Report for 'tiny_mlp'
================================================================
* Date:           Tue Jan  9 10:00:00 2024

* Version:        2023.2 (Build 4023990 on Oct 11 2023)
* Project:        tiny_mlp_prj
* Solution:       solution1 (Vivado IP Flow Target)
* Product family: virtexuplus
* Target device:  xcvu9p-flga2104-2L-e


================================================================
== Performance Estimates
================================================================
+ Timing:
    * Summary:
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  4.00 ns|  2.917 ns|     1.08 ns|
    +--------+---------+----------+------------+

+ Latency:
    * Summary:
    +---------+---------+-----------+-----------+-----+-----+---------+
    |  Latency (cycles) |   Latency (absolute)  |  Interval | Pipeline|
    |   min   |   max   |    min    |    max    | min | max |   Type  |
    +---------+---------+-----------+-----------+-----+-----+---------+
    |        4|        5|  16.000 ns|  20.000 ns|    1|    1|      yes|
    +---------+---------+-----------+-----------+-----+-----+---------+

    + Detail:
        * Instance:
        N/A

================================================================
== Utilization Estimates
================================================================
* Summary:
+---------------------+---------+------+---------+---------+-----+
|         Name        | BRAM_18K|  DSP |    FF   |   LUT   | URAM|
+---------------------+---------+------+---------+---------+-----+
|DSP                  |        -|     3|        -|        -|    -|
|Expression           |        -|     -|        0|      412|    -|
|FIFO                 |        -|     -|        -|        -|    -|
|Instance             |        2|     4|      120|      300|    -|
|Memory               |        -|     -|        -|        -|    -|
|Multiplexer          |        -|     -|        -|        -|    -|
|Register             |        -|     -|      230|       32|    -|
+---------------------+---------+------+---------+---------+-----+
|Total                |        2|     7|      350|      744|    0|
+---------------------+---------+------+---------+---------+-----+
|Available SLR        |     1440|  2280|   788160|   394080|  320|
+---------------------+---------+------+---------+---------+-----+
|Utilization SLR (%)  |       ~0|    ~0|       ~0|       ~0|    0|
+---------------------+---------+------+---------+---------+-----+
|Available            |     4320|  6840|  2364480|  1182240|  960|
+---------------------+---------+------+---------+---------+-----+
|Utilization (%)      |       ~0|    ~0|       ~0|       ~0|    0|
+---------------------+---------+------+---------+---------+-----+

+ Detail:
    * Instance:
    +--------------------------+--------------------+---------+----+-----+-----+-----+
    |         Instance         |       Module       | BRAM_18K| DSP|  FF | LUT | URAM|
    +--------------------------+--------------------+---------+----+-----+-----+-----+
    |call_ret_dense_fc0_fu_60  |dense_latency_fc0   |        2|   4|  120|  300|    0|
    +--------------------------+--------------------+---------+----+-----+-----+-----+
    |Total                     |                    |        2|   4|  120|  300|    0|
    +--------------------------+--------------------+---------+----+-----+-----+-----+

================================================================
== Interface
================================================================
"""

VIVADO_HLS_CSYNTH_RPT = """\
================================================================
== Vivado HLS Report for 'myproject'
================================================================
* Date:           Thu Apr  2 12:00:00 2020

* Version:        2019.2 (Build 2704478 on Wed Nov 06 22:10:23 MST 2019)
* Project:        myproject_prj
* Solution:       solution1
* Product family: virtexuplus
* Target device:  xcvu9p-flga2104-2L-e


================================================================
== Performance Estimates
================================================================
+ Timing (ns):
    * Summary:
    +--------+-------+----------+------------+
    |  Clock | Target| Estimated| Uncertainty|
    +--------+-------+----------+------------+
    |ap_clk  |   5.00|     4.368|        0.62|
    +--------+-------+----------+------------+

+ Latency:
    * Summary:
    +---------+---------+-----------+-----------+-----+-----+----------+
    |  Latency (cycles) |   Latency (absolute)  |  Interval | Pipeline |
    |   min   |   max   |    min    |    max    | min | max |   Type   |
    +---------+---------+-----------+-----------+-----+-----+----------+
    |        9|        9| 45.000 ns | 45.000 ns |    1|    1| function |
    +---------+---------+-----------+-----------+-----+-----+----------+

================================================================
== Utilization Estimates
================================================================
* Summary:
+-----------------+---------+-------+--------+--------+-----+
|       Name      | BRAM_18K| DSP48E|   FF   |   LUT  | URAM|
+-----------------+---------+-------+--------+--------+-----+
|DSP              |        -|      -|       -|       -|    -|
|Expression       |        -|      -|       0|      12|    -|
|Instance         |        0|     62|    4210|   12034|    -|
|Register         |        -|      -|     880|       -|    -|
+-----------------+---------+-------+--------+--------+-----+
|Total            |        0|     62|    5090|   12046|    0|
+-----------------+---------+-------+--------+--------+-----+
|Available        |     4320|   6840| 2364480| 1182240|  960|
+-----------------+---------+-------+--------+--------+-----+
|Utilization (%)  |        0|     ~0|      ~0|       1|    0|
+-----------------+---------+-------+--------+--------+-----+
"""

CSYNTH_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion>
    <Version>2023.2</Version>
  </ReportVersion>
  <UserAssignments>
    <unit>ns</unit>
    <ProductFamily>virtexuplus</ProductFamily>
    <Part>xcvu9p-flga2104-2L-e</Part>
    <TopModelName>tiny_mlp</TopModelName>
    <TargetClockPeriod>4.00</TargetClockPeriod>
    <ClockUncertainty>1.08</ClockUncertainty>
    <FlowTarget>vivado</FlowTarget>
  </UserAssignments>
  <PerformanceEstimates>
    <PipelineType>yes</PipelineType>
    <SummaryOfTimingAnalysis>
      <unit>ns</unit>
      <EstimatedClockPeriod>3.125</EstimatedClockPeriod>
    </SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency>
      <unit>clock cycles</unit>
      <Best-caseLatency>6</Best-caseLatency>
      <Average-caseLatency>6</Average-caseLatency>
      <Worst-caseLatency>6</Worst-caseLatency>
      <Best-caseRealTimeLatency>24.000 ns</Best-caseRealTimeLatency>
      <Average-caseRealTimeLatency>24.000 ns</Average-caseRealTimeLatency>
      <Worst-caseRealTimeLatency>24.000 ns</Worst-caseRealTimeLatency>
      <Interval-min>1</Interval-min>
      <Interval-max>1</Interval-max>
    </SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources>
      <BRAM_18K>0</BRAM_18K>
      <DSP>5</DSP>
      <FF>512</FF>
      <LUT>1530</LUT>
      <URAM>0</URAM>
    </Resources>
    <AvailableResources>
      <BRAM_18K>4320</BRAM_18K>
      <DSP>6840</DSP>
      <FF>2364480</FF>
      <LUT>1182240</LUT>
      <URAM>960</URAM>
    </AvailableResources>
  </AreaEstimates>
</profile>
"""

VIVADO_UTIL_XCUP = """\
Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.
---------------------------------------------------------------------------------------------
| Tool Version : Vivado v.2022.2 (lin64) Build 3671981 Fri Oct 14 04:59:54 MDT 2022
| Date         : Tue Jan  9 11:00:00 2024
| Command      : report_utilization -file vivado_synth.rpt
| Design       : tiny_mlp
| Device       : xcvu9p-flga2104-2L-e
| Design State : Synthesized
---------------------------------------------------------------------------------------------

Utilization Design Information

Table of Contents
-----------------
1. CLB Logic
1.1 Summary of Registers by Type
2. BLOCKRAM
3. ARITHMETIC

1. CLB Logic
------------

+----------------------------+------+-------+------------+-----------+-------+
|          Site Type         | Used | Fixed | Prohibited | Available | Util% |
+----------------------------+------+-------+------------+-----------+-------+
| CLB LUTs*                  | 1480 |     0 |          0 |   1182240 |  0.13 |
|   LUT as Logic             | 1470 |     0 |          0 |   1182240 |  0.12 |
|   LUT as Memory            |   10 |     0 |          0 |    591840 | <0.01 |
| CLB Registers              |  498 |     0 |          0 |   2364480 |  0.02 |
|   Register as Flip Flop    |  498 |     0 |          0 |   2364480 |  0.02 |
| CARRY8                     |   40 |     0 |          0 |    147780 |  0.03 |
+----------------------------+------+-------+------------+-----------+-------+

2. BLOCKRAM
-----------

+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    |  1.5 |     0 |          0 |      2160 |  0.07 |
|   RAMB36/FIFO*    |    1 |     0 |          0 |      2160 |  0.05 |
|   RAMB18          |    1 |     0 |          0 |      4320 |  0.02 |
| URAM              |    2 |     0 |          0 |       960 |  0.21 |
+-------------------+------+-------+------------+-----------+-------+

3. ARITHMETIC
-------------

+----------------+------+-------+------------+-----------+-------+
|    Site Type   | Used | Fixed | Prohibited | Available | Util% |
+----------------+------+-------+------------+-----------+-------+
| DSPs           |    5 |     0 |          0 |      6840 |  0.07 |
|   DSP48E2 only |    5 |       |            |           |       |
+----------------+------+-------+------------+-----------+-------+

7. Primitives
-------------

+----------+------+---------------------+
| Ref Name | Used | Functional Category |
+----------+------+---------------------+
| FDRE     |  498 |            Register |
| URAM288  |    2 |           Block Ram |
+----------+------+---------------------+
"""

VIVADO_UTIL_XC7 = """\
| Device       : 7vx690tffg1927-2
| Design State : Synthesized

1. Slice Logic
--------------

+-------------------------+------+-------+-----------+-------+
|        Site Type        | Used | Fixed | Available | Util% |
+-------------------------+------+-------+-----------+-------+
| Slice LUTs*             | 2200 |     0 |    433200 |  0.51 |
| Slice Registers         |  900 |     0 |    866400 |  0.10 |
+-------------------------+------+-------+-----------+-------+

2. Memory
---------

+-------------------+------+-------+-----------+-------+
|     Site Type     | Used | Fixed | Available | Util% |
+-------------------+------+-------+-----------+-------+
| Block RAM Tile    |    0 |     0 |      1470 |  0.00 |
+-------------------+------+-------+-----------+-------+

3. DSP
------

+-----------+------+-------+-----------+-------+
| Site Type | Used | Fixed | Available | Util% |
+-----------+------+-------+-----------+-------+
| DSPs      |   12 |     0 |      3600 |  0.33 |
+-----------+------+-------+-----------+-------+
"""

VIVADO_UTIL_HIERARCHICAL = """\
| Device       : xcvu9p-flga2104-2L-e
| Design State : Routed

1. Utilization by Hierarchy
---------------------------

+----------------------+---------------+------------+------------+---------+------+------+--------+--------+------+------------+
|       Instance       |     Module    | Total LUTs | Logic LUTs | LUTRAMs | SRLs |  FFs | RAMB36 | RAMB18 | URAM | DSP Blocks |
+----------------------+---------------+------------+------------+---------+------+------+--------+--------+------+------------+
| tiny_mlp             |         (top) |       1500 |       1490 |       0 |   10 |  520 |      1 |      2 |    0 |          6 |
|   fc0                |  tiny_mlp_fc0 |        900 |        900 |       0 |    0 |  300 |      1 |      0 |    0 |          4 |
|     mul_u            |         mul_3 |        100 |        100 |       0 |    0 |   10 |      0 |      0 |    0 |          0 |
|   fc1                |  tiny_mlp_fc1 |        580 |        570 |       0 |   10 |  200 |      0 |      2 |    0 |          2 |
+----------------------+---------------+------------+------------+---------+------+------+--------+--------+------+------------+
"""
