#include <catch2/catch.hpp>

#include <limits>
#include <random>

#include "compiler/driver/compile.h"
#include "compiler/ops/qfast.h"
#include "runtime/kiln_int8_fast.h"
#include "runtime/kiln_int8_fc.h"

using namespace kiln;

namespace {

// The reference output stage (ties to even) and RequantHalfUp's (SMMLA's portable twin, a shift).
int32_t reference(int32_t acc, QuantMultiplier q, int32_t zp) { return zp + multiply_by_quantized_multiplier(acc, q); }
int32_t half_up(int32_t acc, QuantMultiplier q, int32_t zp) {
  const int S = -1 - q.shift;
  return dsp::mul_hi_add(acc, q.mult, zp * (1 << S) + (1 << (S - 1))) >> S;
}

}  // namespace

TEST_CASE("half_up_exact admits RequantHalfUp only where it equals the reference rounding", "[ops][quant]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> e(-14.0, -2.1);
  std::uniform_int_distribution<int32_t> zp(-128, 255);
  int admitted = 0;
  for (int i = 0; i < 3000; ++i) {
    QuantMultiplier q = quantize_multiplier(std::pow(2.0, e(rng)));
    if (i % 3 == 0) q.mult &= ~((1 << (i % 24)) - 1);  // trailing zeros make ties reachable
    const int64_t bound = int64_t(1) << (8 + i % 23);
    const int32_t z = zp(rng);
    if (!half_up_exact(q, bound, z)) continue;
    ++admitted;
    std::uniform_int_distribution<int64_t> acc(-bound, bound);
    for (int k = 0; k < 200; ++k) {
      const int32_t a = static_cast<int32_t>(acc(rng));
      REQUIRE(half_up(a, q, z) == reference(a, q, z));
    }
    REQUIRE(half_up(static_cast<int32_t>(bound), q, z) == reference(static_cast<int32_t>(bound), q, z));
    REQUIRE(half_up(static_cast<int32_t>(-bound), q, z) == reference(static_cast<int32_t>(-bound), q, z));
  }
  CHECK(admitted > 1000);
}

TEST_CASE("half_up_exact refuses a multiplier whose ties an accumulator reaches", "[ops][quant]") {
  // mult = 2^30, shift -2: acc * 2^30 / 2^33 = acc / 8; acc = 4 is a tie (0.5 -> 0 to even, 1 up).
  const QuantMultiplier q{1 << 30, -2};
  CHECK(reference(4, q, 0) == 0);
  CHECK(half_up(4, q, 0) == 1);
  CHECK_FALSE(half_up_exact(q, 4, 0));
  CHECK(half_up_exact(q, 3, 0));
  CHECK_FALSE(half_up_exact(QuantMultiplier{1 << 30, -1}, 3, 0));  // S = 0: not this stage's form
  CHECK_FALSE(half_up_exact(QuantMultiplier{1 << 30, -2}, int64_t(1) << 31, 0));  // int32 overflow
}

TEST_CASE("fast weight layouts put each weight where the kernels read it", "[ops][quant]") {
  Tensor w;
  w.dtype = DType::kInt8;
  w.shape = {3, 5};
  w.alloc();
  for (int i = 0; i < 15; ++i) w.as_mut<int8_t>()[i] = static_cast<int8_t>(i - 7);
  auto lanes = [](const Tensor& t, size_t i) {
    const int32_t v = t.as<int32_t>()[i];
    return std::make_pair(dsp::lo16(v), dsp::hi16(v));
  };
  // GEMM: pair (0, 1), group k0..3 then k4..7 (k >= 5 zero), then channel 2 alone.
  Tensor g = gemm_weights("g", w, 3, 5);
  REQUIRE(g.numel() == 2 * 4 + 2 * 2);
  CHECK(lanes(g, 0) == std::make_pair(-7, -6));  // w[0][0], w[0][1]
  CHECK(lanes(g, 2) == std::make_pair(-2, -1));  // w[1][0], w[1][1]
  CHECK(lanes(g, 4) == std::make_pair(-3, 0));   // w[0][4], pad
  CHECK(lanes(g, 9) == std::make_pair(5, 6));    // w[2][2], w[2][3]
  // Fully connected: channels alone (N < 4): [k0k2, k1k3], then w[n][4] as a word.
  Tensor f = fc_weights("f", w, 3, 5);
  REQUIRE(f.numel() == 3 * 3);
  CHECK(lanes(f, 0) == std::make_pair(-7, -5));
  CHECK(lanes(f, 1) == std::make_pair(-6, -4));
  CHECK(f.as<int32_t>()[2] == -3);
}

TEST_CASE("the DSP kernels go to cores with the DSP extension unless --no-dsp-kernels", "[ops][quant]") {
  auto code = [](const std::string& target, bool dsp) {
    CompileOptions o;
    o.model_path = std::string(KILN_SOURCE_DIR) + "/tests/qemu/int8_kernels/model.onnx";
    o.name = "net";
    o.target = target;
    o.dsp_kernels = dsp;
    auto r = compile_model(o);
    REQUIRE(r);
    return std::make_pair(r->module.files.at("net.cpp"), r->module.arena_bytes);
  };
  const auto m4 = code("cortex-m4", true), m4_ref = code("cortex-m4", false), m3 = code("cortex-m3", true);
  for (const char* k : {"qconv_pointwise_fast<", "qdepthwise3x3_fast<", "qconv_im2col_fast<", "qfully_connected_fast<",
                        "QAddLut", "qglobal_avgpool_fast<"}) {
    CHECK(m4.first.find(k) != std::string::npos);
    CHECK(m4_ref.first.find(k) == std::string::npos);
    CHECK(m3.first.find(k) == std::string::npos);
  }
  // Without DSP (or with --no-dsp-kernels): runtime/kiln_int8_nodsp.h.
  for (const char* k : {"qdepthwise_plane<", "qconv2d_rows<"}) {
    CHECK(m4.first.find(k) == std::string::npos);
    CHECK(m4_ref.first.find(k) != std::string::npos);
    CHECK(m3.first.find(k) != std::string::npos);
  }
}

TEST_CASE("narrow weight layouts put each int8 weight where SXTB16 unpacks it", "[ops][quant]") {
  Tensor w;
  w.dtype = DType::kInt8;
  w.shape = {3, 5};
  w.alloc();
  for (int i = 0; i < 15; ++i) w.as_mut<int8_t>()[i] = static_cast<int8_t>(i - 7);
  auto lanes = [](const Tensor& t, size_t i, bool odd) {
    const int32_t v = t.as<int32_t>()[i];
    const int32_t u = odd ? dsp::sxtb16_ror8(v) : dsp::sxtb16(v);
    return std::make_pair(dsp::lo16(u), dsp::hi16(u));
  };
  // GEMM: the int16 layout's pairs, one word per channel and group: (k0, k1) even, (k2, k3) odd.
  Tensor g = gemm_weights_narrow("g", w, 3, 5);
  REQUIRE(g.numel() == 2 * 2 + 2);
  CHECK(lanes(g, 0, false) == std::make_pair(-7, -6));  // w[0][0], w[0][1]
  CHECK(lanes(g, 0, true) == std::make_pair(-5, -4));   // w[0][2], w[0][3]
  CHECK(lanes(g, 1, false) == std::make_pair(-2, -1));  // w[1][0], w[1][1]
  CHECK(lanes(g, 2, false) == std::make_pair(-3, 0));   // w[0][4], pad
  CHECK(lanes(g, 5, true) == std::make_pair(0, 0));     // w[2] group 1: w[2][6], w[2][7] pad
  CHECK(lanes(g, 4, true) == std::make_pair(5, 6));     // w[2][2], w[2][3]
  // Fully connected: [k0 k1 k2 k3] per channel (SXTB16: (k0, k2), ROR #8: (k1, k3)), then the tail word.
  Tensor f = fc_weights_narrow("f", w, 3, 5);
  REQUIRE(f.numel() == 3 * 2);
  CHECK(lanes(f, 0, false) == std::make_pair(-7, -5));
  CHECK(lanes(f, 0, true) == std::make_pair(-6, -4));
  CHECK(static_cast<int8_t>(f.as<int32_t>()[1] & 0xFF) == -3);
  // A weight outside int8 (uint8 weights with their zero point taken off) has no narrow layout.
  CHECK(fits_int8(w));
  Tensor wide;
  wide.dtype = DType::kInt32;
  wide.shape = {1, 2};
  wide.alloc();
  wide.as_mut<int32_t>()[1] = 200;
  CHECK_FALSE(fits_int8(wide));
}

namespace {

// Random int8 weights [M, K] and the int16 (wide) and int8 (narrow) layouts of one kind.
struct Weights {
  Tensor w;
  std::vector<int32_t> wide, narrow;
};

Weights random_weights(std::mt19937& rng, int64_t M, int64_t K, bool fc) {
  Weights r;
  r.w.dtype = DType::kInt8;
  r.w.shape = {M, K};
  r.w.alloc();
  std::uniform_int_distribution<int> d(-128, 127);
  for (int64_t i = 0; i < M * K; ++i) r.w.as_mut<int8_t>()[i] = static_cast<int8_t>(d(rng));
  Tensor a = fc ? fc_weights("a", r.w, M, K) : gemm_weights("a", r.w, M, K);
  Tensor b = fc ? fc_weights_narrow("b", r.w, M, K) : gemm_weights_narrow("b", r.w, M, K);
  r.wide.assign(a.as<int32_t>(), a.as<int32_t>() + a.numel());
  r.narrow.assign(b.as<int32_t>(), b.as<int32_t>() + b.numel());
  return r;
}

template <typename XT>
std::vector<XT> random_input(std::mt19937& rng, int64_t n) {
  std::uniform_int_distribution<int> d(std::numeric_limits<XT>::min(), std::numeric_limits<XT>::max());
  std::vector<XT> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<XT>(d(rng));
  return v;
}

// Reference accumulators: bias + sum_k w[m, k] * x_k for x read by `at(m, p, k)`'s index.
template <int M, int C, int P, typename XT>
void pointwise_case(std::mt19937& rng) {
  Weights w = random_weights(rng, M, C, false);
  std::vector<XT> x = random_input<XT>(rng, C * P);
  std::vector<int32_t> bias(M), wide(M * P), narrow(M * P), scratch((C + 3) / 4 * 4);
  for (auto& b : bias) b = static_cast<int32_t>(rng() % 2001) - 1000;
  qconv_pointwise_fast<C, P, M, true>(x.data(), w.wide.data(), bias.data(), wide.data(), scratch.data(), StoreAcc{});
  qconv_pointwise_fast<C, P, M, false>(x.data(), w.narrow.data(), bias.data(), narrow.data(), scratch.data(), StoreAcc{});
  for (int m = 0; m < M; ++m)
    for (int p = 0; p < P; ++p) {
      int32_t s = bias[m];
      for (int c = 0; c < C; ++c) s += int_elem(w.w, m * C + c) * static_cast<int32_t>(x[c * P + p]);
      REQUIRE(wide[m * P + p] == s);
      REQUIRE(narrow[m * P + p] == s);
    }
}

template <int C, int H, int W, int M, int K, int S, int PAD, typename XT>
void im2col_case(std::mt19937& rng) {
  constexpr int OH = (H + 2 * PAD - K) / S + 1, OW = (W + 2 * PAD - K) / S + 1, KK = C * K * K;
  Weights w = random_weights(rng, M, KK, false);
  std::vector<XT> x = random_input<XT>(rng, C * H * W);
  const int32_t zx = static_cast<int32_t>(x[0]);
  std::vector<int32_t> bias(M, 7), wide(M * OH * OW), narrow(M * OH * OW), scratch((KK + 3) / 4 * 4);
  qconv_im2col_fast<C, H, W, M, K, K, OH, OW, S, S, PAD, PAD, 1, 1, C, true>(x.data(), w.wide.data(), bias.data(), zx,
                                                                            wide.data(), scratch.data(), StoreAcc{});
  qconv_im2col_fast<C, H, W, M, K, K, OH, OW, S, S, PAD, PAD, 1, 1, C, false>(x.data(), w.narrow.data(), bias.data(), zx,
                                                                             narrow.data(), scratch.data(), StoreAcc{});
  REQUIRE(wide == narrow);
  // One output against the definition: channel M - 1 at the last pixel (padding reads zx).
  int32_t s = 7;
  for (int c = 0; c < C; ++c)
    for (int kh = 0; kh < K; ++kh)
      for (int kw = 0; kw < K; ++kw) {
        const int ih = (OH - 1) * S - PAD + kh, iw = (OW - 1) * S - PAD + kw;
        const int32_t v = ih >= 0 && ih < H && iw >= 0 && iw < W ? static_cast<int32_t>(x[(c * H + ih) * W + iw]) : zx;
        s += int_elem(w.w, (M - 1) * KK + (c * K + kh) * K + kw) * v;
      }
  REQUIRE(narrow.back() == s);
}

template <int ROWS, int N, int K, typename XT>
void fc_case(std::mt19937& rng) {
  Weights w = random_weights(rng, N, K, true);
  std::vector<XT> x = random_input<XT>(rng, ROWS * K);
  std::vector<int32_t> bias(N, -3), wide(ROWS * N), narrow(ROWS * N);
  qfully_connected_fast<ROWS, N, K, true>(x.data(), w.wide.data(), bias.data(), wide.data(), StoreAcc{});
  qfully_connected_fast<ROWS, N, K, false>(x.data(), w.narrow.data(), bias.data(), narrow.data(), StoreAcc{});
  for (int i = 0; i < ROWS; ++i)
    for (int n = 0; n < N; ++n) {
      int32_t s = -3;
      for (int k = 0; k < K; ++k) s += int_elem(w.w, n * K + k) * static_cast<int32_t>(x[i * K + k]);
      REQUIRE(wide[i * N + n] == s);
      REQUIRE(narrow[i * N + n] == s);
    }
}

}  // namespace

TEST_CASE("int8-weight GEMM and fully connected kernels equal the int16-weight ones and the definition",
          "[ops][quant]") {
  std::mt19937 rng(11);
  pointwise_case<3, 5, 7, int8_t>(rng);     // odd channels, odd pixels, C < 4
  pointwise_case<6, 13, 9, uint8_t>(rng);   // C not a multiple of 4
  pointwise_case<9, 64, 5, int8_t>(rng);    // the assembly loop's whole groups plus a tail
  im2col_case<3, 7, 6, 5, 3, 2, 1, int8_t>(rng);   // first layer: 3 channels, stride 2, padding
  im2col_case<5, 6, 7, 4, 3, 1, 1, uint8_t>(rng);  // K = 45: groups of four plus a padded one
  fc_case<1, 7, 13, int8_t>(rng);     // one block of six and a lone channel; K % 4 = 1
  fc_case<2, 12, 38, uint8_t>(rng);   // two rows; K % 4 = 2
  fc_case<1, 6, 67, int8_t>(rng);     // the assembly loop (K >= 16) and a tail of 3
}
