// Hand-written hls4ml-style (Vitis, io_parallel, ap_ctrl_hs, ap_vld ports) wrapper of dot4,
// following the trigc contract: ports <name> / <name>_ap_vld per tensor, II 1, same latency.
`default_nettype none

module dot4_hls_wrapper (
    input  wire        ap_clk,
    input  wire        ap_rst,
    input  wire        ap_start,
    output wire        ap_done,
    output wire        ap_idle,
    output wire        ap_ready,
    input  wire [31:0] x,
    input  wire        x_ap_vld,
    output wire [11:0] y,
    output wire        y_ap_vld
);
    wire accept = ap_start & x_ap_vld;
    dot4 core (
        .clk(ap_clk),
        .rst(ap_rst),
        .in_valid(accept),
        .in_data(x),
        .out_valid(y_ap_vld),
        .out_data(y)
    );

    // vectors inside the pipeline: idle means none in flight and no start request
    reg [1:0] in_flight;
    always @(posedge ap_clk) begin
        if (ap_rst) in_flight <= 2'd0;
        else in_flight <= in_flight + {1'b0, accept} - {1'b0, y_ap_vld};
    end

    assign ap_ready = ap_start & x_ap_vld;
    assign ap_done  = y_ap_vld;
    assign ap_idle  = ~ap_start & (in_flight == 2'd0);
endmodule

`default_nettype wire
