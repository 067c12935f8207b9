#include "compiler/ops/sparse_util.h"

#include <algorithm>
#include <cstring>

namespace kiln {

int64_t csr_bytes(const Tensor& w, int64_t M) {
  if (M <= 0 || w.numel() % M || !w.is_const) return -1;
  const int64_t K = w.numel() / M;
  if (K > 65536) return -1;
  int64_t nnz = 0;
  for (int64_t i = 0; i < w.numel(); ++i) nnz += w.float_at(i) != 0.0;
  const int64_t es = static_cast<int64_t>(dtype_size(w.dtype));
  const int64_t cs = K <= 256 ? 1 : 2, rs = nnz <= 65535 ? 2 : 4;
  const int64_t dense = M * K * es, csr = nnz * (es + cs) + (M + 1) * rs;
  const bool faster = static_cast<double>(nnz) * kCsrMacCost < static_cast<double>(M * K);
  return nnz < M * K && csr < dense && faster ? csr : -1;
}

bool emit_csr_weights(OpCtx& ctx, const std::string& hint, const Tensor& w, int64_t M, CsrWeights* out) {
  if (!ctx.sparse_weights() || csr_bytes(w, M) < 0) return false;
  const int64_t K = w.numel() / M;
  int64_t nnz = 0;
  for (int64_t i = 0; i < w.numel(); ++i) nnz += w.float_at(i) != 0.0;
  const int64_t es = static_cast<int64_t>(dtype_size(w.dtype));
  const int64_t cs = K <= 256 ? 1 : 2, rs = nnz <= 65535 ? 2 : 4;
  Tensor vals = w, cols, rows;
  vals.name = hint + "_csr_vals";
  vals.shape = {std::max<int64_t>(nnz, 1)};
  vals.alloc();
  cols.name = hint + "_csr_cols";
  cols.dtype = cs == 1 ? DType::kUInt8 : DType::kUInt16;
  cols.shape = {std::max<int64_t>(nnz, 1)};
  cols.shape_known = cols.is_const = true;
  cols.alloc();
  rows.name = hint + "_csr_rows";
  rows.dtype = rs == 2 ? DType::kUInt16 : DType::kUInt32;
  rows.shape = {M + 1};
  rows.shape_known = rows.is_const = true;
  rows.alloc();
  int64_t j = 0;
  for (int64_t m = 0; m < M; ++m) {
    if (rs == 2) rows.as_mut<uint16_t>()[m] = static_cast<uint16_t>(j);
    else rows.as_mut<uint32_t>()[m] = static_cast<uint32_t>(j);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t i = m * K + k;
      if (w.float_at(i) == 0.0) continue;
      std::memcpy(vals.data.data() + j * es, w.data.data() + i * es, static_cast<size_t>(es));
      if (cs == 1) cols.as_mut<uint8_t>()[j] = static_cast<uint8_t>(k);
      else cols.as_mut<uint16_t>()[j] = static_cast<uint16_t>(k);
      ++j;
    }
  }
  if (rs == 2) rows.as_mut<uint16_t>()[M] = static_cast<uint16_t>(j);
  else rows.as_mut<uint32_t>()[M] = static_cast<uint32_t>(j);
  out->vals = ctx.add_const(vals.name, vals);
  out->cols = ctx.add_const(cols.name, cols);
  out->rows = ctx.add_const(rows.name, rows);
  out->col_type = dtype_c_name(cols.dtype);
  out->row_type = dtype_c_name(rows.dtype);
  out->nnz = nnz;
  ctx.include("kiln_sparse.h");
  return true;
}

}  // namespace kiln
