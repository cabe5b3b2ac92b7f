// Hand-written DUT following the trigc RTL contract: a 4-input dot product, II 1, latency 2
// (three register stages: a vector sampled at edge k is on out_data after edge k+2).
//   y = cast<fixed<12,4>,TRN,WRAP>( sum_i x[i] * w[i] + b )
//   x: 4 x fixed<8,3>   w: fixed<6,1> = [16, -24, 7, -32]   b: fixed<8,2> = -45
// Exact sum has 10 fractional bits; the output keeps 8 (floor) and wraps to 12 bits.
`default_nettype none

module dot4 (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [31:0] in_data,
    output reg         out_valid,
    output reg  [11:0] out_data
);
    // stage 0: register the inputs
    reg        [31:0] x;
    reg               v0;
    always @(posedge clk) begin
        x  <= in_data;
        v0 <= rst ? 1'b0 : in_valid;
    end
    wire signed [7:0] x0 = x[7:0];
    wire signed [7:0] x1 = x[15:8];
    wire signed [7:0] x2 = x[23:16];
    wire signed [7:0] x3 = x[31:24];

    // stage 1: products (x frac 5 * w frac 5 = frac 10)
    reg signed [13:0] p0, p1, p2, p3;
    reg               v1;
    always @(posedge clk) begin
        p0 <= x0 * 14'sd16;
        p1 <= x1 * -14'sd24;
        p2 <= x2 * 14'sd7;
        p3 <= x3 * -14'sd32;
        v1 <= rst ? 1'b0 : v0;
    end

    // stage 2: sum, add the bias aligned to frac 10, drop 2 bits (floor), wrap to 12 bits
    wire signed [19:0] acc = p0 + p1 + p2 + p3 + (-20'sd45 <<< 4);
    wire signed [19:0] shifted = acc >>> 2;
    always @(posedge clk) begin
        out_data  <= shifted[11:0];
        out_valid <= rst ? 1'b0 : v1;
    end
endmodule

`default_nettype wire
