#include "compiler/ops/qfast.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kiln {

namespace {

int32_t pair(int32_t lane0, int32_t lane1) {
  return static_cast<int32_t>((static_cast<uint32_t>(lane0) & 0xFFFFu) | (static_cast<uint32_t>(lane1) << 16));
}

int32_t trailing_zeros(int64_t v) {
  int32_t z = 0;
  while (v && !(v & 1)) {
    v >>= 1;
    ++z;
  }
  return z;
}

}  // namespace

std::vector<int64_t> acc_bounds(const Tensor& w, int64_t M, int64_t K, const std::vector<int64_t>& bias, DType x,
                                int32_t x_zp) {
  const int64_t xmax = std::max(std::llabs(dtype_min(x) - x_zp), std::llabs(dtype_max(x) - x_zp));
  std::vector<int64_t> b(static_cast<size_t>(M));
  for (int64_t m = 0; m < M; ++m) {
    int64_t s = bias.empty() ? 0 : std::llabs(bias[static_cast<size_t>(m)]);
    for (int64_t k = 0; k < K; ++k) s += std::llabs(static_cast<int64_t>(int_elem(w, m * K + k))) * xmax;
    b[static_cast<size_t>(m)] = s;
  }
  return b;
}

bool half_up_exact(QuantMultiplier q, int64_t bound, int32_t y_zp) {
  const int64_t S = -1 - static_cast<int64_t>(q.shift);  // total right shift 32 + S
  if (S < 1 || S > 30 || q.mult < 0) return false;
  if (bound >= (int64_t(1) << 31)) return false;  // the int32 accumulator itself
  if (q.mult == 0) return true;
  // A tie: acc * mult = (odd) * 2^(31 + S); with mult = o * 2^z that needs |acc| >= 2^(31 + S - z).
  const int64_t e = 31 + S - trailing_zeros(q.mult);
  if (e < 62 && bound >= (int64_t(1) << e)) return false;
  // SMMLA's addend zp * 2^S + 2^(S-1) plus the high word of acc * mult stays within int32.
  const int64_t k = std::llabs(static_cast<int64_t>(y_zp)) * (int64_t(1) << S) + (int64_t(1) << (S - 1));
  const int64_t hi = (bound * static_cast<int64_t>(q.mult) >> 32) + 1;
  return k + hi < (int64_t(1) << 31);
}

std::string requant_functor_fast(OpCtx& ctx, DType y, const std::vector<QuantMultiplier>& m, int32_t y_zp, int32_t lo,
                                 int32_t hi, const std::vector<int64_t>& bounds) {
  if (m.empty() || bounds.size() != m.size()) return requant_functor(ctx, y, m, y_zp, lo, hi);
  // A channel whose every product rounds to zero (|acc * mult| < 2^(30 - shift), half the unit of
  // the result: a dead channel of a pruned model) outputs y_zp: multiplier 0 says so with any
  // shift.
  std::vector<QuantMultiplier> q = m;
  std::vector<bool> zero(m.size());
  for (size_t i = 0; i < m.size(); ++i)
    zero[i] = m[i].mult >= 0 && static_cast<long double>(bounds[i]) * m[i].mult <
                                    std::ldexp(1.0L, static_cast<int>(30 - m[i].shift));
  // A multiplier of 1/4 or more (S < 1) is scaled into range by shifting the accumulator left by L
  // first (exact while |acc| * 2^L < 2^31): the same value, the same ties.
  std::vector<int32_t> pre(m.size(), 0);
  int32_t shared = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    if (zero[i]) continue;
    if (q[i].shift >= -1) {
      pre[i] = q[i].shift + 2;
      if (pre[i] > 30 || bounds[i] >= (int64_t(1) << (31 - pre[i]))) return requant_functor(ctx, y, m, y_zp, lo, hi);
      q[i].shift -= pre[i];
    }
    shared = q[i].shift;
  }
  bool one_shift = true;
  for (size_t i = 0; i < m.size(); ++i) {
    if (zero[i]) {
      q[i] = QuantMultiplier{0, shared ? shared : -2};
      continue;
    }
    if (!half_up_exact(q[i], bounds[i] << pre[i], y_zp)) return requant_functor(ctx, y, m, y_zp, lo, hi);
    one_shift &= q[i].shift == shared && pre[i] == 0;
  }
  if (!shared) shared = -2;
  std::vector<int32_t> mult, shift;
  for (size_t i = 0; i < q.size(); ++i) {
    mult.push_back(q[i].mult);
    shift.push_back((-1 - q[i].shift) | (pre[i] << 8));
  }
  ctx.include("kiln_int8_fast.h");
  bool one_mult = one_shift;
  for (int32_t v : mult) one_mult &= v == mult[0];
  if (one_mult)
    return fmt::format("kiln::RequantHalfUpTensor<{}, {}, {}, {}>{{{}, {}}}", dtype_c_name(y), -1 - shared, lo, hi,
                       mult[0], y_zp * (1 << (-1 - shared)) + (1 << (-2 - shared)));
  const std::string& nm = ctx.node().name;
  std::string ms = ctx.add_const(nm + "_mult", int32_tensor(nm + "_mult", mult));
  if (one_shift)
    return fmt::format("kiln::RequantHalfUp<{}, {}, {}, {}>{{{}, {}}}", dtype_c_name(y), -1 - shared, lo, hi, ms,
                       y_zp * (1 << (-1 - shared)) + (1 << (-2 - shared)));
  std::string ss = ctx.add_const(nm + "_shift", int32_tensor(nm + "_shift", shift));
  return fmt::format("kiln::RequantHalfUpShift<{}, {}, {}>{{{}, {}, {}}}", dtype_c_name(y), lo, hi, ms, ss, y_zp);
}

Tensor gemm_weights(const std::string& name, const Tensor& w, int64_t M, int64_t K) {
  const int64_t K4 = (K + 3) / 4 * 4;
  auto at = [&](int64_t m, int64_t k) { return k < K ? int_elem(w, m * K + k) : 0; };
  std::vector<int32_t> v;
  int64_t m = 0;
  for (; m + 1 < M; m += 2)
    for (int64_t k = 0; k < K4; k += 4)
      for (int64_t r = m; r < m + 2; ++r) {
        v.push_back(pair(at(r, k), at(r, k + 1)));
        v.push_back(pair(at(r, k + 2), at(r, k + 3)));
      }
  if (m < M)
    for (int64_t k = 0; k < K4; k += 4) {
      v.push_back(pair(at(m, k), at(m, k + 1)));
      v.push_back(pair(at(m, k + 2), at(m, k + 3)));
    }
  return int32_tensor(name, v);
}

Tensor fc_weights(const std::string& name, const Tensor& w, int64_t N, int64_t K) {
  auto at = [&](int64_t n, int64_t k) { return int_elem(w, n * K + k); };
  const int64_t KG = K / 4 * 4;
  std::vector<int32_t> v;
  auto block = [&](int64_t n0, int64_t rows) {
    for (int64_t k = 0; k < KG; k += 4)
      for (int64_t n = n0; n < n0 + rows; ++n) {
        v.push_back(pair(at(n, k), at(n, k + 2)));
        v.push_back(pair(at(n, k + 1), at(n, k + 3)));
      }
    for (int64_t n = n0; n < n0 + rows; ++n)
      for (int64_t k = KG; k < K; ++k) v.push_back(at(n, k));
  };
  int64_t n = 0;
  for (; n + 5 < N; n += 6) block(n, 6);
  for (; n < N; ++n) block(n, 1);
  return int32_tensor(name, v);
}

bool fits_int8(const Tensor& w) {
  for (int64_t i = 0; i < w.numel(); ++i) {
    const int32_t v = int_elem(w, i);
    if (v < -128 || v > 127) return false;
  }
  return true;
}

namespace {

int32_t bytes4(int32_t b0, int32_t b1, int32_t b2, int32_t b3) {
  return static_cast<int32_t>((static_cast<uint32_t>(b0) & 0xFFu) | (static_cast<uint32_t>(b1) & 0xFFu) << 8 |
                              (static_cast<uint32_t>(b2) & 0xFFu) << 16 | static_cast<uint32_t>(b3) << 24);
}

}  // namespace

Tensor gemm_weights_narrow(const std::string& name, const Tensor& w, int64_t M, int64_t K) {
  const int64_t K4 = (K + 3) / 4 * 4;
  auto at = [&](int64_t m, int64_t k) { return k < K ? int_elem(w, m * K + k) : 0; };
  auto word = [&](int64_t m, int64_t k) { return bytes4(at(m, k), at(m, k + 2), at(m, k + 1), at(m, k + 3)); };
  std::vector<int32_t> v;
  int64_t m = 0;
  for (; m + 1 < M; m += 2)
    for (int64_t k = 0; k < K4; k += 4) {
      v.push_back(word(m, k));
      v.push_back(word(m + 1, k));
    }
  if (m < M)
    for (int64_t k = 0; k < K4; k += 4) v.push_back(word(m, k));
  return int32_tensor(name, v);
}

Tensor fc_weights_narrow(const std::string& name, const Tensor& w, int64_t N, int64_t K) {
  auto at = [&](int64_t n, int64_t k) { return k < K ? int_elem(w, n * K + k) : 0; };
  const int64_t KG = K / 4 * 4;
  std::vector<int32_t> v;
  auto block = [&](int64_t n0, int64_t rows) {
    for (int64_t k = 0; k < KG; k += 4)
      for (int64_t n = n0; n < n0 + rows; ++n) v.push_back(bytes4(at(n, k), at(n, k + 1), at(n, k + 2), at(n, k + 3)));
    if (KG < K)
      for (int64_t n = n0; n < n0 + rows; ++n) v.push_back(bytes4(at(n, KG), at(n, KG + 1), at(n, KG + 2), 0));
  };
  int64_t n = 0;
  for (; n + 5 < N; n += 6) block(n, 6);
  for (; n < N; ++n) block(n, 1);
  return int32_tensor(name, v);
}

Tensor dw3x3_weights(const std::string& name, const Tensor& w, int64_t C) {
  std::vector<int32_t> v;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t r = 0; r < 3; ++r) {
      const int64_t b = c * 9 + r * 3;
      v.push_back(pair(int_elem(w, b), int_elem(w, b + 2)));
      v.push_back(pair(int_elem(w, b + 1), 0));
    }
  return int32_tensor(name, v);
}

}  // namespace kiln
