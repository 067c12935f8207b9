#include "compiler/ops/qmve.h"

namespace kiln {

namespace {

Tensor int8_tensor(const std::string& name, const std::vector<int32_t>& v) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kInt8;
  t.shape = {static_cast<int64_t>(v.size())};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<int8_t>()[i] = static_cast<int8_t>(v[i]);
  return t;
}

// Rows [m0, m0 + rows) of w [M, K], chunk by chunk: per sixteen k each row's sixteen values.
void interleave(const Tensor& w, int64_t K, int64_t m0, int64_t rows, std::vector<int32_t>* v) {
  const int64_t K16 = (K + 15) / 16 * 16;
  for (int64_t k0 = 0; k0 < K16; k0 += 16)
    for (int64_t m = m0; m < m0 + rows; ++m)
      for (int64_t k = k0; k < k0 + 16; ++k) v->push_back(k < K ? int_elem(w, m * K + k) : 0);
}

}  // namespace

bool mve_applies(DType x, const Tensor& weff) { return x == DType::kInt8 && weff.dtype == DType::kInt8; }

bool mve_weights_fit(const Tensor& w, const std::vector<int32_t>& zp, int64_t channels, int64_t per_channel) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t e = 0; e < per_channel; ++e) {
      const int32_t v = int_elem(w, c * per_channel + e) - zp[zp.size() == 1 ? 0 : static_cast<size_t>(c)];
      if (v < -128 || v > 127) return false;
    }
  return true;
}

Tensor gemm_weights_mve(const std::string& name, const Tensor& w, int64_t M, int64_t K) {
  std::vector<int32_t> v;
  int64_t m = 0;
  for (; m + 1 < M; m += 2) interleave(w, K, m, 2, &v);
  if (m < M) interleave(w, K, m, 1, &v);
  return int8_tensor(name, v);
}

Tensor fc_weights_mve(const std::string& name, const Tensor& w, int64_t N, int64_t K) {
  std::vector<int32_t> v;
  int64_t n = 0;
  for (; n + 5 < N; n += 6) interleave(w, K, n, 6, &v);
  for (int64_t r : {4, 2, 1})
    if (N - n >= r) {
      interleave(w, K, n, r, &v);
      n += r;
    }
  return int8_tensor(name, v);
}

}  // namespace kiln
