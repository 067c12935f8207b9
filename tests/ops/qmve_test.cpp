// The Helium kernels (runtime/kiln_int8_mve.h, here their portable twins: the very loops, layouts
// and tails the Cortex-M55 runs) against plain convolution / matrix loops, bit for bit, on awkward
// shapes, with the weight layouts of compiler/ops/qmve.cpp. tests/qemu runs them on the M55.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "compiler/driver/compile.h"
#include "compiler/ops/qmve.h"
#include "runtime/kiln_int8_mve.h"

using namespace kiln;

namespace {

// Output stage with a per-channel effect (a wrong channel shows), lane by lane (VecScalar).
struct ShiftOut {
  int8_t operator()(int32_t acc, int m) const {
    const int32_t v = (acc >> 7) + m;
    return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
};

Tensor int8_weights(const std::vector<int8_t>& w) {
  Tensor t;
  t.name = "w";
  t.dtype = DType::kInt8;
  t.shape = {static_cast<int64_t>(w.size())};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < w.size(); ++i) t.as_mut<int8_t>()[i] = w[i];
  return t;
}
std::vector<int8_t> bytes(const Tensor& t) { return std::vector<int8_t>(t.as<int8_t>(), t.as<int8_t>() + t.numel()); }

struct Case {
  std::vector<int8_t> x, w;
  std::vector<int32_t> b;  // the model's bias; the kernels get b - zx * sum(w)
  int8_t zx;
};

Case random_case(int xs, int ws, int bs, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127), bias(-5000, 5000);
  Case c;
  for (int i = 0; i < xs; ++i) c.x.push_back(static_cast<int8_t>(byte(rng)));
  for (int i = 0; i < ws; ++i) c.w.push_back(static_cast<int8_t>(byte(rng)));
  for (int i = 0; i < bs; ++i) c.b.push_back(bias(rng));
  c.zx = static_cast<int8_t>(byte(rng));
  return c;
}

std::vector<int32_t> folded_bias(const Case& c, int M, int K) {
  std::vector<int32_t> b(c.b);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) b[m] -= c.zx * c.w[m * K + k];
  return b;
}

// Plain convolution accumulators (group 1 or depthwise), padding as real zero.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW>
std::vector<int32_t> conv_acc(const Case& c, bool depthwise) {
  std::vector<int32_t> acc(M * OH * OW);
  const int CG = depthwise ? 1 : C;
  for (int m = 0; m < M; ++m)
    for (int oh = 0; oh < OH; ++oh)
      for (int ow = 0; ow < OW; ++ow) {
        int32_t s = c.b[m];
        for (int cg = 0; cg < CG; ++cg)
          for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) {
              const int ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const int ci = depthwise ? m : cg;
              s += (c.x[(ci * H + ih) * W + iw] - c.zx) * c.w[((m * CG + cg) * KH + kh) * KW + kw];
            }
        acc[(m * OH + oh) * OW + ow] = s;
      }
  return acc;
}

template <typename Out>
void check_outputs(const std::vector<int32_t>& acc, int P, const std::vector<int8_t>& y, const Out& out) {
  REQUIRE(y.size() >= acc.size());
  int bad = 0;
  for (size_t i = 0; i < acc.size(); ++i) bad += y[i] != out(acc[i], static_cast<int>(i) / P);
  CHECK(bad == 0);
}

// A RequantHalfUp with per-channel multipliers below 1/4 (S = 9) that keep SMMLA's addend in range.
struct HalfUp {
  std::vector<int32_t> mult;
  RequantHalfUp<int8_t, 9, -100, 127> out() const { return {mult.data(), 3 * 512 + 256}; }
};
HalfUp half_up(int M, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> m(1 << 20, 1 << 30);
  HalfUp h;
  for (int i = 0; i < M; ++i) h.mult.push_back(m(rng));
  return h;
}

template <int C, int P, int M>
void check_pointwise(unsigned seed) {
  INFO("pointwise C=" << C << " P=" << P << " M=" << M);
  const Case c = random_case(C * P, M * C, M, seed);
  const auto acc = conv_acc<C, P, 1, M, 1, 1, P, 1, 1, 1, 0, 0, 1, 1>(c, false);
  const std::vector<int8_t> w = bytes(gemm_weights_mve("w", int8_weights(c.w), M, C));
  const auto b = folded_bias(c, M, C);
  std::vector<int8_t> col(8 * ((C + 15) / 16 * 16)), y(M * P);
  qconv_pointwise_mve<C, P, M>(c.x.data(), w.data(), b.data(), y.data(), col.data(), ShiftOut{});
  check_outputs(acc, P, y, ShiftOut{});
  const HalfUp h = half_up(M, seed);
  qconv_pointwise_mve<C, P, M>(c.x.data(), w.data(), b.data(), y.data(), col.data(), h.out());
  check_outputs(acc, P, y, h.out());
  // In place: the output over the input (starting K channel planes before it when M > C).
  constexpr int K = M > C ? M - C : 0, N = (M > C ? M : C) * P;
  std::vector<int8_t> buf(N + 16, 42);
  std::copy(c.x.begin(), c.x.end(), buf.begin() + K * P);
  qconv_pointwise_mve<C, P, M>(buf.data() + K * P, w.data(), b.data(), buf.data(), col.data(), h.out());
  check_outputs(acc, P, buf, h.out());
  for (int i = N; i < N + 16; ++i) CHECK(buf[i] == 42);
}

template <int C, int H, int W, int M, int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR, int DH, int DW>
void check_im2col(unsigned seed) {
  constexpr int OH = (H + PT + PB - (KH - 1) * DH - 1) / SH + 1, OW = (W + PL + PR - (KW - 1) * DW - 1) / SW + 1;
  INFO("im2col C=" << C << " " << H << "x" << W << " M=" << M << " k" << KH << "x" << KW << " s" << SH << SW << " p"
                   << PT << PL << PB << PR << " d" << DH << DW);
  const Case c = random_case(C * H * W, M * C * KH * KW, M, seed);
  const auto acc = conv_acc<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(c, false);
  const std::vector<int8_t> w = bytes(gemm_weights_mve("w", int8_weights(c.w), M, C * KH * KW));
  const auto b = folded_bias(c, M, C * KH * KW);
  constexpr int kBand = OW >= 8 ? C * KH * (((OW + 7) / 8 * 8 - 1) * SW + (KW - 1) * DW + 1) : 0;
  std::vector<int8_t> col(8 * ((C * KH * KW + 15) / 16 * 16) + kBand), y(M * OH * OW);
  qconv_im2col_mve<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(c.x.data(), w.data(), b.data(), c.zx, y.data(),
                                                                       col.data(), ShiftOut{});
  check_outputs(acc, OH * OW, y, ShiftOut{});
  const HalfUp h = half_up(M, seed);
  qconv_im2col_mve<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(c.x.data(), w.data(), b.data(), c.zx, y.data(),
                                                                       col.data(), h.out());
  check_outputs(acc, OH * OW, y, h.out());
}

template <int C, int H, int W, int KH, int KW, int S, int PT, int PL, int PB, int PR, int D>
void check_depthwise(unsigned seed) {
  constexpr int OH = (H + PT + PB - (KH - 1) * D - 1) / S + 1, OW = (W + PL + PR - (KW - 1) * D - 1) / S + 1;
  constexpr int HP = (OH - 1) * S + (KH - 1) * D + 1, WP = (OW - 1) * S + (KW - 1) * D + 1;
  INFO("depthwise C=" << C << " " << H << "x" << W << " k" << KH << "x" << KW << " s" << S << " p" << PT << PL << PB
                      << PR << " d" << D);
  const Case c = random_case(C * H * W, C * KH * KW, C, seed);
  const auto acc = conv_acc<C, H, W, C, KH, KW, OH, OW, S, S, PT, PL, D, D>(c, true);
  const auto b = folded_bias(c, C, KH * KW);
  std::vector<int8_t> plane(HP * WP + (S == 1 ? OH * WP : 0)), y(C * OH * OW);
  qdepthwise_mve<C, H, W, KH, KW, OH, OW, S, S, PT, PL, D, D>(c.x.data(), c.w.data(), b.data(), c.zx, y.data(),
                                                              plane.data(), ShiftOut{});
  check_outputs(acc, OH * OW, y, ShiftOut{});
  const HalfUp h = half_up(C, seed);
  qdepthwise_mve<C, H, W, KH, KW, OH, OW, S, S, PT, PL, D, D>(c.x.data(), c.w.data(), b.data(), c.zx, y.data(),
                                                              plane.data(), h.out());
  check_outputs(acc, OH * OW, y, h.out());
  if (OH * OW <= H * W) {  // in place: the output planes over the input planes
    std::vector<int8_t> buf(c.x);
    buf.resize(C * H * W + 16, 42);
    qdepthwise_mve<C, H, W, KH, KW, OH, OW, S, S, PT, PL, D, D>(buf.data(), c.w.data(), b.data(), c.zx, buf.data(),
                                                                plane.data(), h.out());
    check_outputs(acc, OH * OW, buf, h.out());
    for (int i = C * H * W; i < C * H * W + 16; ++i) CHECK(buf[i] == 42);
  }
}

template <int ROWS, int N, int K>
void check_fc(unsigned seed) {
  INFO("fully connected rows=" << ROWS << " N=" << N << " K=" << K);
  const Case c = random_case(ROWS * K, N * K, N, seed);
  std::vector<int32_t> acc(ROWS * N);
  for (int i = 0; i < ROWS; ++i)
    for (int n = 0; n < N; ++n) {
      int32_t s = c.b[n];
      for (int k = 0; k < K; ++k) s += (c.x[i * K + k] - c.zx) * c.w[n * K + k];
      acc[i * N + n] = s;
    }
  const std::vector<int8_t> w = bytes(fc_weights_mve("w", int8_weights(c.w), N, K));
  const auto b = folded_bias(c, N, K);
  std::vector<int8_t> y(ROWS * N);
  // x exactly K * ROWS bytes: the tail predicate reads nothing past it (ASan would tell).
  qfully_connected_mve<ROWS, N, K>(c.x.data(), w.data(), b.data(), y.data(), ShiftOut{});
  auto per_row = [&](int32_t a, int i) { return ShiftOut{}(a, i % N); };
  int bad = 0;
  for (int i = 0; i < ROWS * N; ++i) bad += y[i] != per_row(acc[i], i);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("Helium pointwise kernel equals the plain convolution, in place too", "[ops][mve]") {
  check_pointwise<3, 7, 5>(1);
  check_pointwise<17, 13, 4>(2);
  check_pointwise<16, 8, 3>(3);
  check_pointwise<33, 21, 7>(4);
  check_pointwise<64, 25, 64>(5);
  check_pointwise<8, 9, 20>(6);  // M > C: the output starts before the input
  check_pointwise<5, 1, 2>(7);
}

TEST_CASE("Helium im2col kernel equals the plain convolution on every padding, stride and dilation", "[ops][mve]") {
  check_im2col<3, 9, 21, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1>(11);
  check_im2col<2, 10, 19, 4, 3, 3, 2, 2, 1, 0, 2, 1, 1, 1>(12);
  check_im2col<1, 25, 10, 7, 10, 4, 2, 2, 4, 1, 5, 2, 1, 1>(13);  // KWS's first layer, smaller
  check_im2col<5, 12, 23, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2>(14);   // dilated
  check_im2col<16, 8, 16, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1>(15);  // K = 144
  check_im2col<4, 6, 5, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1>(16);     // rows shorter than eight
  check_im2col<3, 7, 30, 2, 1, 3, 1, 2, 0, 3, 0, 0, 1, 1>(17);    // left padding only, stride 2 across
}

TEST_CASE("Helium depthwise kernel equals the plain convolution, in place too", "[ops][mve]") {
  check_depthwise<5, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1>(21);
  check_depthwise<3, 10, 13, 3, 3, 2, 1, 1, 1, 1, 1>(22);
  check_depthwise<4, 11, 9, 3, 3, 2, 0, 1, 1, 0, 1>(23);
  check_depthwise<2, 12, 14, 5, 5, 1, 2, 3, 1, 2, 2>(24);  // 5x5, dilation 2, asymmetric padding
  check_depthwise<6, 25, 5, 3, 3, 1, 1, 1, 1, 1, 1>(25);   // KWS's shape, width 5
  check_depthwise<3, 7, 7, 3, 3, 1, 0, 0, 0, 0, 1>(26);    // unpadded (output smaller)
}

TEST_CASE("Helium fully connected kernel equals the plain matrix product", "[ops][mve]") {
  check_fc<1, 7, 37>(31);
  check_fc<2, 9, 16>(32);
  check_fc<1, 128, 640>(33);
  check_fc<3, 4, 8>(34);
  check_fc<1, 5, 15>(35);
  check_fc<1, 13, 33>(36);  // 6 + 6 + 1
  check_fc<2, 11, 48>(37);  // 6 + 4 + 1
  check_fc<1, 8, 128>(38);  // 6 + 2
}

TEST_CASE("Helium weight layouts put each weight where the kernels read it", "[ops][mve]") {
  std::vector<int8_t> w;
  for (int i = 0; i < 5 * 20; ++i) w.push_back(static_cast<int8_t>(i));
  const Tensor t = int8_weights(w);
  const auto g = bytes(gemm_weights_mve("g", t, 5, 20));  // pairs of channels, then channel 4, K16 = 32
  REQUIRE(g.size() == 5 * 32);
  CHECK(g[0] == 0);                  // channel 0, k 0
  CHECK(g[16] == 20);                // channel 1, k 0
  CHECK(g[32] == 16);                // channel 0, k 16
  CHECK(g[32 + 4] == 0);             // channel 0, k 20: padding
  CHECK(g[64] == 40);                // channel 2, k 0
  CHECK(g[128] == 80);               // channel 4, k 0
  CHECK(g[128 + 16 + 3] == 80 + 19);  // channel 4, k 19
  const auto f = bytes(fc_weights_mve("f", t, 5, 20));  // a block of 4, then channel 4 alone
  REQUIRE(f.size() == 5 * 32);
  CHECK(f[16] == 20);
  CHECK(f[64] == 16);
  CHECK(f[128 + 17] == 80 + 17);
  std::vector<int8_t> w13;
  for (int i = 0; i < 13 * 3; ++i) w13.push_back(static_cast<int8_t>(i));
  const auto f13 = bytes(fc_weights_mve("f13", int8_weights(w13), 13, 3));  // blocks of 6, 6, then 1
  REQUIRE(f13.size() == 13 * 16);
  CHECK(f13[5 * 16 + 2] == 5 * 3 + 2);        // channel 5, k 2
  CHECK(f13[6 * 16] == 6 * 3);                 // second block, channel 6
  CHECK(f13[12 * 16 + 1] == 12 * 3 + 1);       // channel 12 alone
  CHECK(f13[12 * 16 + 3] == 0);                // padding
}

TEST_CASE("Helium tabulated Add equals QAddLutHalfUp element by element, in place too", "[ops][mve]") {
  std::mt19937 rng(41);
  std::uniform_int_distribution<int> byte(-128, 127), entry(-(1 << 22), 1 << 22);
  std::vector<int32_t> ta(256), tb(256);
  for (int32_t& v : ta) v = entry(rng);
  for (int32_t& v : tb) v = entry(rng);
  constexpr int N = 37;
  std::vector<int8_t> a(N), b(N), y(N);
  for (int i = 0; i < N; ++i) a[i] = static_cast<int8_t>(byte(rng)), b[i] = static_cast<int8_t>(byte(rng));
  const int32_t my = 1 << 29, k = 5 * (1 << 12) + (1 << 11);
  const QAddLutHalfUp<int8_t, 12, -100, 127> ref{ta.data(), tb.data(), my, k};
  qadd_lut_mve<N, int8_t, int8_t, int8_t, 12, -100, 127>(a.data(), b.data(), y.data(), ta.data(), tb.data(), my, k);
  int bad = 0;
  for (int i = 0; i < N; ++i) bad += y[i] != ref(a[i], b[i]);
  CHECK(bad == 0);
  std::vector<int8_t> buf(a);
  qadd_lut_mve<N, int8_t, int8_t, int8_t, 12, -100, 127>(buf.data(), b.data(), buf.data(), ta.data(), tb.data(), my, k);
  CHECK(buf == y);
}

TEST_CASE("the Helium kernels go to int8 layers on cores with MVE unless --no-dsp-kernels", "[ops][mve]") {
  auto code = [](const std::string& model, const std::string& target, bool dsp) {
    CompileOptions o;
    o.model_path = std::string(KILN_SOURCE_DIR) + "/tests/qemu/" + model + "/model.onnx";
    o.name = "net";
    o.target = target;
    o.dsp_kernels = dsp;
    auto r = compile_model(o);
    REQUIRE(r);
    return r->module.files.at("net.cpp");
  };
  const std::string m55 = code("int8_kernels", "cortex-m55", true), m55_ref = code("int8_kernels", "cortex-m55", false),
                    m4 = code("int8_kernels", "cortex-m4", true), u55 = code("uint8_kernels", "cortex-m55", true);
  for (const char* k : {"qconv_pointwise_mve<", "qdepthwise_mve<", "qconv_im2col_mve<", "qfully_connected_mve<",
                        "qadd_lut_mve<"}) {
    CHECK(m55.find(k) != std::string::npos);
    CHECK(m55_ref.find(k) == std::string::npos);
    CHECK(m4.find(k) == std::string::npos);
  }
  // uint8 activations (VMLADAVA.S8 multiplies int8) keep the DSP convolutions on the M55
  CHECK(u55.find("qconv_pointwise_mve<") == std::string::npos);
  CHECK(u55.find("qconv_pointwise_fast<") != std::string::npos);
  CHECK(m55.find("qconv_pointwise_fast<") == std::string::npos);
}
