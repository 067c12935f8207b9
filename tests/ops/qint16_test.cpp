// The 16x8 requantization (compiler/ops/qint16 and runtime/kiln_int16.h): one rounding of the
// exact product of a 64-bit accumulator and a 16-bit multiplier, ties to even, the same on both
// sides; TFLite's reduction of the Q31 multiplier.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "compiler/ops/qint16.h"
#include "runtime/kiln_int16.h"

using namespace kiln;

TEST_CASE("int16 requantization rounds a 64-bit accumulator once, as the runtime does", "[ops][quant][int16]") {
  std::mt19937_64 rng(16);
  std::uniform_int_distribution<int64_t> acc(-(int64_t(1) << 40), int64_t(1) << 40);
  std::uniform_real_distribution<double> e(-30.0, 13.0);
  for (int i = 0; i < 20000; ++i) {
    const QuantMultiplier q = quantize_multiplier16(std::pow(2.0, e(rng)));
    REQUIRE(q.mult >= (1 << 14));
    REQUIRE(q.mult <= 0x7FFF);
    const int64_t x = acc(rng);
    const long double exact = static_cast<long double>(x) * q.mult * std::ldexp(1.0L, q.shift - 15);
    const int64_t want = static_cast<int64_t>(std::nearbyint(exact));  // default mode: ties to even
    REQUIRE(requant16(x, q) == want);
    REQUIRE(kiln::requant16(x, static_cast<int16_t>(q.mult), static_cast<int8_t>(q.shift)) == want);
  }
  // TFLite's reduction: round the Q31 multiplier to 16 bits; 0x7FFF at the top.
  CHECK(quantize_multiplier16(0.5).mult == 1 << 14);
  CHECK(quantize_multiplier16(0.5).shift == 0);
  CHECK(quantize_multiplier16(0.99999999).mult == 0x7FFF);
  CHECK(requant16(3, quantize_multiplier16(0.5)) == 2);  // 1.5 -> 2
  CHECK(requant16(5, quantize_multiplier16(0.5)) == 2);  // 2.5 -> 2
  CHECK(requant16(-3, quantize_multiplier16(0.5)) == -2);
}
