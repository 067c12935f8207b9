// The int8 kernels for cores without DSP (runtime/kiln_int8_nodsp.h) equal the reference kernels
// of kiln_int8.h bit for bit, out of place and in place.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "compiler/ops/quant_util.h"
#include "runtime/kiln_int8_nodsp.h"

namespace {

// Output stage with a per-channel effect, so a wrong channel index shows.
struct ShiftOut {
  int8_t operator()(int32_t acc, int m) const {
    int32_t v = (acc >> 6) + m;
    return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
};
// The accumulator itself: every sum compared exactly.
struct RawOut {
  int32_t operator()(int32_t acc, int) const { return acc; }
};

// qdepthwise_plane against qconv2d (group = C) on full-range int8 (or uint8) inputs with the
// zero point folded into the bias as the compiler does (bias = B - x_zp * wsum).
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT>
void check_depthwise(int32_t x_zp) {
  std::mt19937 rng(C * 1000 + H * 10 + SH);
  std::uniform_int_distribution<int> dx(static_cast<XT>(-1) < 0 ? -128 : 0, static_cast<XT>(-1) < 0 ? 127 : 255);
  std::uniform_int_distribution<int> dw(-128, 127);
  std::vector<XT> x(C * H * W);
  std::vector<int8_t> w(C * KH * KW);
  std::vector<int32_t> bias(C), wsum(C, 0);
  for (auto& v : x) v = static_cast<XT>(dx(rng));
  for (auto& v : w) v = static_cast<int8_t>(dw(rng));
  for (int c = 0; c < C; ++c) {
    for (int i = 0; i < KH * KW; ++i) wsum[c] += w[c * KH * KW + i];
    bias[c] = dw(rng) * 40 - x_zp * wsum[c];
  }
  constexpr int HP = (OH - 1) * SH + (KH - 1) * DH + 1, WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  std::vector<XT> plane(HP * WP, static_cast<XT>(7));  // stale values must not leak in
  std::vector<int32_t> want(C * OH * OW), got(C * OH * OW);
  kiln::qconv2d<C, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, C>(x.data(), w.data(), bias.data(), wsum.data(),
                                                                        x_zp, want.data(), RawOut{});
  kiln::qdepthwise_plane<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(x.data(), w.data(), bias.data(), x_zp,
                                                                          got.data(), plane.data(), RawOut{});
  CHECK(got == want);
  // In place, through the 8-bit output stage: the output over its own input.
  std::vector<int8_t> want8(C * OH * OW);
  kiln::qconv2d<C, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, C>(x.data(), w.data(), bias.data(), wsum.data(),
                                                                        x_zp, want8.data(), ShiftOut{});
  if (sizeof(XT) == 1 && OH * OW <= H * W) {
    std::vector<XT> xy = x;
    kiln::qdepthwise_plane<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(
        xy.data(), w.data(), bias.data(), x_zp, reinterpret_cast<int8_t*>(xy.data()), plane.data(), ShiftOut{});
    for (int i = 0; i < C * OH * OW; ++i) CHECK(static_cast<int8_t>(xy[i]) == want8[i]);
  }
}

// qconv2d_rows against qconv2d (one group) the same way, with int16 weights too (a weight zero
// point that does not fit int8 after subtraction).
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT>
void check_rows(int32_t x_zp) {
  constexpr int K = C * KH * KW;
  std::mt19937 rng(C * 31 + M * 7 + KH);
  std::uniform_int_distribution<int> dx(static_cast<XT>(-1) < 0 ? -128 : 0, static_cast<XT>(-1) < 0 ? 127 : 255);
  std::uniform_int_distribution<int> dw(sizeof(WT) == 1 ? -128 : -255, 127);
  std::vector<XT> x(C * H * W);
  std::vector<WT> w(M * K);
  std::vector<int32_t> bias(M), wsum(M, 0);
  for (auto& v : x) v = static_cast<XT>(dx(rng));
  for (auto& v : w) v = static_cast<WT>(dw(rng));
  for (int m = 0; m < M; ++m) {
    for (int i = 0; i < K; ++i) wsum[m] += w[m * K + i];
    bias[m] = dw(rng) * 40 - x_zp * wsum[m];
  }
  constexpr int WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  std::vector<XT> rows(C * KH * WP, static_cast<XT>(9));
  std::vector<int32_t> want(M * OH * OW), got(M * OH * OW);
  kiln::qconv2d<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, 1>(x.data(), w.data(), bias.data(), wsum.data(),
                                                                        x_zp, want.data(), RawOut{});
  kiln::qconv2d_rows<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(x.data(), w.data(), bias.data(), x_zp,
                                                                         got.data(), rows.data(), RawOut{});
  CHECK(got == want);
}

}  // namespace

TEST_CASE("qconv2d_rows equals the reference convolution bit for bit", "[runtime][int8]") {
  SECTION("3x3, stride 1, pads on every side, odd channel counts, 10 pixels a row") {
    check_rows<3, 7, 10, 5, 3, 3, 8, 10, 1, 1, 1, 1, 1, 1, int8_t, int8_t>(-7);  // pads 1, 1, 2, 1
  }
  SECTION("3x2 dilated, stride 2, uint8 with a zero point, int16 weights") {
    check_rows<2, 9, 11, 4, 3, 2, 4, 5, 2, 2, 2, 1, 2, 2, uint8_t, int16_t>(200);
  }
  SECTION("10x4 at stride 2 (KWS's first layer), one input channel") {
    check_rows<1, 49, 10, 6, 10, 4, 25, 5, 2, 2, 4, 1, 1, 1, int8_t, int8_t>(3);
  }
  SECTION("1x1 at stride 2, 5x1") {
    check_rows<4, 6, 7, 3, 1, 1, 3, 4, 2, 2, 0, 0, 1, 1, int8_t, int8_t>(0);
    check_rows<2, 8, 5, 2, 5, 1, 8, 5, 1, 1, 2, 0, 1, 1, int8_t, int8_t>(-128);
  }
}

TEST_CASE("qdepthwise_plane equals the reference depthwise convolution bit for bit", "[runtime][int8]") {
  SECTION("3x3, stride 1, pads on every side, odd width") {
    check_depthwise<5, 9, 11, 3, 3, 10, 10, 1, 1, 1, 0, 1, 1, int8_t>(-3);  // pads: top 1, left 0, bottom 2, right 1
  }
  SECTION("3x3, stride 2, padded and not, uint8 with a zero point") {
    check_depthwise<3, 9, 11, 3, 3, 5, 6, 2, 2, 1, 1, 1, 1, uint8_t>(131);
    check_depthwise<4, 9, 11, 3, 3, 4, 5, 2, 2, 0, 0, 1, 1, int8_t>(17);
  }
  SECTION("5x3 dilated, stride 2 by 1, a width of 4 outputs and one") {
    check_depthwise<2, 12, 9, 5, 3, 4, 5, 2, 1, 2, 0, 2, 2, int8_t>(-128);
  }
  SECTION("KWS's shape: 25x5, 3x3, pad 1") {
    check_depthwise<6, 25, 5, 3, 3, 25, 5, 1, 1, 1, 1, 1, 1, int8_t>(0);
  }
}

namespace {

// quantize_thresholds with the compiler's table against quantize() on values around every
// rounding boundary (ties included), extremes, zeros of both signs, subnormals, infinities, NaN.
template <typename YT>
void check_quantize(float s, int32_t z) {
  const int32_t lo = kiln::QRange<YT>::lo, hi = kiln::QRange<YT>::hi;
  std::vector<int32_t> t = kiln::quantize_thresholds(s, z, lo, hi);
  REQUIRE(t.size() == 255u);
  std::vector<float> x = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f, __builtin_inff(), -__builtin_inff(),
                          __builtin_nanf(""), -__builtin_nanf("")};
  for (int k = -300; k <= 300; ++k) {
    const float b = (static_cast<float>(k) + 0.5f) * s;  // near a tie of round(x / s)
    x.push_back(b);
    x.push_back(std::nextafter(b, 1e30f));
    x.push_back(std::nextafter(b, -1e30f));
    x.push_back(static_cast<float>(k) * s);
  }
  std::mt19937 rng(static_cast<uint32_t>(z + 1000));
  std::uniform_real_distribution<float> d(-200.0f * s, 200.0f * s);
  for (int i = 0; i < 20000; ++i) x.push_back(d(rng));
  const int n = static_cast<int>(x.size());
  std::vector<YT> want(n), got(n);
  const YT zp = static_cast<YT>(z);
  for (int i = 0; i < n; ++i) {  // the reference kernel, element by element
    kiln::quantize<1, 1, 1>(&x[i], &s, &zp, &want[i]);
    kiln::quantize_thresholds<1>(&x[i], t.data(), &got[i]);
  }
  for (int i = 0; i < n; ++i) {
    INFO("x = " << x[i]);
    CHECK(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  }
}

}  // namespace

TEST_CASE("quantize_thresholds equals quantize() on every boundary, int8 and uint8", "[runtime][int8]") {
  check_quantize<int8_t>(0.0078125f, 0);     // a power of two: exact ties
  check_quantize<int8_t>(0.0236f, -13);
  check_quantize<uint8_t>(0.0039215689f, 0);  // 1 / 255
  check_quantize<uint8_t>(0.37f, 131);
  check_quantize<int8_t>(1e-30f, 5);         // tiny scale: everything saturates but zeros
}
