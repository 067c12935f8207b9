#include "compiler/driver/memory_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace kiln {

namespace {

std::string escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '&': r += "&amp;"; break;
      case '"': r += "&quot;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string json_str(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      r += fmt::format("\\u{:04x}", c);
      continue;
    }
    r += c;
  }
  return r + "\"";
}

}  // namespace

static int64_t offset_in_root(const Graph& g, const std::string& name) {
  int64_t off = 0;
  for (const Tensor* t = &g.tensor(name); !t->alias_of.empty(); t = &g.tensor(t->alias_of)) off += t->alias_offset;
  return off;
}

MemoryReport memory_report(const CompileResult& r) {
  MemoryReport m;
  m.arena = static_cast<int64_t>(r.module.arena_bytes);
  m.bound = r.liveness_bound;
  m.buffers = analyse_buffers(r.graph, 1);
  for (const Buffer& b : m.buffers) {
    int64_t off = -1;
    if (const Tensor* t = r.graph.find(b.name)) {
      off = t->arena_offset - b.base;
    } else {  // a kernel's scratch
      for (const Node& n : r.graph.nodes)
        if (scratch_buffer_name(n) == b.name) off = n.attr_int("kiln_scratch_offset", -1);
    }
    m.offsets.push_back(off);
  }
  int lo = 0, hi = 0;
  for (const Buffer& b : m.buffers) {
    lo = std::min(lo, b.first);
    hi = std::max(hi, b.last);
  }
  int64_t best = -1;
  for (int s = lo; s <= hi; ++s) {
    int64_t total = 0;
    for (const Buffer& b : m.buffers) total += live_bytes(b, s);
    if (total > best) {
      best = total;
      m.peak_step = s;
    }
  }
  std::vector<std::pair<int64_t, std::string>> alive;
  for (const Buffer& b : m.buffers)
    if (int64_t live = live_bytes(b, m.peak_step)) alive.push_back({-live, b.name});
  std::sort(alive.begin(), alive.end());
  for (const auto& a : alive) {
    m.peak.push_back(a.second);
    m.peak_bytes.push_back(-a.first);
  }
  for (const Node& n : r.graph.nodes) {
    const std::string y = n.attr_string("kiln_inplace_alias", "");
    if (y.empty() || n.inputs.empty()) continue;
    InplaceRelation rel;
    rel.node = n.name;
    rel.op = n.op;
    rel.kind = n.has_attr("kiln_inplace_dw") ? "depthwise" : n.has_attr("kiln_inplace_pw") ? "pointwise" : "quantize";
    rel.input = n.inputs[0];
    rel.output = y;
    rel.offset = offset_in_root(r.graph, y) - offset_in_root(r.graph, n.inputs[0]);
    rel.scratch = n.attr_int("kiln_scratch_bytes", 0);
    m.inplace.push_back(rel);
  }
  return m;
}

std::string memory_summary(const MemoryReport& m) {
  std::string s = fmt::format("arena {} B = {:.1f}% of the liveness bound {} B", m.arena,
                              m.bound ? 100.0 * static_cast<double>(m.arena) / static_cast<double>(m.bound) : 100.0, m.bound);
  if (!m.inplace.empty()) {
    std::map<std::string, int> kinds;
    int64_t scratch = 0;
    for (const auto& rel : m.inplace) {
      ++kinds[rel.kind];
      scratch = std::max(scratch, rel.scratch);
    }
    std::string list;
    for (const auto& kv : kinds) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", kv.second, kv.first);
    s += fmt::format(" (in place below the bound: {}; outputs over their inputs, largest scratch {} B)", list, scratch);
  }
  s += fmt::format("; alive at the peak (step {}):", m.peak_step);
  for (size_t i = 0; i < m.peak.size(); ++i) {
    if (i == 6) {
      s += fmt::format(" +{} more", m.peak.size() - 6);
      break;
    }
    s += fmt::format(" {} ({} B)", m.peak[i], m.peak_bytes[i]);
  }
  return s;
}

namespace {
const PassResult* patch_pass(const CompileResult& r) {
  for (const auto& p : r.passes)
    if (p.first == "patch-stage" && p.second.stats.count("patch-grid")) return &p.second;
  return nullptr;
}
int64_t stat(const PassResult& p, const char* k) {
  auto it = p.stats.find(k);
  return it == p.stats.end() ? 0 : it->second;
}
double pct(int64_t part, int64_t whole) { return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
}  // namespace

std::string patch_summary(const CompileResult& r) {
  const PassResult* p = patch_pass(r);
  if (!p) return "";
  const int64_t n = stat(*p, "patch-grid"), layers = stat(*p, "patch-layers"), before = stat(*p, "arena-unpatched");
  if (layers == 0)
    return fmt::format("{0}x{0}: no patched stage lowers the arena ({1} B without patches); not applied", n, before);
  const int64_t after = stat(*p, "arena-patched"), extra = stat(*p, "stage-macs-patched") - stat(*p, "stage-macs");
  return fmt::format("{0}x{0} tiles over the first {1} convolutions: arena {2} B instead of {3} B ({4:+.1f}%), "
                     "{5} MACs computed again (+{6:.1f}% of the model's {7})",
                     n, layers, after, before, pct(after - before, before), extra, pct(extra, r.total_macs - extra),
                     r.total_macs - extra);
}

std::string patch_json(const CompileResult& r) {
  const PassResult* p = patch_pass(r);
  if (!p) return "null";
  const int64_t extra = stat(*p, "stage-macs-patched") - stat(*p, "stage-macs");
  return fmt::format("{{\"grid\": {}, \"layers\": {}, \"arena_unpatched\": {}, \"arena_patched\": {}, "
                     "\"extra_macs\": {}, \"extra_macs_percent\": {:.2f}}}",
                     stat(*p, "patch-grid"), stat(*p, "patch-layers"), stat(*p, "arena-unpatched"),
                     stat(*p, "patch-layers") ? stat(*p, "arena-patched") : stat(*p, "arena-unpatched"), extra,
                     pct(extra, r.total_macs - extra));
}

std::string memory_json(const CompileResult& r, const MemoryReport& m) {
  std::string bufs;
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const Buffer& b = m.buffers[i];
    std::string ext;
    for (const Extent& e : b.extents)
      ext += fmt::format("{}{{\"first_step\": {}, \"last_step\": {}, \"begin\": {}, \"end\": {}}}", ext.empty() ? "" : ", ",
                         e.first, e.last, e.begin, e.end);
    bufs += fmt::format("{}\n    {{\"tensor\": {}, \"bytes\": {}, \"offset\": {}, \"first_step\": {}, \"last_step\": {}{}}}",
                        i ? "," : "", json_str(b.name), b.size, m.offsets[i], b.first, b.last,
                        b.extents.empty() ? std::string() : fmt::format(", \"root_at\": {}, \"extents\": [{}]", b.base, ext));
  }
  std::string nodes;
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    const NodeReport& n = r.nodes[i];
    nodes += fmt::format("{}\n    {{\"step\": {}, \"name\": {}, \"op\": {}, \"shape\": {}, \"dtype\": {}, \"params\": {}, \"macs\": {}}}",
                         i ? "," : "", i, json_str(n.name), json_str(n.op), json_str(n.shape), json_str(n.dtype), n.params, n.macs);
  }
  std::string peak;
  for (const auto& p : m.peak) peak += (peak.empty() ? "" : ", ") + json_str(p);
  std::string inplace;
  for (const auto& rel : m.inplace)
    inplace += fmt::format("{}\n    {{\"node\": {}, \"op\": {}, \"kind\": {}, \"input\": {}, \"output\": {}, \"output_offset\": {}, "
                           "\"scratch_bytes\": {}}}",
                           inplace.empty() ? "" : ",", json_str(rel.node), json_str(rel.op), json_str(rel.kind),
                           json_str(rel.input), json_str(rel.output), rel.offset, rel.scratch);
  return fmt::format(
      "{{\n  \"model\": {},\n  \"target\": {},\n  \"arena_bytes\": {},\n  \"liveness_bound\": {},\n  \"weights_bytes\": {},\n"
      "  \"params\": {},\n  \"macs\": {},\n  \"peak_step\": {},\n  \"alive_at_peak\": [{}],\n  \"buffers\": [{}\n  ],\n"
      "  \"in_place\": [{}\n  ],\n  \"patches\": {},\n  \"nodes\": [{}\n  ]\n}}\n",
      json_str(r.name), json_str(r.target->name), m.arena, m.bound, r.module.weight_bytes, r.total_params, r.total_macs,
      m.peak_step, peak, bufs, inplace, patch_json(r), nodes);
}

std::string memory_html(const CompileResult& r, const MemoryReport& m) {
  // Memory map: x = schedule step (graph inputs at -1), y = arena offset; one box per buffer.
  const double W = 900, H = 420, left = 70, top = 20;
  int lo = -1, hi = static_cast<int>(r.graph.nodes.size());
  double sx = W / (hi - lo + 1), sy = m.arena > 0 ? H / static_cast<double>(m.arena) : 1.0;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
      W + left + 20, H + top + 50);
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f6f6f6\" stroke=\"#999\"/>\n", left, top, W, H);
  const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const Buffer& b = m.buffers[i];
    if (b.size == 0) continue;
    // One box per extent: tensors placed in place inside the buffer show where and when they live.
    for (const Extent& e : extents_of(b)) {
      if (e.end <= e.begin) continue;
      double x = left + (e.first - lo) * sx, w = (e.last - e.first + 1) * sx;
      double y = top + H - static_cast<double>(m.offsets[i] + e.end) * sy, h = static_cast<double>(e.end - e.begin) * sy;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.75\" stroke=\"#333\" "
          "stroke-width=\"0.5\"><title>{}: {} B at offset {}, steps {}..{}</title></rect>\n",
          x, y, std::max(w, 1.0), std::max(h, 0.5), colors[i % 9], escape(b.name), e.end - e.begin,
          m.offsets[i] + e.begin, e.first, e.last);
    }
  }
  double px = left + (m.peak_step - lo + 0.5) * sx;
  svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"red\" stroke-dasharray=\"4 3\"/>\n", px, top, top + H);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"red\">peak (step {})</text>\n", px + 3, top + 12, m.peak_step);
  double by = top + H - static_cast<double>(m.bound) * sy;
  svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#333\" stroke-dasharray=\"2 2\"/>\n", left, by, left + W, by);
  svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\">liveness bound {} B</text>\n", left + 4, by - 3, m.bound);
  svg += fmt::format("<text x=\"{}\" y=\"{}\">0</text><text x=\"4\" y=\"{}\">{} B</text>\n", left - 12, top + H, top + 10, m.arena);
  svg += fmt::format("<text x=\"{}\" y=\"{}\">schedule step (inputs at -1) &#8594;</text>\n", left + W / 2 - 80, top + H + 30);
  svg += "</svg>\n";

  std::string rows;
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    const NodeReport& n = r.nodes[i];
    const Node& node = r.graph.nodes[i];
    std::string out = node.outputs.empty() ? "" : node.outputs[0];
    rows += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>\n",
                        static_cast<int>(i) == m.peak_step ? " class=\"peak\"" : "", i, escape(n.name), escape(n.op),
                        escape(out), n.dtype, n.shape, n.params, n.macs);
  }
  std::string peak;
  for (const auto& p : m.peak) peak += "<li>" + escape(p) + "</li>";
  std::string inplace;
  if (!m.inplace.empty()) {
    inplace = "<h2>In place, below the liveness bound</h2>\n<p>Each of these kernels writes its output over its input's "
              "bytes (offset: output start minus input start; negative when the input sits at the end of a larger "
              "output), using only its scratch besides.</p>\n<table><tr><th>node</th><th>op</th><th>kind</th><th>input</th>"
              "<th>output</th><th>offset (B)</th><th>scratch (B)</th></tr>\n";
    for (const auto& rel : m.inplace)
      inplace += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                             escape(rel.node), escape(rel.op), rel.kind, escape(rel.input), escape(rel.output), rel.offset,
                             rel.scratch);
    inplace += "</table>\n";
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kiln: {0}</title>\n<style>body{{font-family:sans-serif;margin:2em}}"
      "table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;font-size:12px}}tr.peak{{background:#fdd}}</style>"
      "</head><body>\n<h1>{0}</h1>\n<p>target {1}; arena <b>{2} B</b>; liveness bound {3} B ({4:.1f}%); weights {5} B; params {6}; MACs {7}</p>\n"
      "<h2>Memory map</h2>\n<p>Each box is one arena buffer: its width is the steps it is alive, its height its bytes, its position "
      "its offset; a buffer shared in place shows one box per tensor in it. Hover a box for details.</p>\n{8}"
      "<h2>Alive at the peak (step {9})</h2><ul>{10}</ul>\n{12}<h2>Layers</h2>\n"
      "<table><tr><th>step</th><th>node</th><th>op</th><th>output</th><th>shape</th><th>params</th><th>MACs</th></tr>\n{11}</table>\n"
      "</body></html>\n",
      escape(r.name), r.target->name, m.arena, m.bound,
      m.bound ? 100.0 * static_cast<double>(m.arena) / static_cast<double>(m.bound) : 100.0, r.module.weight_bytes,
      r.total_params, r.total_macs, svg, m.peak_step, peak, rows, inplace);
}

}  // namespace kiln
