// compiler/driver/quant_report: the digits example quantized to int8 with calibration samples from
// its training split keeps its held-out accuracy within one point (the bar), and the
// per-layer report covers every quantized tensor.
#include <catch2/catch.hpp>

#include "compiler/driver/prune_report.h"
#include "compiler/driver/quant_report.h"

#include <map>

using namespace kiln;

namespace {
const std::string kDigits = std::string(KILN_SOURCE_DIR) + "/examples/digits_cnn";
}

TEST_CASE("digits int8 stays within one point of float on the held-out split", "[driver][quant]") {
  CompileOptions opt;
  opt.model_path = kDigits + "/model.onnx";
  opt.quantize = "int8";
  opt.calibration.sources = {{"", kDigits + "/calib_x.npy"}};
  for (auto method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse}) {
    opt.calibration_method = method;
    auto acc = quantization_accuracy(opt, kDigits + "/test_x.npy", kDigits + "/test_y.npy");
    REQUIRE(acc.has_value());
    INFO(quant_accuracy_text(*acc));
    CHECK(acc->samples == 200);
    REQUIRE(acc->val_total == 450);
    CHECK(acc->float_correct == 441);  // examples/digits_cnn/accuracy.txt
    CHECK(acc->int8_correct + 4 >= acc->float_correct);  // 4.5 = one point of 450
    CHECK(acc->layers.size() >= 4);
    for (const auto& l : acc->layers) CHECK(l.sqnr_db > 20.0);
    CHECK(acc->top1_agree >= 197);
  }
}

TEST_CASE("a pre-quantized model's report compares its integer code with its float QDQ graph", "[driver][quant]") {
  CompileOptions opt;
  opt.model_path = std::string(KILN_SOURCE_DIR) + "/tests/quant/models/qdq_int8/model.onnx";
  opt.calibration.sources = {{"", std::string(KILN_SOURCE_DIR) + "/tests/quant/models/qdq_int8/test_data_set_0/input_0.pb"}};
  auto acc = quantization_accuracy(opt, "", "");
  if (!acc.has_value()) FAIL(acc.status().str());
  CHECK_FALSE(acc->layers.empty());
  for (const auto& l : acc->layers) CHECK(l.sqnr_db > 25.0);
}

TEST_CASE("digits with int16 activations keeps float's held-out accuracy", "[driver][quant][int16]") {
  CompileOptions opt;
  opt.model_path = kDigits + "/model.onnx";
  opt.quantize = "int8";
  opt.activations = "int16";
  opt.calibration.sources = {{"", kDigits + "/calib_x.npy"}};
  auto acc = quantization_accuracy(opt, kDigits + "/test_x.npy", kDigits + "/test_y.npy");
  REQUIRE(acc.has_value());
  INFO(quant_accuracy_text(*acc));
  REQUIRE(acc->val_total == 450);
  CHECK(acc->int8_correct + 2 >= acc->float_correct);
  for (const auto& l : acc->layers) CHECK(l.zero_point == 0);
  CHECK(acc->top1_agree >= 199);
}

namespace {
Expected<QuantAccuracy> accuracy(const std::string& example, const std::string& activations) {
  const std::string dir = std::string(KILN_SOURCE_DIR) + "/examples/" + example;
  CompileOptions opt;
  opt.model_path = dir + "/model.onnx";
  opt.quantize = "int8";
  opt.activations = activations;
  opt.calibration.sources = {{"", dir + "/test_data_set_0/input_0.pb"}};
  return quantization_accuracy(opt, "", "");
}
}  // namespace

// audio_frontend's log-power features span decades: int8 activations lose them (output SQNR
// 15 dB), int16 keep them (41 dB). In kws_dscnn the int8 weights dominate the error: int16 lifts
// every hidden layer by a few dB, the 12 logits of its single sample stay about where they were.
TEST_CASE("int16 activations raise the SQNR of the audio models over int8", "[driver][quant][int16]") {
  auto f8 = accuracy("audio_frontend", "int8"), f16 = accuracy("audio_frontend", "int16");
  REQUIRE(f8.has_value());
  REQUIRE(f16.has_value());
  INFO("int8:\n" << quant_accuracy_text(*f8) << "int16:\n" << quant_accuracy_text(*f16));
  REQUIRE(f8->outputs.size() == 1);
  REQUIRE(f16->outputs.size() == 1);
  CHECK(f16->outputs[0].sqnr_db > f8->outputs[0].sqnr_db + 20.0);

  auto k8 = accuracy("kws_dscnn", "int8"), k16 = accuracy("kws_dscnn", "int16");
  REQUIRE(k8.has_value());
  REQUIRE(k16.has_value());
  INFO("int8:\n" << quant_accuracy_text(*k8) << "int16:\n" << quant_accuracy_text(*k16));
  std::map<std::string, double> db8;
  for (const auto& l : k8->layers) db8[l.tensor] = l.sqnr_db;
  size_t compared = 0;
  for (const auto& l : k16->layers) {
    if (!db8.count(l.tensor) || l.op != "Relu") continue;
    CHECK(l.sqnr_db > db8[l.tensor] + 3.0);
    ++compared;
  }
  CHECK(compared >= 8);
  CHECK(k16->top1_agree == k16->top1_total);
}

TEST_CASE("digits int8 with --prune magnitude=0.3 stays within one point of float", "[driver][quant][prune]") {
  CompileOptions opt;
  opt.model_path = kDigits + "/model.onnx";
  opt.quantize = "int8";
  opt.calibration.sources = {{"", kDigits + "/calib_x.npy"}};
  REQUIRE(parse_prune_spec("magnitude=0.3", &opt.lossy).is_ok());
  auto r = compile_model(opt);
  if (!r.has_value()) FAIL(r.status().str());
  auto x = read_npy(kDigits + "/test_x.npy");
  auto y = read_npy(kDigits + "/test_y.npy");
  REQUIRE(x.has_value());
  REQUIRE(y.has_value());
  auto correct = top1_correct(r->graph, *x, *y);
  REQUIRE(correct.has_value());
  CHECK(*correct + 4 >= 441);  // float: 441/450; one point is 4.5 digits
}
