// Zero-aware weights: whether a layer's constant weight matrix W[M, K] (row m: the K weights of
// output m) is emitted dense or as CSR (runtime/kiln_sparse.h), by a flash and speed cost model.
//
// Dense costs M*K weights of flash and M*K multiply-adds per pixel. CSR costs nnz weights plus a
// column index each (1 byte when K <= 256, else 2) plus M+1 row offsets (2 or 4 bytes), and nnz
// multiply-adds per pixel at kCsrMacCost times the dense kernel's cost each (an index load and
// less register blocking). CSR is chosen when it is smaller and faster; a layer without zeros
// stays dense.
#pragma once

#include <string>

#include "compiler/ops/op.h"

namespace kiln {

constexpr double kCsrMacCost = 1.6;

struct CsrWeights {
  std::string vals, cols, rows;  // C symbols of the three constants
  std::string col_type, row_type;
  int64_t nnz = 0;
};

// Flash bytes of w's CSR form (w: [M, K] or [M, ...], any numeric dtype, row m the weights of
// output m), or -1 when the cost model keeps w dense.
int64_t csr_bytes(const Tensor& w, int64_t M);

// Decides for w ([M, K] or [M, ...], any numeric dtype); when CSR wins, adds its constants
// (named after `hint`) and fills *out. Returns false for dense.
bool emit_csr_weights(OpCtx& ctx, const std::string& hint, const Tensor& w, int64_t M, CsrWeights* out);

}  // namespace kiln
