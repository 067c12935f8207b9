// MatMul (opset 1..17): numpy matmul. A 1-D operand is promoted to a matrix ([K] -> [1, K] for
// A, [K, 1] for B) and the promoted dim dropped again; leading (batch) dims broadcast. Float32,
// float64, int32, int64, uint32, uint64 (integers wrap like the ONNX reference).
#include <type_traits>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

struct MatMulDims {
  int64_t M, N, K;
  Shape batch;        // broadcast leading dims of the output
  Shape a_batch, b_batch;  // the operands' leading dims
};

Status resolve(OpCtx& ctx, MatMulDims* d) {
  const Shape& as = ctx.in(0).shape;
  const Shape& bs = ctx.in(1).shape;
  if (as.empty() || bs.empty()) return ctx.invalid("MatMul operands must have rank >= 1");
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  d->M = a1 ? 1 : as[as.size() - 2];
  d->K = as.back();
  d->N = b1 ? 1 : bs.back();
  const int64_t kb = b1 ? bs[0] : bs[bs.size() - 2];
  if (kb != d->K) return ctx.invalid(fmt::format("cannot multiply {} by {}", shape_str(as), shape_str(bs)));
  d->a_batch = a1 ? Shape{} : Shape(as.begin(), as.end() - 2);
  d->b_batch = b1 ? Shape{} : Shape(bs.begin(), bs.end() - 2);
  if (!broadcast_shapes(d->a_batch, d->b_batch, &d->batch))
    return ctx.invalid(fmt::format("batch dims of {} and {} do not broadcast", shape_str(as), shape_str(bs)));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt32 && t != DType::kInt64 &&
      t != DType::kUInt32 && t != DType::kUInt64)
    return ctx.unsupported_type(t);
  if (ctx.in(1).dtype != t) return ctx.invalid("A and B must have the same type");
  MatMulDims d;
  KILN_TRY(resolve(ctx, &d));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = d.batch;
  if (ctx.in(0).shape.size() > 1) y.shape.push_back(d.M);
  if (ctx.in(1).shape.size() > 1) y.shape.push_back(d.N);
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  MatMulDims d;
  KILN_TRY(resolve(ctx, &d));
  const Tensor& ta = ctx.in(0);
  const Tensor& tb = ctx.in(1);
  std::vector<int64_t> sa = broadcast_strides(d.a_batch, d.batch), sb = broadcast_strides(d.b_batch, d.batch);
  dispatch_dtype(ta.dtype, [&](auto tag) {
    using T = decltype(tag);
    // Integers accumulate modulo 2^64, so overflow wraps as the kernel's does.
    using Acc = std::conditional_t<std::is_floating_point<T>::value, double, uint64_t>;
    const T* a = ta.as<T>();
    const T* b = tb.as<T>();
    T* y = ctx.out(0).as_mut<T>();
    const int64_t batches = shape_numel(d.batch);
    for (int64_t i = 0; i < batches; ++i) {
      int64_t oa = 0, ob = 0, rem = i;
      for (size_t k = d.batch.size(); k-- > 0;) {
        oa += (rem % d.batch[k]) * sa[k];
        ob += (rem % d.batch[k]) * sb[k];
        rem /= d.batch[k];
      }
      const T* am = a + oa * d.M * d.K;
      const T* bm = b + ob * d.K * d.N;
      for (int64_t m = 0; m < d.M; ++m)
        for (int64_t n = 0; n < d.N; ++n) {
          Acc acc = 0;
          for (int64_t k = 0; k < d.K; ++k) acc += static_cast<Acc>(am[m * d.K + k]) * static_cast<Acc>(bm[k * d.N + n]);
          y[(i * d.M + m) * d.N + n] = static_cast<T>(acc);
        }
    }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  MatMulDims d;
  KILN_TRY(resolve(ctx, &d));
  const Tensor& tb = ctx.in(1);
  if (ctx.out(0).numel() == 0) {
    ctx.w().line("// empty output: no code");
    return Status::ok();
  }
  ctx.include("kiln_linalg.h");
  // The dot-product kernel wants B slices as [N, K] rows: constant weights are repacked here, and
  // a single column ([K, 1]) already is one. Activations stay [K, N] for the m-k-n kernel.
  // (Asking for a constant's pointer makes it part of the module, so only the one used is.)
  const bool repack = d.N != 1 && tb.is_const;
  const bool nt = d.N == 1 || repack;
  std::string bp = repack ? ctx.add_const(tb.name + "_t", transpose_last2(tb, tb.name + " (transposed)")) : ctx.in_ptr(1);
  // Batch dims as element strides of each operand (0 where broadcast), size-1 dims dropped and
  // neighbours whose strides chain in both operands merged.
  std::vector<int64_t> sa = broadcast_strides(d.a_batch, d.batch), sb = broadcast_strides(d.b_batch, d.batch);
  std::vector<int64_t> dims, da, db;
  for (size_t i = 0; i < d.batch.size(); ++i) {
    if (d.batch[i] == 1) continue;
    const int64_t ea = sa[i] * d.M * d.K, eb = sb[i] * d.K * d.N;
    if (!dims.empty() && da.back() == ea * d.batch[i] && db.back() == eb * d.batch[i]) {
      dims.back() *= d.batch[i];
      da.back() = ea;
      db.back() = eb;
      continue;
    }
    dims.push_back(d.batch[i]);
    da.push_back(ea);
    db.push_back(eb);
  }
  int64_t m = d.M;
  // One B for every batch and a dense A: the batch is just more rows of A.
  if (dims.size() == 1 && db[0] == 0 && da[0] == d.M * d.K) {
    m *= dims[0];
    dims.clear();
    da.clear();
    db.clear();
  }
  while (dims.size() < 2) {
    dims.insert(dims.begin(), 1);
    da.insert(da.begin(), 0);
    db.insert(db.begin(), 0);
  }
  // Rare: more than two batch dims left; one call per index of the leading ones.
  const size_t lead = dims.size() - 2;
  int64_t calls = 1;
  for (size_t i = 0; i < lead; ++i) calls *= dims[i];
  const int64_t per_call = dims[lead] * dims[lead + 1] * m * d.N;
  for (int64_t c = 0; c < calls; ++c) {
    int64_t oa = 0, ob = 0, rem = c;
    for (size_t i = lead; i-- > 0;) {
      oa += (rem % dims[i]) * da[i];
      ob += (rem % dims[i]) * db[i];
      rem /= dims[i];
    }
    auto off = [](int64_t o) { return o ? fmt::format(" + {}", o) : std::string(); };
    ctx.w().line("kiln::matmul_batched<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}{}, {}{});", dims[lead],
                 dims[lead + 1], da[lead], da[lead + 1], db[lead], db[lead + 1], m, d.N, d.K, nt ? "true" : "false",
                 ctx.in_ptr(0), off(oa), bp, off(ob), ctx.out_ptr(0), off(c * per_call));
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  MatMulDims d;
  if (!resolve(ctx, &d)) return 0;
  return shape_numel(d.batch) * d.M * d.N * d.K;
}

}  // namespace

const OpDef kOp_MatMul = {"MatMul", 1, 17, infer, eval, emit, macs};

}  // namespace kiln
