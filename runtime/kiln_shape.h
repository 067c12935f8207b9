// kiln runtime: data movement. Strided copies (Transpose, Slice, Split, Expand, Tile,
// DepthToSpace, SpaceToDepth), concatenation, padding, gathers and scatters, resize, and the
// small index ops (CumSum, TopK, OneHot, Trilu, ReverseSequence). Unless a kernel says
// otherwise, its output must not overlap its inputs.
#ifndef KILN_SHAPE_H_
#define KILN_SHAPE_H_

#include "kiln_base.h"

namespace kiln {

template <typename T, int N>
inline void fill(T* y, T v) {
  for (int i = 0; i < N; ++i) y[i] = v;
}

// y, dense over dims D0..D5, reads x[i0*S0 + ... + i5*S5]. The compiler drops unit dims, merges
// dims that stay adjacent and pads with D = 1 in front. Strides may be 0 (broadcast) or negative
// (a slice with negative steps; x then points at the first element read).
template <typename T, int D0, int D1, int D2, int D3, int D4, int D5, int S0, int S1, int S2, int S3,
          int S4, int S5>
inline void strided_copy(const T* x, T* y) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2)
        for (int i3 = 0; i3 < D3; ++i3)
          for (int i4 = 0; i4 < D4; ++i4) {
            const T* r = x + i0 * S0 + i1 * S1 + i2 * S2 + i3 * S3 + i4 * S4;
            for (int i5 = 0; i5 < D5; ++i5) *y++ = r[i5 * S5];
          }
}

// Rows of Len elements from stride SX to stride SY (one input of a Concat).
template <typename T, int Rows, int Len, int SX, int SY>
inline void copy_rows(const T* x, T* y) {
  for (int r = 0; r < Rows; ++r)
    for (int j = 0; j < Len; ++j) y[r * SY + j] = x[r * SX + j];
}

// --- Pad ---
enum PadMode { kPadConstant = 0, kPadReflect = 1, kPadEdge = 2 };

constexpr int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Source index along a dim of size N for padded position s (output index minus the begin pad);
// -1 means "the constant". Reflect needs pads < N, checked by the compiler.
template <int Mode, int N>
inline int pad_source(int s) {
  if (s >= 0 && s < N) return s;
  if (Mode == kPadConstant) return -1;
  if (Mode == kPadEdge) return s < 0 ? 0 : N - 1;
  return s < 0 ? -s : 2 * (N - 1) - s;
}

// Input dims D0..D3, begin pads P0..P3 (negative pads crop), output dims O0..O3.
template <typename T, int Mode, int D0, int D1, int D2, int D3, int P0, int P1, int P2, int P3, int O0,
          int O1, int O2, int O3>
inline void pad(const T* x, T* y, T value) {
  constexpr int L = clamp_int(P3, 0, O3);       // first output column read from x
  constexpr int R = clamp_int(P3 + D3, L, O3);  // one past the last
  for (int o0 = 0; o0 < O0; ++o0) {
    const int s0 = pad_source<Mode, D0>(o0 - P0);
    for (int o1 = 0; o1 < O1; ++o1) {
      const int s1 = pad_source<Mode, D1>(o1 - P1);
      for (int o2 = 0; o2 < O2; ++o2) {
        const int s2 = pad_source<Mode, D2>(o2 - P2);
        T* yr = y + ((o0 * O1 + o1) * O2 + o2) * O3;
        if (s0 < 0 || s1 < 0 || s2 < 0) {
          for (int o3 = 0; o3 < O3; ++o3) yr[o3] = value;
          continue;
        }
        const T* xr = x + ((s0 * D1 + s1) * D2 + s2) * D3;
        for (int o3 = 0; o3 < L; ++o3) {
          const int s3 = pad_source<Mode, D3>(o3 - P3);
          yr[o3] = s3 < 0 ? value : xr[s3];
        }
        for (int o3 = L; o3 < R; ++o3) yr[o3] = xr[o3 - P3];
        for (int o3 = R; o3 < O3; ++o3) {
          const int s3 = pad_source<Mode, D3>(o3 - P3);
          yr[o3] = s3 < 0 ? value : xr[s3];
        }
      }
    }
  }
}

// --- gathers and scatters (indices may be runtime data; out-of-range ones read zeros or are
// skipped, so a bad index never touches memory outside the tensors) ---

// x viewed as [Outer, N, Inner]; y[o, k, :] = x[o, idx[k], :]. Negative indices count from N.
template <typename T, typename I, int Outer, int N, int K, int Inner>
inline void gather(const T* x, const I* idx, T* y) {
  for (int o = 0; o < Outer; ++o)
    for (int k = 0; k < K; ++k) {
      int64_t j = static_cast<int64_t>(idx[k]);
      if (j < 0) j += N;
      T* yr = y + (o * K + k) * Inner;
      if (j < 0 || j >= N) {
        for (int i = 0; i < Inner; ++i) yr[i] = T(0);
        continue;
      }
      const T* xr = x + (o * N + static_cast<int>(j)) * Inner;
      for (int i = 0; i < Inner; ++i) yr[i] = xr[i];
    }
}

// GatherElements: y and idx dense over D0..D3; x read at Σ ik*Sk + idx*SA (the axis has Sk = 0).
template <typename T, typename I, int D0, int D1, int D2, int D3, int S0, int S1, int S2, int S3, int N,
          int SA>
inline void gather_elements(const T* x, const I* idx, T* y) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2)
        for (int i3 = 0; i3 < D3; ++i3) {
          int64_t j = static_cast<int64_t>(*idx++);
          if (j < 0) j += N;
          *y++ = j < 0 || j >= N ? T(0) : x[i0 * S0 + i1 * S1 + i2 * S2 + i3 * S3 + static_cast<int>(j) * SA];
        }
}

// Scatter reductions.
struct ScatterSet {
  template <typename T> T operator()(T, T u) const { return u; }
};
struct ScatterAdd {
  template <typename T> T operator()(T a, T u) const { return static_cast<T>(a + u); }
};
struct ScatterMul {
  template <typename T> T operator()(T a, T u) const { return static_cast<T>(a * u); }
};

// ScatterElements on y (already a copy of the data): the mirror of gather_elements.
template <typename T, typename I, int D0, int D1, int D2, int D3, int S0, int S1, int S2, int S3, int N,
          int SA, typename F>
inline void scatter_elements(const T* u, const I* idx, T* y, F f) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2)
        for (int i3 = 0; i3 < D3; ++i3) {
          int64_t j = static_cast<int64_t>(*idx++);
          const T v = *u++;
          if (j < 0) j += N;
          if (j < 0 || j >= N) continue;
          T& d = y[i0 * S0 + i1 * S1 + i2 * S2 + i3 * S3 + static_cast<int>(j) * SA];
          d = f(d, v);
        }
}

// Element offset of index tuple `ix` (Q components) into dims/strides given as the pack
// {dim0, stride0, dim1, stride1, ...}; -1 when out of range.
template <typename I, int... DS>
inline int nd_offset(const I* ix) {
  constexpr int ds[] = {DS...};
  int off = 0;
  for (int q = 0; q < static_cast<int>(sizeof...(DS)) / 2; ++q) {
    int64_t v = static_cast<int64_t>(ix[q]);
    if (v < 0) v += ds[2 * q];
    if (v < 0 || v >= ds[2 * q]) return -1;
    off += static_cast<int>(v) * ds[2 * q + 1];
  }
  return off;
}

// GatherND: B batches (stride BS in x) of M index tuples, each selecting Slice elements.
template <typename T, typename I, int B, int M, int Slice, int BS, int... DS>
inline void gather_nd(const T* x, const I* idx, T* y) {
  constexpr int Q = static_cast<int>(sizeof...(DS)) / 2;
  for (int b = 0; b < B; ++b)
    for (int m = 0; m < M; ++m) {
      const int off = nd_offset<I, DS...>(idx + (b * M + m) * Q);
      T* yr = y + (b * M + m) * Slice;
      for (int s = 0; s < Slice; ++s) yr[s] = off < 0 ? T(0) : x[b * BS + off + s];
    }
}

// ScatterND on y (already a copy of the data).
template <typename T, typename I, int M, int Slice, typename F, int... DS>
inline void scatter_nd(const T* u, const I* idx, T* y, F f) {
  constexpr int Q = static_cast<int>(sizeof...(DS)) / 2;
  for (int m = 0; m < M; ++m) {
    const int off = nd_offset<I, DS...>(idx + m * Q);
    if (off < 0) continue;
    for (int s = 0; s < Slice; ++s) y[off + s] = f(y[off + s], u[m * Slice + s]);
  }
}

// --- resize (the compiler precomputes, per output row and column, the source indices and
// weights; an index of -1 stands for the extrapolation value) ---

template <typename T, int NC, int IH, int IW, int OH, int OW>
inline void resize_nearest(const T* x, T* y, const int32_t* ry, const int32_t* rx, T extrapolation) {
  for (int c = 0; c < NC; ++c) {
    const T* xc = x + c * IH * IW;
    for (int oh = 0; oh < OH; ++oh)
      for (int ow = 0; ow < OW; ++ow)
        *y++ = ry[oh] < 0 || rx[ow] < 0 ? extrapolation : xc[ry[oh] * IW + rx[ow]];
  }
}

// ry/rx hold two source indices per output row/column, wy/wx the weight of the second.
template <typename T, int NC, int IH, int IW, int OH, int OW>
inline void resize_linear(const T* x, T* y, const int32_t* ry, const float* wy, const int32_t* rx,
                          const float* wx, T extrapolation) {
  for (int c = 0; c < NC; ++c) {
    const T* xc = x + c * IH * IW;
    for (int oh = 0; oh < OH; ++oh) {
      if (ry[2 * oh] < 0) {
        for (int ow = 0; ow < OW; ++ow) *y++ = extrapolation;
        continue;
      }
      const T* r0 = xc + ry[2 * oh] * IW;
      const T* r1 = xc + ry[2 * oh + 1] * IW;
      const T v = static_cast<T>(wy[oh]);
      for (int ow = 0; ow < OW; ++ow) {
        const int c0 = rx[2 * ow], c1 = rx[2 * ow + 1];
        if (c0 < 0) {
          *y++ = extrapolation;
          continue;
        }
        const T u = static_cast<T>(wx[ow]);
        const T top = (T(1) - u) * r0[c0] + u * r0[c1];
        const T bottom = (T(1) - u) * r1[c0] + u * r1[c1];
        *y++ = (T(1) - v) * top + v * bottom;
      }
    }
  }
}

// ry/rx hold K source indices per output row/column (clamped to the input) and wy/wx their
// weights (cubic: K = 4); the output is the weighted sum over the K x K taps.
template <typename T, int NC, int IH, int IW, int OH, int OW, int K>
inline void resize_taps(const T* x, T* y, const int32_t* ry, const float* wy, const int32_t* rx, const float* wx,
                        T extrapolation) {
  for (int c = 0; c < NC; ++c) {
    const T* xc = x + c * IH * IW;
    for (int oh = 0; oh < OH; ++oh) {
      const int32_t* iy = ry + K * oh;
      const float* vy = wy + K * oh;
      for (int ow = 0; ow < OW; ++ow) {
        const int32_t* ix = rx + K * ow;
        const float* vx = wx + K * ow;
        if (iy[0] < 0 || ix[0] < 0) {
          *y++ = extrapolation;
          continue;
        }
        T acc = T(0);
        for (int i = 0; i < K; ++i) {
          const T* r = xc + iy[i] * IW;
          T row = T(0);
          for (int j = 0; j < K; ++j) row += static_cast<T>(vx[j]) * r[ix[j]];
          acc += static_cast<T>(vy[i]) * row;
        }
        *y++ = acc;
      }
    }
  }
}

// --- index ops, all on x viewed as [Outer, N, Inner] along the op's axis ---

template <typename T, int Outer, int N, int Inner, bool Exclusive, bool Reverse>
inline void cumsum(const T* x, T* y) {
  for (int o = 0; o < Outer; ++o)
    for (int i = 0; i < Inner; ++i) {
      T acc = T(0);
      for (int k = 0; k < N; ++k) {
        const int p = (o * N + (Reverse ? N - 1 - k : k)) * Inner + i;
        const T v = x[p];
        if (Exclusive) {
          y[p] = acc;
          acc = static_cast<T>(acc + v);
        } else {
          acc = static_cast<T>(acc + v);
          y[p] = acc;
        }
      }
    }
}

// The K largest (or smallest) along N, sorted; equal values keep the lower index first.
// Insertion into the (strided) outputs, so no scratch memory.
template <typename T, int Outer, int N, int Inner, int K, bool Largest>
inline void top_k(const T* x, T* values, int64_t* indices) {
  if (K <= 0) return;
  for (int o = 0; o < Outer; ++o)
    for (int i = 0; i < Inner; ++i) {
      const T* xl = x + o * N * Inner + i;
      T* vl = values + o * K * Inner + i;
      int64_t* il = indices + o * K * Inner + i;
      int count = 0;
      for (int j = 0; j < N; ++j) {
        const T v = xl[j * Inner];
        int pos;
        if (count < K) {
          pos = count++;
        } else {
          const T last = vl[(K - 1) * Inner];
          if (!(Largest ? v > last : v < last)) continue;
          pos = K - 1;
        }
        while (pos > 0 && (Largest ? v > vl[(pos - 1) * Inner] : v < vl[(pos - 1) * Inner])) {
          vl[pos * Inner] = vl[(pos - 1) * Inner];
          il[pos * Inner] = il[(pos - 1) * Inner];
          --pos;
        }
        vl[pos * Inner] = v;
        il[pos * Inner] = j;
      }
    }
}

// y[o, d, i] = values[1] if idx[o, i] (negative counts from Depth) == d else values[0].
template <typename I, typename T, int Outer, int Depth, int Inner>
inline void one_hot(const I* idx, const T* values, T* y) {
  const T off = values[0], on = values[1];
  for (int o = 0; o < Outer; ++o)
    for (int d = 0; d < Depth; ++d)
      for (int i = 0; i < Inner; ++i) {
        int64_t v = static_cast<int64_t>(idx[o * Inner + i]);
        if (v < 0) v += Depth;
        y[(o * Depth + d) * Inner + i] = v == d ? on : off;
      }
}

// Keeps the upper (j - i >= K) or lower (j - i <= K) triangle of each M x N matrix.
template <typename T, int B, int M, int N, int K, bool Upper>
inline void trilu(const T* x, T* y) {
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        const int p = (b * M + i) * N + j;
        y[p] = (Upper ? j - i >= K : j - i <= K) ? x[p] : T(0);
      }
}

// x is [Tn, Bn, Inner] (time major) or [Bn, Tn, Inner]; the first lens[b] steps of each batch
// are reversed, the rest copied.
template <typename T, typename I, int Tn, int Bn, int Inner, bool BatchMajor>
inline void reverse_sequence(const T* x, const I* lens, T* y) {
  for (int b = 0; b < Bn; ++b) {
    int64_t len = static_cast<int64_t>(lens[b]);
    if (len < 0) len = 0;
    if (len > Tn) len = Tn;
    for (int t = 0; t < Tn; ++t) {
      const int s = t < len ? static_cast<int>(len) - 1 - t : t;
      const T* xr = x + (BatchMajor ? b * Tn + s : s * Bn + b) * Inner;
      T* yr = y + (BatchMajor ? b * Tn + t : t * Bn + b) * Inner;
      for (int i = 0; i < Inner; ++i) yr[i] = xr[i];
    }
  }
}

}  // namespace kiln

#endif  // KILN_SHAPE_H_
