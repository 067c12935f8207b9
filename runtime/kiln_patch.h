// kiln runtime: patch-based execution (passes/patch_stage.cpp). The first layers of a model run
// tile by tile; each tile's result is copied into its place in the whole output.
#ifndef KILN_PATCH_H_
#define KILN_PATCH_H_

#include "kiln_base.h"

namespace kiln {

// tile [C, TH, TW] into y, which points at element (0, h0, w0) of an NCHW [C, H, W] tensor.
template <typename T, int C, int TH, int TW, int H, int W>
inline void insert_tile(const T* tile, T* y) {
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < TH; ++r)
      for (int j = 0; j < TW; ++j) y[(c * H + r) * W + j] = tile[(c * TH + r) * TW + j];
}

}  // namespace kiln

#endif  // KILN_PATCH_H_
