// The vectorising kernels (runtime/kiln_simd.h, kiln_simd_int8.h; host target) against the reference
// kernels (runtime/kiln_conv.h, kiln_linalg.h) on shapes that are not multiples of the vector or
// row block: odd widths, padding, strides, dilations, fewer than four output channels.
#include <catch2/catch.hpp>

#include <climits>
#include <random>
#include <vector>

#include "runtime/kiln_conv.h"
#include "runtime/kiln_int8.h"
#include "runtime/kiln_int8_fast.h"
#include "runtime/kiln_linalg.h"
#include "runtime/kiln_simd.h"
#include "runtime/kiln_simd_int8.h"
#include "tests/test_util.h"

namespace {

struct Identity {
  float operator()(float v) const { return v; }
};

using kiln::test::random_floats;

// Output stage with a per-channel effect, so a wrong channel index shows; keeps 12 bits of the
// accumulator so any difference in it does too.
template <typename YT>
struct ShiftOut {
  YT operator()(int32_t acc, int m) const {
    const int32_t v = (acc >> 5) + 3 * m;
    return kiln::clamp_to<YT>(v, kiln::QRange<YT>::lo, kiln::QRange<YT>::hi);
  }
};

// Quantized weights minus their zero point (int8 or wider), a folded bias B - x_zp * wsum and
// wsum, as compiler/ops/qconv.cpp builds them.
template <typename XT, typename WT>
struct QConvCase {
  std::vector<XT> x;
  std::vector<WT> w;
  std::vector<int32_t> bias, wsum;
  int32_t x_zp;
  QConvCase(int xn, int M, int per_m, int32_t zp, int wlo, int whi, unsigned seed) : x(xn), w(M * per_m), bias(M), wsum(M), x_zp(zp) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> dx(kiln::QRange<XT>::lo, kiln::QRange<XT>::hi), dw(wlo, whi), db(-5000, 5000);
    for (auto& v : x) v = static_cast<XT>(dx(rng));
    for (auto& v : w) v = static_cast<WT>(dw(rng));
    for (int m = 0; m < M; ++m) {
      int32_t s = 0;
      for (int e = 0; e < per_m; ++e) s += w[m * per_m + e];
      wsum[m] = s;
      bias[m] = db(rng) - zp * s;
    }
  }
};

template <typename XT, typename WT, int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR,
          int DH = 1, int DW = 1>
void check_qdepthwise(int32_t x_zp, bool inplace = false) {
  constexpr int OH = (H + PT + PB - (KH - 1) * DH - 1) / SH + 1, OW = (W + PL + PR - (KW - 1) * DW - 1) / SW + 1;
  QConvCase<XT, WT> q(C * H * W, C, KH * KW, x_zp, -200, 200, C * 3 + H);
  std::vector<XT> want(C * OH * OW), got(C * OH * OW + 8, 77);
  std::vector<XT> plane(kiln::depthwise2d_simd_plane_floats(KH, KW, OH, OW, SH, SW, DH, DW));
  kiln::qconv2d<C, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, C>(q.x.data(), q.w.data(), q.bias.data(),
                                                                       q.wsum.data(), x_zp, want.data(), ShiftOut<XT>{});
  if (inplace) {
    std::vector<XT> buf = q.x;
    kiln::qdepthwise2d_simd_inplace<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(buf.data(), q.w.data(), q.bias.data(),
                                                                                     x_zp, plane.data(), ShiftOut<XT>{});
    for (size_t i = 0; i < want.size(); ++i) CHECK(static_cast<int>(buf[i]) == static_cast<int>(want[i]));
    return;
  }
  kiln::qdepthwise2d_simd<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(q.x.data(), q.w.data(), q.bias.data(), x_zp,
                                                                           plane.data(), got.data(), ShiftOut<XT>{});
  for (size_t i = 0; i < want.size(); ++i) CHECK(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  for (size_t i = want.size(); i < got.size(); ++i) CHECK(got[i] == 77);
}

// Weights [M, K] as int32 pairs (the low half w[m, 2j], the high half w[m, 2j + 1]), as
// compiler/ops/simd_util packs them for the pmaddwd kernels.
template <typename WT>
std::vector<int32_t> pairs(const std::vector<WT>& w, int M) {
  const int K = static_cast<int>(w.size()) / M, KP = (K + 1) / 2;
  std::vector<int32_t> r(M * KP);
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < KP; ++j) {
      const int32_t lo = w[m * K + 2 * j], hi = 2 * j + 1 < K ? w[m * K + 2 * j + 1] : 0;
      r[m * KP + j] = static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xffffu) | (static_cast<uint32_t>(hi) << 16));
    }
  return r;
}

template <typename XT, typename WT, int C, int H, int W, int M, int KH, int KW, int SH, int SW, int PT, int PL, int PB,
          int PR, int RB = 2>
void check_qconv_pairs(int32_t x_zp) {
  constexpr int OH = (H + PT + PB - KH) / SH + 1, OW = (W + PL + PR - KW) / SW + 1;
  QConvCase<XT, WT> q(C * H * W, M, C * KH * KW, x_zp, -255, 255, C * 5 + M + 1);
  std::vector<XT> want(M * OH * OW), got(M * OH * OW + 8, 77);
  std::vector<int16_t> col((C * KH * KW + 1) / 2 * 2 * kiln::qconv2d_pairs_cols(RB, OW));
  kiln::qconv2d<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, 1, 1, 1>(q.x.data(), q.w.data(), q.bias.data(),
                                                                     q.wsum.data(), x_zp, want.data(), ShiftOut<XT>{});
  auto w2 = pairs(q.w, M);
  kiln::qconv2d_pairs<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, 1, 1, RB>(q.x.data(), w2.data(), q.bias.data(), x_zp,
                                                                             col.data(), got.data(), ShiftOut<XT>{});
  for (size_t i = 0; i < want.size(); ++i) CHECK(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  for (size_t i = want.size(); i < got.size(); ++i) CHECK(got[i] == 77);
}

// Weights [M, C, KH, KW] as int32 pairs over channels (w[m, 2j, kh, kw] low, w[m, 2j + 1, kh, kw]
// high), as compiler/ops/simd_util packs them for qconv2d_pairs_direct.
template <typename WT>
std::vector<int32_t> channel_pairs(const std::vector<WT>& w, int M, int C, int T) {
  const int CP = (C + 1) / 2;
  std::vector<int32_t> r(M * CP * T);
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < CP; ++j)
      for (int t = 0; t < T; ++t) {
        const int32_t lo = w[(m * C + 2 * j) * T + t], hi = 2 * j + 1 < C ? w[(m * C + 2 * j + 1) * T + t] : 0;
        r[(m * CP + j) * T + t] =
            static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xffffu) | (static_cast<uint32_t>(hi) << 16));
      }
  return r;
}

template <typename XT, typename WT, int C, int H, int W, int M, int KH, int KW, int PT, int PL, int PB, int PR,
          int DH = 1, int DW = 1>
void check_qconv_pairs_direct(int32_t x_zp) {
  constexpr int OH = H + PT + PB - (KH - 1) * DH, OW = W + PL + PR - (KW - 1) * DW;
  QConvCase<XT, WT> q(C * H * W, M, C * KH * KW, x_zp, -255, 255, C * 7 + M + W);
  std::vector<XT> want(M * OH * OW), got(M * OH * OW + 8, 77);
  std::vector<int16_t> plane(kiln::qconv2d_pairs_direct_values(C, KH, KW, OH, OW, DH, DW));
  kiln::qconv2d<C, H, W, M, KH, KW, OH, OW, 1, 1, PT, PL, DH, DW, 1>(q.x.data(), q.w.data(), q.bias.data(),
                                                                     q.wsum.data(), x_zp, want.data(), ShiftOut<XT>{});
  auto w2 = channel_pairs(q.w, M, C, KH * KW);
  kiln::qconv2d_pairs_direct<C, H, W, M, KH, KW, OH, OW, PT, PL, DH, DW>(q.x.data(), w2.data(), q.bias.data(), x_zp,
                                                                         plane.data(), got.data(), ShiftOut<XT>{});
  for (size_t i = 0; i < want.size(); ++i) CHECK(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  for (size_t i = want.size(); i < got.size(); ++i) CHECK(got[i] == 77);
}

// K >= 0: in place with x K planes after y; -1: out of place.
template <typename XT, int C, int P, int M, int K = -1>
void check_qpointwise_pairs() {
  QConvCase<XT, int8_t> q(C * P, M, C, 0, -128, 127, C * 13 + P);
  std::vector<XT> want(M * P);
  kiln::qconv_pointwise<C, P, M>(q.x.data(), q.w.data(), q.bias.data(), want.data(), ShiftOut<XT>{});
  auto w2 = pairs(q.w, M);
  std::vector<int16_t> tmp((C + 1) / 2 * 32);
  constexpr int kN = (C > M ? C : M) * P;
  std::vector<XT> buf(kN + 8, 77), out(M * P + 8, 77);
  for (int i = 0; i < C * P; ++i) buf[(K < 0 ? 0 : K) * P + i] = q.x[i];
  XT* y = K < 0 ? out.data() : buf.data();
  kiln::qconv_pointwise_pairs<C, P, M>(buf.data() + (K < 0 ? 0 : K) * P, w2.data(), q.bias.data(), y, tmp.data(),
                                       ShiftOut<XT>{});
  for (int i = 0; i < M * P; ++i) CHECK(static_cast<int>(y[i]) == static_cast<int>(want[i]));
  if (K < 0)
    for (int i = M * P; i < M * P + 8; ++i) CHECK(out[i] == 77);
  else
    for (int i = kN; i < kN + 8; ++i) CHECK(buf[i] == 77);
}

// W [M, K] packed by four rows, as compiler/ops/nn_util's pack_rows4.
std::vector<float> pack4(const std::vector<float>& w, int M) {
  const int K = static_cast<int>(w.size()) / M, M4 = M / 4 * 4;
  std::vector<float> r = w;
  for (int m = 0; m < M4; ++m)
    for (int k = 0; k < K; ++k) r[(m / 4) * 4 * K + k * 4 + m % 4] = w[m * K + k];
  return r;
}

// Guard values after the output catch stores past its end.
constexpr float kGuard = 1234.5f;

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size() + 8);
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-5).margin(1e-5));
  for (size_t i = want.size(); i < got.size(); ++i) CHECK(got[i] == kGuard);
}

template <int C, int H, int W, int M, int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR, int DH = 1,
          int DW = 1, int RB = 2, bool kBias = true>
void check_conv() {
  constexpr int OH = (H + PT + PB - (KH - 1) * DH - 1) / SH + 1, OW = (W + PL + PR - (KW - 1) * DW - 1) / SW + 1;
  auto x = random_floats(C * H * W, C * 31 + H), w = random_floats(M * C * KH * KW, M * 7 + KW),
       b = random_floats(M, M);
  const float* bias = kBias ? b.data() : nullptr;
  std::vector<float> want(M * OH * OW), got(M * OH * OW + 8, kGuard);
  kiln::conv2d<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, 1>(x.data(), w.data(), bias, want.data(),
                                                                      kiln::ActMin{0.0f});
  std::vector<float> col(kiln::conv2d_simd_col_floats(C, KH, KW, RB, OW));
  auto wp = pack4(w, M);
  kiln::conv2d_simd<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, RB>(x.data(), wp.data(), bias, col.data(),
                                                                             got.data(), kiln::ActMin{0.0f});
  check_close(got, want);
}

// Stride 1 without im2col.
template <int C, int H, int W, int M, int KH, int KW, int PT, int PL, int PB, int PR, int DH = 1, int DW = 1>
void check_conv_direct() {
  constexpr int OH = H + PT + PB - (KH - 1) * DH, OW = W + PL + PR - (KW - 1) * DW;
  auto x = random_floats(C * H * W, C * 17 + W), w = random_floats(M * C * KH * KW, M * 3 + KH), b = random_floats(M, 2);
  std::vector<float> want(M * OH * OW), got(M * OH * OW + 8, kGuard);
  kiln::conv2d<C, H, W, M, KH, KW, OH, OW, 1, 1, PT, PL, DH, DW, 1>(x.data(), w.data(), b.data(), want.data(),
                                                                    kiln::ActClamp{-0.5f, 0.5f});
  std::vector<float> plane(kiln::conv2d_simd_direct_floats(C, KH, KW, OH, OW, DH, DW) + 8, kGuard);
  auto wp = pack4(w, M);
  kiln::conv2d_simd_direct<C, H, W, M, KH, KW, OH, OW, PT, PL, DH, DW>(x.data(), wp.data(), b.data(), plane.data(),
                                                                       got.data(), kiln::ActClamp{-0.5f, 0.5f});
  check_close(got, want);
  for (size_t i = plane.size() - 8; i < plane.size(); ++i) CHECK(plane[i] == kGuard);
}

template <int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR, int DH = 1, int DW = 1>
void check_depthwise() {
  constexpr int OH = (H + PT + PB - (KH - 1) * DH - 1) / SH + 1, OW = (W + PL + PR - (KW - 1) * DW - 1) / SW + 1;
  auto x = random_floats(C * H * W, C * 13 + W), w = random_floats(C * KH * KW, KH * 5 + C), b = random_floats(C, 3);
  std::vector<float> want(C * OH * OW), got(C * OH * OW + 8, kGuard);
  kiln::conv2d<C, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, C>(x.data(), w.data(), b.data(), want.data(),
                                                                      kiln::ActClamp{0.0f, 0.5f});
  std::vector<float> plane(kiln::depthwise2d_simd_plane_floats(KH, KW, OH, OW, SH, SW, DH, DW) + 8, kGuard);
  kiln::depthwise2d_simd<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(x.data(), w.data(), b.data(), plane.data(),
                                                                          got.data(), kiln::ActClamp{0.0f, 0.5f});
  check_close(got, want);
  for (size_t i = plane.size() - 8; i < plane.size(); ++i) CHECK(plane[i] == kGuard);
}

template <int M, int C, int P>
void check_pointwise() {
  auto x = random_floats(C * P, C + P), w = random_floats(M * C, M + 2 * C), b = random_floats(M, 5);
  std::vector<float> want(M * P), got(M * P + 8, kGuard);
  kiln::conv2d<C, 1, P, M, 1, 1, 1, P, 1, 1, 0, 0, 1, 1, 1>(x.data(), w.data(), b.data(), want.data(), Identity{});
  auto wp = pack4(w, M);
  kiln::pointwise_simd<M, C, P>(x.data(), wp.data(), b.data(), got.data(), Identity{});
  check_close(got, want);
}

// In place: x starts K planes after y in one buffer (as kiln::pointwise_inplace).
template <int M, int C, int P, int K>
void check_pointwise_inplace() {
  auto x = random_floats(C * P, C * 3 + P), w = random_floats(M * C, M), b = random_floats(M, 1);
  std::vector<float> want(M * P);
  kiln::conv2d<C, 1, P, M, 1, 1, 1, P, 1, 1, 0, 0, 1, 1, 1>(x.data(), w.data(), b.data(), want.data(), Identity{});
  constexpr int kN = (C > M ? C : M) * P;
  std::vector<float> buf(kN + 8, kGuard), tmp(C * 16);
  for (int i = 0; i < C * P; ++i) buf[K * P + i] = x[i];
  auto wp = pack4(w, M);
  kiln::pointwise_simd_inplace<M, C, P>(buf.data() + K * P, wp.data(), b.data(), buf.data(), tmp.data(), Identity{});
  for (int i = 0; i < M * P; ++i) CHECK(buf[i] == Approx(want[i]).epsilon(1e-5).margin(1e-5));
  for (int i = kN; i < kN + 8; ++i) CHECK(buf[i] == kGuard);
}

// Depthwise in place: y over x.
template <int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR>
void check_depthwise_inplace() {
  constexpr int OH = (H + PT + PB - KH) / SH + 1, OW = (W + PL + PR - KW) / SW + 1;
  auto x = random_floats(C * H * W, C + H), w = random_floats(C * KH * KW, 2), b = random_floats(C, 4);
  std::vector<float> want(C * OH * OW);
  kiln::conv2d<C, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, 1, 1, C>(x.data(), w.data(), b.data(), want.data(),
                                                                    Identity{});
  std::vector<float> buf = x, plane(kiln::depthwise2d_simd_plane_floats(KH, KW, OH, OW, SH, SW, 1, 1));
  kiln::depthwise2d_simd_inplace<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, 1, 1>(buf.data(), w.data(), b.data(),
                                                                                plane.data(), Identity{});
  for (int i = 0; i < C * OH * OW; ++i) CHECK(buf[i] == Approx(want[i]).epsilon(1e-5).margin(1e-5));
}

// Rows of a with stride SAM (and SAK between columns), c broadcast by (SCM, SCN).
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN>
void check_dense(float alpha, float beta) {
  auto a = random_floats(M * K * 2, M + K), bt = random_floats(K * N, N), c = random_floats(M * N, 9);
  std::vector<float> b_nk(N * K);  // gemm_nt's [N, K] layout
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < N; ++n) b_nk[n * K + k] = bt[k * N + n];
  std::vector<float> want(M * N), got(M * N + 8, kGuard);
  kiln::gemm_nt<M, N, K, SAM, SAK, SCM, SCN>(a.data(), b_nk.data(), c.data(), alpha, beta, want.data(),
                                            kiln::ActMin{0.0f});
  kiln::dense_simd<M, N, K, SAM, SAK, SCM, SCN>(a.data(), bt.data(), c.data(), alpha, beta, got.data(),
                                                kiln::ActMin{0.0f});
  check_close(got, want);
  if (SCM == 0 && SCN == 0) return;
  kiln::gemm_nt<M, N, K, SAM, SAK, SCM, SCN>(a.data(), b_nk.data(), static_cast<const float*>(nullptr), alpha, beta,
                                            want.data(), Identity{});
  kiln::dense_simd<M, N, K, SAM, SAK, SCM, SCN>(a.data(), bt.data(), static_cast<const float*>(nullptr), alpha, beta,
                                                got.data(), Identity{});
  check_close(got, want);
}

}  // namespace

TEST_CASE("pointwise_simd matches the reference convolution for every column and row remainder", "[runtime][simd]") {
  check_pointwise<8, 16, 32>();  // whole blocks
  check_pointwise<7, 5, 13>();   // 4 + 3 rows; 8 + 5 columns
  check_pointwise<3, 9, 7>();    // single rows only, one partial block
  check_pointwise<12, 33, 41>(); // 16 + 16 + 8 + 1 columns
  check_pointwise<1, 1, 1>();
  check_pointwise<64, 64, 125>();
}

TEST_CASE("pointwise_simd_inplace and depthwise2d_simd in place give the out-of-place results", "[runtime][simd]") {
  check_pointwise_inplace<8, 13, 37, 0>();  // M < C
  check_pointwise_inplace<5, 5, 16, 0>();   // M = C
  check_pointwise_inplace<16, 3, 21, 13>(); // M > C, input at the output's end
  check_pointwise_inplace<16, 3, 21, 6>();
  check_depthwise_inplace<4, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1>();
  check_depthwise_inplace<3, 11, 13, 3, 3, 2, 2, 1, 1, 1, 1>();
}

TEST_CASE("conv2d_simd matches the reference convolution with padding, strides, dilations and row remainders",
          "[runtime][simd]") {
  check_conv<3, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1>();             // same padding, 9 rows in blocks of 2 (+1)
  check_conv<2, 11, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1>();            // stride 2, odd sizes, 4 + 1 rows
  check_conv<1, 49, 10, 6, 10, 4, 2, 2, 4, 1, 5, 1, 1, 1, 4>(); // the KWS first layer, asymmetric pads
  check_conv<4, 8, 8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 3>();    // dilation 2
  check_conv<3, 6, 5, 3, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1>();    // strided 1x1
  check_conv<5, 7, 13, 9, 5, 3, 1, 2, 2, 1, 2, 1, 1, 1, 7, false>();  // no bias; one block of every row
}

TEST_CASE("conv2d_simd_direct matches the reference convolution at stride 1 for every row remainder",
          "[runtime][simd]") {
  check_conv_direct<3, 9, 9, 8, 3, 3, 1, 1, 1, 1>();      // rows of 9: 8 + an overlapping 8
  check_conv_direct<16, 32, 32, 16, 3, 3, 1, 1, 1, 1>();  // rows of 32: two runs of 16
  check_conv_direct<5, 6, 5, 7, 3, 3, 1, 1, 1, 1>();      // rows of 5: partial runs; 4 + 3 channels
  check_conv_direct<2, 10, 27, 5, 5, 3, 2, 1, 0, 2>();    // asymmetric pads, rows of 27: 16 + 8 + 8
  check_conv_direct<4, 8, 12, 4, 3, 3, 2, 2, 2, 2, 2, 2>();  // dilation 2
}

TEST_CASE("depthwise2d_simd matches the reference depthwise convolution at strides 1 and 2", "[runtime][simd]") {
  check_depthwise<3, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1>();
  check_depthwise<2, 9, 17, 3, 3, 2, 2, 1, 1, 1, 1>();   // stride 2, odd width: output rows of 9
  check_depthwise<4, 10, 10, 3, 3, 2, 2, 0, 0, 1, 1>();  // TF-style SAME at stride 2 (pad after only)
  check_depthwise<2, 7, 30, 5, 5, 1, 3, 2, 2, 2, 2>();   // stride 3 along the row
  check_depthwise<3, 9, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2>();  // dilation 2
  check_depthwise<1, 5, 3, 1, 3, 1, 1, 0, 1, 0, 1>();
}

TEST_CASE("dense_simd matches gemm_nt for every column remainder, strides and broadcast bias", "[runtime][simd]") {
  check_dense<1, 64, 250, 250, 1, 0, 1>(1.0f, 1.0f);  // a fully connected layer: 2 x 32 columns
  check_dense<3, 45, 17, 17, 1, 45, 1>(0.5f, 2.0f);   // 32 + 8 + 5 columns, per-element C
  check_dense<2, 5, 6, 1, 2, 0, 0>(1.0f, -1.0f);      // transposed A, scalar C
  check_dense<4, 12, 3, 3, 1, 1, 0>(1.0f, 1.0f);      // C per row
}

TEST_CASE("qdepthwise2d_simd is bit-exact with the grouped qconv2d at strides 1 and 2, in place too",
          "[runtime][simd][quant]") {
  check_qdepthwise<int8_t, int8_t, 3, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1>(-3);
  check_qdepthwise<int8_t, int16_t, 2, 9, 17, 3, 3, 2, 2, 1, 1, 1, 1>(5);
  check_qdepthwise<uint8_t, int16_t, 4, 10, 10, 3, 3, 2, 2, 0, 0, 1, 1>(131);
  check_qdepthwise<int8_t, int8_t, 2, 7, 30, 5, 5, 1, 3, 2, 2, 2, 2>(-100);
  check_qdepthwise<int8_t, int8_t, 3, 9, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2>(7);
  check_qdepthwise<int8_t, int8_t, 4, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1>(-5, true);
  check_qdepthwise<int8_t, int8_t, 3, 11, 13, 3, 3, 2, 2, 1, 1, 1, 1>(9, true);
}

TEST_CASE("the pmaddwd int8 kernels are bit-exact with qconv_pointwise and qconv2d, odd K and in place too",
          "[runtime][simd][quant]") {
  check_qpointwise_pairs<int8_t, 16, 32, 8>();
  check_qpointwise_pairs<int8_t, 5, 13, 7>();     // odd C, one partial run
  check_qpointwise_pairs<uint8_t, 33, 41, 6>();   // 16 + 16 + 9 pixels
  check_qpointwise_pairs<int8_t, 1, 1, 1>();
  check_qpointwise_pairs<int8_t, 8, 37, 3, 0>();  // in place, M < C
  check_qpointwise_pairs<int8_t, 3, 21, 16, 13>();
  check_qpointwise_pairs<uint8_t, 3, 21, 16, 6>();
  check_qconv_pairs<int8_t, int8_t, 3, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1>(-7);         // K = 27, 9 rows in 2s
  check_qconv_pairs<int8_t, int16_t, 2, 11, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1>(12);       // stride 2
  check_qconv_pairs<uint8_t, int16_t, 1, 49, 10, 6, 10, 4, 2, 2, 4, 1, 5, 1, 4>(128); // KWS' first layer
  check_qconv_pairs<int8_t, int8_t, 16, 8, 8, 17, 3, 3, 1, 1, 1, 1, 1, 1, 3>(0);     // 24 columns: 16 + 8
  check_qconv_pairs<int8_t, int8_t, 4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 7>(-128);    // 49 columns: 16 x 3 + 1
}

TEST_CASE("qconv2d_pairs_direct is bit-exact with qconv2d at stride 1, odd channel counts and narrow rows",
          "[runtime][simd][quant]") {
  check_qconv_pairs_direct<int8_t, int8_t, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1>(-128);  // rows of 32
  check_qconv_pairs_direct<int8_t, int8_t, 3, 9, 9, 8, 3, 3, 1, 1, 1, 1>(-7);        // odd C, rows of 9
  check_qconv_pairs_direct<uint8_t, int16_t, 5, 6, 5, 9, 3, 3, 1, 1, 1, 1>(131);     // rows of 5 < 8
  check_qconv_pairs_direct<int8_t, int8_t, 4, 10, 27, 5, 5, 3, 2, 1, 0, 2>(20);      // asymmetric pads
  check_qconv_pairs_direct<int8_t, int8_t, 2, 8, 12, 4, 3, 3, 2, 2, 2, 2, 2, 2>(3);  // dilation 2
}

namespace {

// kiln::simd::store_out through a half-up output stage (RequantHalfUp / RequantHalfUpTensor: the
// vector form under AVX2) against the stage itself, one lane at a time.
template <typename YT, int S, int LO, int HI>
void check_half_up(std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX), small(-(1 << 20), 1 << 20);
  std::uniform_int_distribution<int32_t> mult(1 << 30, INT32_MAX);
  const int32_t ms[3] = {mult(rng), mult(rng), 1 << 30};
  const int32_t k = (3 << S) + (1 << (S - 1));
  const kiln::RequantHalfUp<YT, S, LO, HI> per_channel{ms, k};
  const kiln::RequantHalfUpTensor<YT, S, LO, HI> per_tensor{ms[1], k};
  for (int round = 0; round < 500; ++round) {
    int32_t a[kiln::simd::kLanes];
    for (int i = 0; i < kiln::simd::kLanes; ++i) a[i] = round % 3 ? small(rng) : any(rng);
    if (round == 0) a[0] = INT32_MIN, a[1] = INT32_MAX, a[2] = 0, a[3] = -1;
    kiln::simd::I8 v;
    __builtin_memcpy(&v, a, sizeof v);
    for (int m = 0; m < 3; ++m) {
      YT got[kiln::simd::kLanes], got_t[kiln::simd::kLanes];
      kiln::simd::store_out<kiln::simd::kLanes>(got, v, per_channel, m);
      kiln::simd::store_out<kiln::simd::kLanes>(got_t, v, per_tensor, m);
      for (int i = 0; i < kiln::simd::kLanes; ++i) {
        REQUIRE(got[i] == per_channel(a[i], m));
        REQUIRE(got_t[i] == per_tensor(a[i], m));
      }
      YT part[kiln::simd::kLanes];
      for (auto& e : part) e = 99;
      kiln::simd::store_out<5>(part, v, per_channel, m);
      for (int i = 0; i < kiln::simd::kLanes; ++i) REQUIRE(part[i] == (i < 5 ? per_channel(a[i], m) : YT(99)));
    }
  }
}

}  // namespace

TEST_CASE("the vector half-up output stage equals RequantHalfUp lane for lane", "[runtime][simd][quant]") {
  std::mt19937 rng(21);
  check_half_up<int8_t, 1, -128, 127>(rng);
  check_half_up<int8_t, 7, 0, 127>(rng);  // a fused Relu's clamp
  check_half_up<uint8_t, 12, 0, 255>(rng);
  check_half_up<int8_t, 30, -128, 127>(rng);
  check_half_up<int16_t, 15, -32768, 32767>(rng);
}
