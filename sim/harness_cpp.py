"""C++ source of the Verilator bulk harness (kept in a module so it ships with the package).

The harness is generic: port widths come from the Verilated class (``CData`` ... ``VlWide<N>``)
through overloading, so one source serves every design.  Command line::

    harness IN_FILE OUT_FILE N_VECTORS LATENCY GAP_PERCENT SEED

It resets the design, streams ``N_VECTORS`` packed input vectors (``ceil(in_width/32)``
little-endian uint32 words each) with ``in_valid`` high back-to-back (or idle with probability
``GAP_PERCENT``/100 per cycle), checks after every rising edge that ``out_valid`` equals
``in_valid`` from exactly ``LATENCY`` edges earlier, and writes each valid ``out_data`` to
``OUT_FILE``.  On a protocol violation it prints one line starting ``trigc-harness:`` to stderr
and exits with status 3.
"""

HARNESS_SOURCE = r"""// trigc bulk simulation harness for Verilator (from trigc.sim; do not edit).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "Vdut.h"
#include "verilated.h"

namespace {

// Copy packed little-endian 32-bit words into a Verilated port and back.
inline void load(CData& p, const uint32_t* w) { p = static_cast<CData>(w[0]); }
inline void load(SData& p, const uint32_t* w) { p = static_cast<SData>(w[0]); }
inline void load(IData& p, const uint32_t* w) { p = w[0]; }
inline void load(QData& p, const uint32_t* w) { p = QData{w[0]} | (QData{w[1]} << 32); }
template <std::size_t N>
inline void load(VlWide<N>& p, const uint32_t* w) {
    for (std::size_t i = 0; i < N; ++i) p[i] = w[i];
}

inline void store(CData p, uint32_t* w) { w[0] = p; }
inline void store(SData p, uint32_t* w) { w[0] = p; }
inline void store(IData p, uint32_t* w) { w[0] = p; }
inline void store(QData p, uint32_t* w) {
    w[0] = static_cast<uint32_t>(p);
    w[1] = static_cast<uint32_t>(p >> 32);
}
template <std::size_t N>
inline void store(const VlWide<N>& p, uint32_t* w) {
    for (std::size_t i = 0; i < N; ++i) w[i] = p[i];
}

constexpr std::size_t words_for(std::size_t bits) { return (bits + 31) / 32; }

[[noreturn]] void fail(const char* what, const char* detail) {
    std::fprintf(stderr, "trigc-harness: %s %s\n", what, detail);
    std::exit(2);
}

// xorshift64: a fast, reproducible source for idle-cycle decisions.
struct Rng {
    uint64_t s;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
};

constexpr std::size_t kChunk = 1 << 14;        // vectors per read/write
constexpr uint64_t kLatencySearch = 10000;     // edges to wait for a late out_valid

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) fail("usage:", "harness IN OUT N LATENCY GAP_PERCENT SEED");
    const char* in_path = argv[1];
    const char* out_path = argv[2];
    const uint64_t n = std::strtoull(argv[3], nullptr, 10);
    const uint64_t latency = std::strtoull(argv[4], nullptr, 10);
    const uint64_t gap_percent = std::strtoull(argv[5], nullptr, 10);
    Rng rng{std::strtoull(argv[6], nullptr, 10) | 1};

    auto ctx = std::make_unique<VerilatedContext>();
    auto dut = std::make_unique<Vdut>(ctx.get());
    constexpr std::size_t in_words = words_for(sizeof(dut->in_data) * 8);
    constexpr std::size_t out_words = words_for(sizeof(dut->out_data) * 8);

    FILE* fin = std::fopen(in_path, "rb");
    if (!fin) fail("cannot open input file", in_path);
    FILE* fout = std::fopen(out_path, "wb");
    if (!fout) fail("cannot open output file", out_path);
    std::vector<uint32_t> in_buf(kChunk * in_words), out_buf(kChunk * out_words);
    std::vector<char> in_io(1 << 20), out_io(1 << 20);
    std::setvbuf(fin, in_io.data(), _IOFBF, in_io.size());
    std::setvbuf(fout, out_io.data(), _IOFBF, out_io.size());

    // Synchronous reset: hold rst for latency + 2 edges; out_valid must be low after each.
    dut->clk = 0;
    dut->rst = 1;
    dut->in_valid = 0;
    dut->eval();
    for (uint64_t i = 0; i < latency + 2; ++i) {
        dut->clk = 1;
        dut->eval();
        if (dut->out_valid) {
            std::fprintf(stderr, "trigc-harness: out_valid=1 after reset edge %llu\n",
                         static_cast<unsigned long long>(i));
            return 3;
        }
        dut->clk = 0;
        dut->eval();
    }
    dut->rst = 0;

    // history[t % (latency + 1)] = in_valid at edge t; out_valid after edge t must equal
    // in_valid at edge t - latency, which sits in slot (t + 1) % (latency + 1).
    std::vector<uint8_t> history(latency + 1, 0);
    uint64_t sent = 0, received = 0, in_chunk_left = 0, out_chunk_used = 0;
    const uint32_t* next_in = in_buf.data();
    uint64_t first_in = UINT64_MAX, first_out = UINT64_MAX;
    const uint64_t tail_edges = latency + 2;  // idle edges checked after the last output
    uint64_t tail = 0;
    for (uint64_t t = 0; tail < tail_edges; ++t) {
        bool valid = sent < n && !(gap_percent && rng.next() % 100 < gap_percent);
        if (valid) {
            if (in_chunk_left == 0) {
                const uint64_t want = (n - sent) < kChunk ? (n - sent) : kChunk;
                if (std::fread(in_buf.data(), sizeof(uint32_t) * in_words, want, fin) != want)
                    fail("input file too short:", in_path);
                in_chunk_left = want;
                next_in = in_buf.data();
            }
            load(dut->in_data, next_in);
            next_in += in_words;
            --in_chunk_left;
            ++sent;
            if (first_in == UINT64_MAX) first_in = t;
        }
        dut->in_valid = valid;
        dut->clk = 1;
        dut->eval();

        history[t % (latency + 1)] = valid;
        const bool expected = history[(t + 1) % (latency + 1)];
        const bool got = dut->out_valid;
        if (got && first_out == UINT64_MAX) first_out = t;
        if (got != expected) {
            std::fprintf(stderr,
                         "trigc-harness: after rising edge %llu out_valid=%d but in_valid at "
                         "edge %lld was %d (manifest latency_cycles %llu)",
                         static_cast<unsigned long long>(t), got ? 1 : 0,
                         static_cast<long long>(t) - static_cast<long long>(latency),
                         expected ? 1 : 0, static_cast<unsigned long long>(latency));
            // Late output: keep clocking (inputs idle) to tell the user the real latency.
            dut->in_valid = 0;
            for (uint64_t extra = 0; first_out == UINT64_MAX && extra < kLatencySearch; ++extra) {
                dut->clk = 0;
                dut->eval();
                dut->clk = 1;
                dut->eval();
                if (dut->out_valid) first_out = t + 1 + extra;
            }
            if (first_in != UINT64_MAX && first_out != UINT64_MAX)
                std::fprintf(stderr, "; the first vector was sampled at edge %llu and came out "
                             "after edge %llu: observed latency %lld",
                             static_cast<unsigned long long>(first_in),
                             static_cast<unsigned long long>(first_out),
                             static_cast<long long>(first_out) - static_cast<long long>(first_in));
            else if (first_in != UINT64_MAX)
                std::fprintf(stderr, "; out_valid never rose within %llu edges",
                             static_cast<unsigned long long>(kLatencySearch));
            std::fprintf(stderr, "\n");
            return 3;
        }
        if (got) {
            store(dut->out_data, &out_buf[out_chunk_used * out_words]);
            if (++out_chunk_used == kChunk) {
                std::fwrite(out_buf.data(), sizeof(uint32_t) * out_words, kChunk, fout);
                out_chunk_used = 0;
            }
            ++received;
        }
        if (received == n && !valid) ++tail;
        dut->clk = 0;
        dut->eval();
    }
    std::fwrite(out_buf.data(), sizeof(uint32_t) * out_words, out_chunk_used, fout);
    if (std::fclose(fout) != 0) fail("cannot write output file", out_path);
    std::fclose(fin);
    dut->final();
    std::printf("vectors %llu\n", static_cast<unsigned long long>(received));
    return 0;
}
"""
