// compiler/quant/calibration_data: every sample format a user brings, and the errors.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "compiler/quant/calibration_data.h"
#include "tests/test_util.h"

using namespace kiln;
namespace fs = std::filesystem;

namespace {

std::string tmpdir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("kiln-calib-test-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// A version-1 .npy file, as numpy.save writes it.
void write_npy(const std::string& path, const std::string& descr, const Shape& shape, const void* data, size_t bytes) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? ", " : "");
  if (!dims.empty() && dims.back() == ' ' && shape.size() > 1) dims = dims.substr(0, dims.size() - 2);
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::ofstream f(path, std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(h.size());
  f.write(reinterpret_cast<const char*>(&len), 2);
  f << h;
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Graph one_input(Shape shape) {
  Graph g;
  test::add_input(g, "x", std::move(shape));
  return g;
}

}  // namespace

TEST_CASE("an .npy of N samples splits into N samples of the input", "[quant]") {
  const std::string d = tmpdir("npy");
  std::vector<float> v(3 * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  write_npy(d + "/x.npy", "<f4", {3, 1, 4}, v.data(), v.size() * 4);
  auto a = read_npy(d + "/x.npy");
  REQUIRE(a.has_value());
  CHECK(a->shape == Shape{3, 1, 4});
  CalibrationSpec spec;
  spec.sources = {parse_calibration_source(d + "/x.npy")};
  auto set = load_calibration(one_input({1, 4}), spec);
  REQUIRE(set.has_value());
  REQUIRE(set->count() == 3);
  CHECK(set->samples[0][2] == std::vector<float>{8, 9, 10, 11});
}

TEST_CASE("integer and float64 .npy arrays convert, the affine map applies", "[quant]") {
  const std::string d = tmpdir("npy-types");
  const uint8_t u[4] = {0, 51, 102, 255};
  write_npy(d + "/u.npy", "|u1", {4}, u, 4);
  const double f[2] = {0.5, -2.0};
  write_npy(d + "/f.npy", "<f8", {2}, f, 16);
  CalibrationSpec spec;
  spec.sources = {{"", d + "/u.npy"}};
  spec.scale = 1.0f / 255.0f;
  spec.offset = -0.5f;
  auto set = load_calibration(one_input({4}), spec);
  REQUIRE(set.has_value());
  CHECK(set->samples[0][0][0] == Approx(-0.5f));
  CHECK(set->samples[0][0][3] == Approx(0.5f));
  auto a = read_npy(d + "/f.npy");
  REQUIRE(a.has_value());
  CHECK(a->values == std::vector<float>{0.5f, -2.0f});
}

TEST_CASE("a folder of raw u8 samples, natural order, channels-last to NCHW", "[quant]") {
  const std::string d = tmpdir("bin");
  // 2 x 2 pixels, 3 channels, HWC: pixel p has channels (10p, 10p+1, 10p+2).
  std::vector<uint8_t> hwc;
  for (int p = 0; p < 4; ++p)
    for (int c = 0; c < 3; ++c) hwc.push_back(static_cast<uint8_t>(10 * p + c));
  write_bytes(d + "/image_10.bin", std::vector<uint8_t>(12, 7));
  write_bytes(d + "/image_2.bin", hwc);
  CalibrationSpec spec;
  spec.sources = {{"", d}};
  spec.format = "u8";
  spec.channels_last = true;
  auto set = load_calibration(one_input({1, 3, 2, 2}), spec);
  REQUIRE(set.has_value());
  REQUIRE(set->count() == 2);
  // image_2 before image_10; channel 1 of the 4 pixels comes first after channel 0's.
  CHECK(set->samples[0][0] == std::vector<float>{0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32});
  CHECK(set->samples[0][1][5] == 7.0f);
}

TEST_CASE("several inputs take NAME=DATA each", "[quant]") {
  const std::string d = tmpdir("multi");
  const float a[4] = {1, 2, 3, 4}, b[2] = {5, 6};
  write_npy(d + "/a.npy", "<f4", {2, 2}, a, 16);
  write_npy(d + "/b.npy", "<f4", {2, 1}, b, 8);
  Graph g;
  test::add_input(g, "audio", {1, 2});
  test::add_input(g, "state", {1, 1});
  CalibrationSpec spec;
  spec.sources = {parse_calibration_source("state=" + d + "/b.npy"), parse_calibration_source("audio=" + d + "/a.npy")};
  auto set = load_calibration(g, spec);
  REQUIRE(set.has_value());
  CHECK(set->inputs == std::vector<std::string>{"audio", "state"});
  CHECK(set->samples[1][1] == std::vector<float>{6});
}

TEST_CASE("calibration data errors name the file and the fix", "[quant]") {
  const std::string d = tmpdir("errors");
  const float v[5] = {1, 2, 3, 4, 5};
  write_npy(d + "/five.npy", "<f4", {5}, v, 20);
  write_bytes(d + "/raw.bin", {1, 2, 3, 4});
  CalibrationSpec spec;
  spec.sources = {{"", d + "/five.npy"}};
  auto r = load_calibration(one_input({1, 2}), spec);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().str().find("not a whole number of samples") != std::string::npos);

  spec.sources = {{"", d + "/raw.bin"}};
  r = load_calibration(one_input({4}), spec);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().str().find("--calibration-format") != std::string::npos);

  spec.sources = {{"nosuch", d + "/five.npy"}};
  r = load_calibration(one_input({5}), spec);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().code() == ErrorCode::kBadOption);

  spec.sources = {{"", d + "/missing.npy"}};
  CHECK_FALSE(load_calibration(one_input({5}), spec).has_value());
}
