#include <catch2/catch.hpp>

#include <random>

#include "compiler/driver/compile.h"
#include "compiler/ops/qfast.h"
#include "runtime/kiln_int8_fast.h"

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
  CHECK(m4.second > m4_ref.second);  // the widening scratch
  // Without DSP (or with --no-dsp-kernels): runtime/kiln_int8_nodsp.h.
  for (const char* k : {"qdepthwise_plane<", "qconv2d_rows<"}) {
    CHECK(m4.first.find(k) == std::string::npos);
    CHECK(m4_ref.first.find(k) != std::string::npos);
    CHECK(m3.first.find(k) != std::string::npos);
  }
}
