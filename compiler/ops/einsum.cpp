// Einsum (opset 12..17) of one or two operands: products, contractions, transposes, diagonals
// (a label repeated in one operand), sums and "..." broadcast dims, explicit ("ij,jk->ik") or
// implicit ("ij,jk") output. Float32 and float64. Emitted as constant-stride loops: up to four
// output loops (more become several calls) around up to two reduction loops after merging
// neighbouring dims; an equation needing more reduction loops is not supported.
#include <algorithm>
#include <cctype>
#include <map>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

// Labels: letters are their character; the dims covered by "..." are kEllipsis + position.
constexpr int kEllipsis = 1000;

struct EinsumPlan {
  std::vector<std::vector<int>> in_labels;  // per operand, per dim
  std::vector<int> out_labels;
  std::map<int, int64_t> extent;
  std::vector<int> reduce_labels;  // labels not in the output, in first-seen order
  // Element stride of each operand per label (sum over repeated dims; 0 if absent or broadcast).
  std::vector<std::map<int, int64_t>> strides;
};

// Parses one subscript term into labels for an operand of `rank` dims (rank < 0: the output,
// whose "..." covers `ell_rank` dims).
Status parse_term(OpCtx& ctx, const std::string& term, int64_t rank, int64_t* ell_rank, std::vector<int>* labels) {
  size_t letters = 0, dots = term.find("...");
  for (char c : term)
    if (std::isalpha(static_cast<unsigned char>(c))) ++letters;
    else if (c != '.') return ctx.invalid(fmt::format("bad character '{}' in equation", c));
  if (std::count(term.begin(), term.end(), '.') != (dots == std::string::npos ? 0 : 3))
    return ctx.invalid(fmt::format("term '{}' has a '.' outside its one ellipsis", term));
  int64_t e = 0;
  if (rank >= 0) {
    e = rank - static_cast<int64_t>(letters);
    if (e < 0 || (dots == std::string::npos && e != 0))
      return ctx.invalid(fmt::format("term '{}' does not match an operand of rank {}", term, rank));
    *ell_rank = std::max(*ell_rank, e);
  } else {
    e = dots == std::string::npos ? 0 : *ell_rank;
  }
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      // Operands' "..." labels are right-aligned by plan() once every rank is known.
      for (int64_t k = 0; k < e; ++k) labels->push_back(static_cast<int>(kEllipsis + k));
      i += 2;
      continue;
    }
    labels->push_back(term[i]);
  }
  return Status::ok();
}

Status plan(OpCtx& ctx, EinsumPlan* p) {
  std::string eq;
  for (char c : ctx.node().attr_string("equation", "")) if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t b = 0;;) {
    size_t e = lhs.find(',', b);
    terms.push_back(lhs.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  if (terms.size() != ctx.num_inputs()) return ctx.invalid("the equation's terms do not match the inputs");
  if (terms.size() > 2) return ctx.unsupported("Einsum of more than two operands is not supported");
  int64_t ell = 0;
  p->in_labels.assign(terms.size(), {});
  for (size_t i = 0; i < terms.size(); ++i)
    KILN_TRY(parse_term(ctx, terms[i], static_cast<int64_t>(ctx.in(i).shape.size()), &ell, &p->in_labels[i]));
  // Align "..." dims to the right across operands: shift each operand's ellipsis labels.
  for (size_t i = 0; i < terms.size(); ++i) {
    int64_t e = 0;
    for (int l : p->in_labels[i]) e += l >= kEllipsis;
    for (int& l : p->in_labels[i])
      if (l >= kEllipsis) l += static_cast<int>(ell - e);
  }
  // Extents: letters must agree; "..." dims broadcast.
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& s = ctx.in(i).shape;
    for (size_t k = 0; k < s.size(); ++k) {
      int l = p->in_labels[i][k];
      auto it = p->extent.find(l);
      if (it == p->extent.end() || it->second == 1) p->extent[l] = s[k];
      else if (s[k] != it->second && !(l >= kEllipsis && s[k] == 1))
        return ctx.invalid(fmt::format("label '{}' has extents {} and {}", l >= kEllipsis ? '.' : static_cast<char>(l),
                                       it->second, s[k]));
    }
  }
  if (arrow != std::string::npos) {
    KILN_TRY(parse_term(ctx, eq.substr(arrow + 2), -1, &ell, &p->out_labels));
    for (int l : p->out_labels) {
      if (!p->extent.count(l)) return ctx.invalid("an output label does not appear in the inputs");
      if (std::count(p->out_labels.begin(), p->out_labels.end(), l) > 1) return ctx.invalid("an output label repeats");
    }
  } else {
    for (int64_t k = 0; k < ell; ++k) p->out_labels.push_back(static_cast<int>(kEllipsis + k));
    std::map<int, int> count;
    for (const auto& ls : p->in_labels)
      for (int l : ls) ++count[l];
    for (const auto& kv : count)  // map order: alphabetical (uppercase first), as numpy
      if (kv.first < kEllipsis && kv.second == 1) p->out_labels.push_back(kv.first);
  }
  for (const auto& ls : p->in_labels)
    for (int l : ls)
      if (!std::count(p->out_labels.begin(), p->out_labels.end(), l) &&
          !std::count(p->reduce_labels.begin(), p->reduce_labels.end(), l))
        p->reduce_labels.push_back(l);
  p->strides.assign(terms.size(), {});
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& s = ctx.in(i).shape;
    int64_t st = 1;
    for (size_t k = s.size(); k-- > 0;) {
      int l = p->in_labels[i][k];
      if (s[k] != 1) p->strides[i][l] += st;
      st *= s[k];
    }
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64) return ctx.unsupported_type(t);
  for (size_t i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.in(i).dtype != t) return ctx.invalid("the operands have different types");
  EinsumPlan p;
  KILN_TRY(plan(ctx, &p));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape.clear();
  for (int l : p.out_labels) y.shape.push_back(p.extent[l]);
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  EinsumPlan p;
  KILN_TRY(plan(ctx, &p));
  std::vector<int> loops = p.out_labels;
  loops.insert(loops.end(), p.reduce_labels.begin(), p.reduce_labels.end());
  const int64_t outs = ctx.out(0).numel();
  int64_t inner = 1;
  for (int l : p.reduce_labels) inner *= p.extent[l];
  dispatch_dtype(ctx.out(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t o = 0; o < outs; ++o) {
      double acc = 0;
      for (int64_t r = 0; r < inner; ++r) {
        // Decode (o, r) into one index per loop label, then each operand's offset.
        std::map<int, int64_t> idx;
        int64_t rem = r;
        for (size_t k = p.reduce_labels.size(); k-- > 0;) {
          idx[p.reduce_labels[k]] = rem % p.extent[p.reduce_labels[k]];
          rem /= p.extent[p.reduce_labels[k]];
        }
        rem = o;
        for (size_t k = p.out_labels.size(); k-- > 0;) {
          idx[p.out_labels[k]] = rem % p.extent[p.out_labels[k]];
          rem /= p.extent[p.out_labels[k]];
        }
        double prod = 1;
        for (size_t i = 0; i < ctx.num_inputs(); ++i) {
          int64_t off = 0;
          for (const auto& kv : p.strides[i]) off += idx[kv.first] * kv.second;
          prod *= static_cast<double>(ctx.in(i).as<T>()[off]);
        }
        acc += prod;
      }
      y[o] = static_cast<T>(acc);
    }
  });
  return Status::ok();
}

// One loop of the emitted kernel: its extent and each operand's stride.
struct Loop {
  int64_t n, a, b;
};

// Drops 1-extent loops and merges neighbours whose strides chain in both operands.
std::vector<Loop> merge_loops(const std::vector<Loop>& in) {
  std::vector<Loop> out;
  for (const Loop& l : in) {
    if (l.n == 1) continue;
    if (!out.empty() && out.back().a == l.a * l.n && out.back().b == l.b * l.n) {
      out.back() = {out.back().n * l.n, l.a, l.b};
      continue;
    }
    out.push_back(l);
  }
  return out;
}

Status emit(OpCtx& ctx) {
  EinsumPlan p;
  KILN_TRY(plan(ctx, &p));
  if (ctx.out(0).numel() == 0) {
    ctx.w().line("// empty output: no code");
    return Status::ok();
  }
  const bool two = ctx.num_inputs() == 2;
  auto loop_of = [&](int l) {
    auto st = [&](size_t i) { return i < p.strides.size() && p.strides[i].count(l) ? p.strides[i].at(l) : 0; };
    return Loop{p.extent[l], st(0), st(1)};
  };
  std::vector<Loop> outs, reds;
  for (int l : p.out_labels) outs.push_back(loop_of(l));
  for (int l : p.reduce_labels) reds.push_back(loop_of(l));
  // Reduction order is free: put the longest-stride loops outside so the inner one runs along
  // contiguous memory, which also lets neighbours merge.
  std::stable_sort(reds.begin(), reds.end(),
                   [](const Loop& x, const Loop& y) { return x.a + x.b > y.a + y.b; });
  outs = merge_loops(outs);
  reds = merge_loops(reds);
  if (reds.size() > 2)
    return ctx.unsupported(fmt::format("equation '{}' needs {} reduction loops (at most 2 are supported)",
                                       ctx.node().attr_string("equation", ""), reds.size()));
  while (reds.size() < 2) reds.insert(reds.begin(), Loop{1, 0, 0});
  while (outs.size() < 4) outs.insert(outs.begin(), Loop{1, 0, 0});
  ctx.include("kiln_linalg.h");
  // More than four output loops: one call per index of the leading ones.
  const size_t lead = outs.size() - 4;
  int64_t calls = 1, per_call = 1;
  for (size_t i = 0; i < lead; ++i) calls *= outs[i].n;
  for (size_t i = lead; i < outs.size(); ++i) per_call *= outs[i].n;
  auto off = [](int64_t o) { return o ? fmt::format(" + {}", o) : std::string(); };
  for (int64_t c = 0; c < calls; ++c) {
    int64_t oa = 0, ob = 0, rem = c;
    for (size_t i = lead; i-- > 0;) {
      oa += (rem % outs[i].n) * outs[i].a;
      ob += (rem % outs[i].n) * outs[i].b;
      rem /= outs[i].n;
    }
    std::vector<Loop> l(outs.begin() + static_cast<long>(lead), outs.end());
    l.insert(l.end(), reds.begin(), reds.end());
    std::string dims = fmt::format("{}, {}, {}, {}, {}, {}", l[0].n, l[1].n, l[2].n, l[3].n, l[4].n, l[5].n);
    std::string sa = fmt::format("{}, {}, {}, {}, {}, {}", l[0].a, l[1].a, l[2].a, l[3].a, l[4].a, l[5].a);
    std::string sb = fmt::format("{}, {}, {}, {}, {}, {}", l[0].b, l[1].b, l[2].b, l[3].b, l[4].b, l[5].b);
    const char* T = dtype_c_name(ctx.out(0).dtype);
    if (two) {
      ctx.w().line("kiln::einsum2<{}, {}, {}, {}>({}{}, {}{}, {}{});", T, dims, sa, sb, ctx.in_ptr(0), off(oa),
                   ctx.in_ptr(1), off(ob), ctx.out_ptr(0), off(c * per_call));
    } else {
      ctx.w().line("kiln::einsum1<{}, {}, {}>({}{}, {}{});", T, dims, sa, ctx.in_ptr(0), off(oa), ctx.out_ptr(0),
                   off(c * per_call));
    }
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  EinsumPlan p;
  if (ctx.num_inputs() != 2 || !plan(ctx, &p)) return 0;
  int64_t n = 1;
  for (const auto& kv : p.extent) n *= kv.second;
  return n;
}

}  // namespace

const OpDef kOp_Einsum = {"Einsum", 12, 17, infer, eval, emit, macs};

}  // namespace kiln
