// Hand-written DUT for the report tests: a pipelined 4-3-2 MLP, one module per IR layer,
// following the trigc RTL contract (II 1; a vector sampled at edge k is on out_data after
// edge k+3).  The weights are those of ../ir.json (see ../../make_fixtures.py):
//   fc0:   fixed<16,6> = x . W0 + b0     x: 4 x fixed<8,3>, W0, b0: fixed<6,1>
//   relu0: ufixed<6,2,TRN,SAT> = relu(fc0)
//   fc1:   fixed<14,5> = relu0 . W1 + b1  W1, b1: fixed<6,1>
`default_nettype none

module tiny_mlp_fc0 (
    input  wire        clk,
    input  wire [31:0] x,
    output reg  [47:0] y
);
    wire signed [7:0] x0 = x[7:0];
    wire signed [7:0] x1 = x[15:8];
    wire signed [7:0] x2 = x[23:16];
    wire signed [7:0] x3 = x[31:24];
    // products have 10 fractional bits; the bias (5 fractional bits) is shifted by 5
    wire signed [15:0] s0 = x0 * 16'sd16 + x1 * 16'sd7 - x3 * 16'sd9 + (16'sd3 <<< 5);
    wire signed [15:0] s1 = -(x0 * 16'sd24) + x2 * 16'sd12 + x3 * 16'sd31 - (16'sd7 <<< 5);
    wire signed [15:0] s2 = -(x1 * 16'sd32) + x2 * 16'sd5 - x3 + (16'sd12 <<< 5);
    always @(posedge clk) y <= {s2, s1, s0};
endmodule

module tiny_mlp_relu0 (
    input  wire        clk,
    input  wire [47:0] x,
    output reg  [17:0] y
);
    // drop 6 fractional bits (floor), clamp to [0, 63]
    function automatic [5:0] relu_sat(input signed [15:0] v);
        reg signed [9:0] t;
        begin
            t = v >>> 6;
            relu_sat = t < 0 ? 6'd0 : (t > 63 ? 6'd63 : t[5:0]);
        end
    endfunction
    always @(posedge clk) y <= {relu_sat(x[47:32]), relu_sat(x[31:16]), relu_sat(x[15:0])};
endmodule

module tiny_mlp_fc1 (
    input  wire        clk,
    input  wire [17:0] x,
    output reg  [27:0] y
);
    wire signed [6:0] x0 = {1'b0, x[5:0]};
    wire signed [6:0] x1 = {1'b0, x[11:6]};
    wire signed [6:0] x2 = {1'b0, x[17:12]};
    // products have 9 fractional bits; the bias (5 fractional bits) is shifted by 4
    wire signed [13:0] s0 = x0 * 14'sd20 - x2 * 14'sd11 - (14'sd5 <<< 4);
    wire signed [13:0] s1 = -(x0 * 14'sd3) + x1 * 14'sd17 + x2 * 14'sd25 + (14'sd9 <<< 4);
    always @(posedge clk) y <= {s1, s0};
endmodule

module tiny_mlp (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [31:0] in_data,
    output reg         out_valid,
    output wire [27:0] out_data
);
    reg [31:0] x;
    reg [2:0]  valid;
    always @(posedge clk) begin
        x <= in_data;
        valid <= rst ? 3'b0 : {valid[1:0], in_valid};
        out_valid <= rst ? 1'b0 : valid[2];
    end
    wire [47:0] h0;
    wire [17:0] h1;
    tiny_mlp_fc0   fc0   (.clk(clk), .x(x),  .y(h0));
    tiny_mlp_relu0 relu0 (.clk(clk), .x(h0), .y(h1));
    tiny_mlp_fc1   fc1   (.clk(clk), .x(h1), .y(out_data));
endmodule

`default_nettype wire
