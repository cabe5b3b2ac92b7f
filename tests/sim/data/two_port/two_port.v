// Hand-written DUT following the trigc RTL contract: two inputs, two outputs, ports wider than
// 64 bits, unsigned and rounded/saturated outputs; II 1, latency 3 (four register stages).
//   ra = relu(a) as ufixed<13,5>          a: 5 x fixed<14,6>   (in_data[69:0])
//   qb = cast<fixed<4,2,RND,SAT>>(b)      b: 3 x fixed<5,2>    (in_data[84:70])
//   out_data = {qb[2], qb[1], qb[0], ra[4], ..., ra[0]}  (ra at bit 0, qb at bit 65)
`default_nettype none

module two_port_relu (
    input  wire [13:0] a,
    output wire [12:0] y
);
    assign y = a[13] ? 13'd0 : a[12:0];
endmodule

module two_port_round_sat (
    input  wire [4:0] b,
    output wire [3:0] y
);
    // frac 3 -> frac 2 rounding half up: floor((b + 1) / 2), then saturate to [-8, 7]
    wire signed [5:0] rounded = ($signed({b[4], b}) + 6'sd1) >>> 1;
    assign y = (rounded > 6'sd7) ? 4'b0111 : (rounded < -6'sd8) ? 4'b1000 : rounded[3:0];
endmodule

module two_port (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [84:0] in_data,
    output wire        out_valid,
    output wire [76:0] out_data
);
    reg [84:0] s1;
    reg [76:0] s2, s3, s4;
    reg        v1, v2, v3, v4;

    wire [76:0] comb;
    genvar i;
    generate
        for (i = 0; i < 5; i = i + 1) begin : g_relu
            two_port_relu u (.a(s1[14*i +: 14]), .y(comb[13*i +: 13]));
        end
        for (i = 0; i < 3; i = i + 1) begin : g_round
            two_port_round_sat u (.b(s1[70 + 5*i +: 5]), .y(comb[65 + 4*i +: 4]));
        end
    endgenerate

    always @(posedge clk) begin
        s1 <= in_data;
        s2 <= comb;
        s3 <= s2;
        s4 <= s3;
        if (rst) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
            v4 <= 1'b0;
        end else begin
            v1 <= in_valid;
            v2 <= v1;
            v3 <= v2;
            v4 <= v3;
        end
    end

    assign out_valid = v4;
    assign out_data  = s4;
endmodule

`default_nettype wire
