// The kernel policy (compiler/driver/kernel_policy.cpp): int16-pair or int8 weights per layer
// under --optimize speed|size and a flash budget, as `kiln compile` applies it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "compiler/driver/compile.h"
#include "compiler/driver/kernel_policy.h"

using namespace kiln;

namespace {

CompileOptions options(const std::string& target) {
  CompileOptions o;
  o.model_path = std::string(KILN_SOURCE_DIR) + "/tests/qemu/int8_kernels/model.onnx";
  o.name = "net";
  o.target = target;
  return o;
}

KernelPick pick(const char* name, int64_t wide, int64_t narrow, int64_t cost) {
  KernelPick p;
  p.node = name;
  p.choice.wide_bytes = wide;
  p.choice.narrow_bytes = narrow;
  p.choice.narrow_extra = cost;
  return p;
}

}  // namespace

TEST_CASE("narrow_to_fit narrows the cheapest instructions per byte first, until the bytes are saved",
          "[driver][kernels]") {
  std::vector<KernelPick> picks = {pick("conv", 2000, 1000, 5000), pick("fc", 4000, 2000, 400),
                                   pick("pw", 1000, 500, 200)};
  REQUIRE(narrow_to_fit(&picks, 1500));  // fc (0.2 per byte) saves 2000: enough
  CHECK(picks[1].narrow);
  CHECK_FALSE(picks[0].narrow);
  CHECK_FALSE(picks[2].narrow);  // pw costs 0.4 per byte
  REQUIRE(narrow_to_fit(&picks, 600));  // then pw, then conv
  CHECK(picks[2].narrow);
  CHECK(picks[0].narrow);
  CHECK_FALSE(narrow_to_fit(&picks, 1));  // nothing left
}

TEST_CASE("optimize size reads int8 weights everywhere; speed only to meet a flash limit", "[driver][kernels]") {
  auto speed = compile_model(options("cortex-m4"));
  REQUIRE(speed);
  REQUIRE(speed->kernels.picks.size() > 3);
  CHECK(speed->kernels.narrow_count() == 0);
  CHECK(kernel_summary(speed->kernels).find("read int16-pair weights") != std::string::npos);

  CompileOptions o = options("cortex-m4");
  o.optimize = OptimizeFor::kSize;
  auto size = compile_model(o);
  REQUIRE(size);
  CHECK(size->kernels.narrow_count() == static_cast<int64_t>(size->kernels.picks.size()));
  const int64_t saved = static_cast<int64_t>(speed->module.weight_bytes - size->module.weight_bytes);
  CHECK(saved >= size->kernels.saved_bytes() - 64);  // alignment of the constants aside
  CHECK(size->module.files.at("net.cpp").find("qfully_connected_fast<1, ") != std::string::npos);
  CHECK(size->module.files.at("net.cpp").find(", false>(") != std::string::npos);

  // A limit between the two: some layers narrow, the model fits, the cheapest per byte go first.
  o = options("cortex-m4");
  o.flash_limit = speed->budget.flash() - static_cast<uint64_t>(saved / 3);
  auto fit = compile_model(o);
  REQUIRE(fit);
  CHECK(fit->kernels.budget_narrowed);
  CHECK(fit->kernels.narrow_count() > 0);
  CHECK(fit->kernels.narrow_count() < static_cast<int64_t>(fit->kernels.picks.size()));
  CHECK(fit->budget.flash() <= o.flash_limit);
  auto per_byte = [](const KernelPick& p) {
    return static_cast<double>(p.choice.narrow_extra) / static_cast<double>(p.choice.wide_bytes - p.choice.narrow_bytes);
  };
  double worst_narrow = 0, best_wide = 1e300;
  for (const auto& p : fit->kernels.picks) {
    if (p.narrow) worst_narrow = std::max(worst_narrow, per_byte(p));
    else best_wide = std::min(best_wide, per_byte(p));
  }
  CHECK(worst_narrow <= best_wide);
  CHECK(kernel_summary(fit->kernels).find("to fit the flash budget") != std::string::npos);

  // Below even the narrow model: still the budget error, with every layer narrowed.
  o.flash_limit = size->budget.flash() - 1;
  auto over = compile_model(o);
  REQUIRE_FALSE(over);
  CHECK(over.status().code() == ErrorCode::kOverBudget);

  // A core without the DSP extension has no choice to make.
  auto m3 = compile_model(options("cortex-m3"));
  REQUIRE(m3);
  CHECK(m3->kernels.picks.empty());
  CHECK(kernel_summary(m3->kernels).empty());
}
