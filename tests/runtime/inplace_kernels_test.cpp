// The in-place kernels (passes/inplace.cpp) give exactly the out-of-place kernels' results while
// sharing one buffer between input and output.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "runtime/kiln_conv.h"
#include "runtime/kiln_int8.h"

namespace {

struct Identity {
  float operator()(float v) const { return v; }
};

// Output stage with a per-channel effect, so a wrong channel index shows.
struct ShiftOut {
  int8_t operator()(int32_t acc, int m) const {
    int32_t v = (acc >> 4) + m;
    return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
};

// K: the output starts K channel planes before the input (0 <= K <= M - C when M > C).
template <int C, int P, int M, int K = 0>
void check_float_pointwise() {
  std::mt19937 rng(C * 100 + M);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> x(C * P), w(M * C), b(M);
  for (float& v : x) v = d(rng);
  for (float& v : w) v = d(rng);
  for (float& v : b) v = d(rng);
  std::vector<float> want(M * P);
  for (int m = 0; m < M; ++m)
    for (int p = 0; p < P; ++p) {
      float acc = b[m];
      for (int c = 0; c < C; ++c) acc += w[m * C + c] * x[c * P + p];
      want[m * P + p] = acc;
    }
  // One buffer of max(C, M) * P values with the input at its front, plus guard values after it.
  constexpr int kN = (C > M ? C : M) * P;
  std::vector<float> buf(kN + 8, 42.0f), tmp(C * 4);
  for (int i = 0; i < C * P; ++i) buf[K * P + i] = x[i];
  kiln::pointwise_inplace<C, P, M, 4>(buf.data() + K * P, buf.data(), w.data(), b.data(), tmp.data(), Identity{});
  for (int i = 0; i < M * P; ++i) CHECK(buf[i] == Approx(want[i]).epsilon(1e-5));
  for (int i = kN; i < kN + 8; ++i) CHECK(buf[i] == 42.0f);
}

template <int C, int P, int M, int K = 0>
void check_int8_pointwise() {
  std::mt19937 rng(C * 7 + M);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> x(C * P), w(M * C), want(M * P);
  std::vector<int32_t> b(M);
  for (auto& v : x) v = static_cast<int8_t>(d(rng));
  for (auto& v : w) v = static_cast<int8_t>(d(rng));
  for (auto& v : b) v = d(rng) * 50;
  kiln::qconv_pointwise<C, P, M>(x.data(), w.data(), b.data(), want.data(), ShiftOut{});
  constexpr int kN = (C > M ? C : M) * P;
  std::vector<int8_t> buf(kN + 8, 99), tmp(C * 4);
  for (int i = 0; i < C * P; ++i) buf[K * P + i] = x[i];
  kiln::qconv_pointwise_inplace<C, P, M, 4>(buf.data() + K * P, w.data(), b.data(), buf.data(), tmp.data(), ShiftOut{});
  for (int i = 0; i < M * P; ++i) CHECK(buf[i] == want[i]);
  for (int i = kN; i < kN + 8; ++i) CHECK(buf[i] == 99);
}

}  // namespace

TEST_CASE("pointwise_inplace matches the out-of-place product for fewer, equal and more output channels",
          "[runtime][memory]") {
  check_float_pointwise<8, 13, 3>();   // C > M, P not a multiple of the block
  check_float_pointwise<5, 16, 5>();   // C = M
  check_float_pointwise<3, 10, 16>();  // C < M: the output grows past the input
  check_float_pointwise<3, 10, 16, 13>();  // ... or the input sits at the output's end
  check_float_pointwise<3, 10, 16, 6>();   // ... or anywhere on a channel-plane boundary
  check_float_pointwise<1, 1, 2>();
}

TEST_CASE("qconv_pointwise_inplace is bit-exact with qconv_pointwise", "[runtime][memory]") {
  check_int8_pointwise<8, 13, 3>();
  check_int8_pointwise<6, 16, 6>();
  check_int8_pointwise<3, 10, 16>();
  check_int8_pointwise<3, 10, 16, 13>();
  check_int8_pointwise<2, 7, 5, 2>();
  check_int8_pointwise<4, 3, 9>();
}

TEST_CASE("qdepthwise2d_inplace is bit-exact with qconv2d, strided and padded", "[runtime][memory]") {
  constexpr int C = 5, H = 9, W = 7, K = 3, S = 2, P = 1;
  constexpr int OH = (H + 2 * P - K) / S + 1, OW = (W + 2 * P - K) / S + 1;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> x(C * H * W), w(C * K * K), want(C * OH * OW);
  std::vector<int32_t> b(C), wsum(C, 0);
  for (auto& v : x) v = static_cast<int8_t>(d(rng));
  for (auto& v : w) v = static_cast<int8_t>(d(rng));
  for (int c = 0; c < C; ++c) {
    b[c] = d(rng) * 30;
    for (int k = 0; k < K * K; ++k) wsum[c] += w[c * K * K + k];
  }
  const int32_t zx = -7;
  kiln::qconv2d<C, H, W, C, K, K, OH, OW, S, S, P, P, 1, 1, C>(x.data(), w.data(), b.data(), wsum.data(), zx,
                                                                want.data(), ShiftOut{});
  std::vector<int8_t> buf(C * H * W + 4, 77), tmp(OH * OW);
  for (int i = 0; i < C * H * W; ++i) buf[i] = x[i];
  kiln::qdepthwise2d_inplace<C, H, W, K, K, OH, OW, S, S, P, P, 1, 1>(buf.data(), w.data(), b.data(), wsum.data(), zx,
                                                                       buf.data(), tmp.data(), ShiftOut{});
  for (int i = 0; i < C * OH * OW; ++i) CHECK(buf[i] == want[i]);
  for (int i = C * H * W; i < C * H * W + 4; ++i) CHECK(buf[i] == 77);
}
