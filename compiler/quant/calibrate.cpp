#include "compiler/quant/calibrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "compiler/ops/infer.h"

namespace kiln {

bool parse_calibration_method(const std::string& s, CalibrationMethod* m) {
  if (s == "minmax") *m = CalibrationMethod::kMinMax;
  else if (s == "percentile") *m = CalibrationMethod::kPercentile;
  else if (s == "mse") *m = CalibrationMethod::kMse;
  else return false;
  return true;
}

Status run_sample(Graph& g, const CalibrationSet& data, size_t k) {
  for (size_t i = 0; i < data.inputs.size(); ++i) {
    Tensor& t = g.tensor(data.inputs[i]);
    const auto& v = data.samples[i][k];
    t.data.resize(v.size() * sizeof(float));
    std::memcpy(t.data.data(), v.data(), t.data.size());
  }
  return eval_graph(g);
}

double sqnr_db(const std::vector<float>& ref, const std::vector<float>& approx) {
  double sig = 0, noise = 0;
  for (size_t i = 0; i < ref.size() && i < approx.size(); ++i) {
    sig += static_cast<double>(ref[i]) * ref[i];
    const double d = static_cast<double>(ref[i]) - approx[i];
    noise += d * d;
  }
  if (noise == 0) return std::numeric_limits<double>::infinity();
  if (sig == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sig / noise);
}

namespace {

constexpr int kBins = 2048;

struct Stats {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  std::vector<double> hist;  // kBins counts over [lo, hi]
};

// Expected squared int8 quantization error of the histogram under the range [lo, hi].
double quant_mse(const Stats& s, float lo, float hi) {
  const double step = (static_cast<double>(hi) - lo) / 255.0;
  if (step <= 0) return 0;
  const double w = (static_cast<double>(s.hi) - s.lo) / kBins;
  double err = 0;
  for (int b = 0; b < kBins; ++b) {
    if (s.hist[static_cast<size_t>(b)] == 0) continue;
    const double x = s.lo + (b + 0.5) * w;
    const double q = std::min(255.0, std::max(0.0, std::nearbyint((x - lo) / step)));
    const double d = x - (lo + q * step);
    err += s.hist[static_cast<size_t>(b)] * d * d;
  }
  return err;
}

QuantRange choose(const Stats& s, CalibrationMethod method, double percentile) {
  QuantRange r{s.lo, s.hi};
  if (method != CalibrationMethod::kMinMax && s.hi > s.lo) {
    const double w = (static_cast<double>(s.hi) - s.lo) / kBins;
    if (method == CalibrationMethod::kPercentile) {
      double total = 0;
      for (double c : s.hist) total += c;
      const double tail = total * (100.0 - percentile) / 200.0;
      double acc = 0;
      int b = 0;
      while (b < kBins - 1 && acc + s.hist[static_cast<size_t>(b)] <= tail) acc += s.hist[static_cast<size_t>(b++)];
      r.lo = static_cast<float>(s.lo + b * w);
      acc = 0;
      b = kBins - 1;
      while (b > 0 && acc + s.hist[static_cast<size_t>(b)] <= tail) acc += s.hist[static_cast<size_t>(b--)];
      r.hi = static_cast<float>(s.lo + (b + 1) * w);
    } else {
      const float lo0 = std::min(s.lo, 0.0f), hi0 = std::max(s.hi, 0.0f);
      double best = std::numeric_limits<double>::infinity();
      for (int k = 100; k >= 5; --k) {
        const float a = k / 100.0f;
        const double e = quant_mse(s, a * lo0, a * hi0);
        if (e < best) best = e, r.lo = a * lo0, r.hi = a * hi0;
      }
    }
  }
  r.lo = std::min(r.lo, 0.0f);
  r.hi = std::max(r.hi, 0.0f);
  return r;
}

}  // namespace

Expected<std::map<std::string, QuantRange>> calibrate(const Graph& g0, const std::vector<std::string>& names,
                                                      const CalibrationSet& data, CalibrationMethod method,
                                                      double percentile, const ProgressFn& progress) {
  if (data.count() == 0) return error(ErrorCode::kBadOption, "the calibration data holds no samples");
  Graph g = g0;
  std::vector<Stats> stats(names.size());
  const bool hist = method != CalibrationMethod::kMinMax;
  const size_t n = data.count(), total = hist ? 2 * n : n;
  size_t done = 0;
  for (int pass = 0; pass < (hist ? 2 : 1); ++pass) {
    if (pass == 1)
      for (auto& s : stats) s.hist.assign(kBins, 0.0);
    for (size_t k = 0; k < n; ++k) {
      KILN_TRY(run_sample(g, data, k));
      for (size_t t = 0; t < names.size(); ++t) {
        const Tensor& x = g.tensor(names[t]);
        const float* v = x.as<float>();
        Stats& s = stats[t];
        if (pass == 0) {
          for (int64_t i = 0; i < x.numel(); ++i) {
            if (!std::isfinite(v[i]))
              return error(ErrorCode::kBadOption,
                           fmt::format("calibration sample {} makes tensor '{}' non-finite", k, names[t]),
                           "check the calibration data's scale (--calibration-scale/--calibration-offset)");
            s.lo = std::min(s.lo, v[i]);
            s.hi = std::max(s.hi, v[i]);
          }
        } else if (s.hi > s.lo) {
          const double inv = kBins / (static_cast<double>(s.hi) - s.lo);
          for (int64_t i = 0; i < x.numel(); ++i) {
            const int b = std::min(kBins - 1, static_cast<int>((v[i] - s.lo) * inv));
            s.hist[static_cast<size_t>(b)] += 1;
          }
        }
      }
      if (progress) progress(++done, total);
    }
  }
  std::map<std::string, QuantRange> out;
  for (size_t t = 0; t < names.size(); ++t) out[names[t]] = choose(stats[t], method, percentile);
  return out;
}

}  // namespace kiln
