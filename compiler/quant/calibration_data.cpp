#include "compiler/quant/calibration_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "compiler/import/onnx_import.h"

namespace kiln {

namespace fs = std::filesystem;

CalibrationSpec::Source parse_calibration_source(const std::string& arg) {
  // NAME=PATH unless the whole argument is an existing path (file names may contain '=').
  const size_t eq = arg.find('=');
  std::error_code ec;
  if (eq == std::string::npos || eq == 0 || fs::exists(arg, ec)) return {"", arg};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

namespace {

Status bad(const std::string& path, const std::string& what, const std::string& hint = "") {
  return error(ErrorCode::kBadOption, fmt::format("calibration data '{}': {}", path, what), hint);
}

Expected<std::string> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error(ErrorCode::kIoError, fmt::format("cannot read calibration data '{}'", path));
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The value of 'key' in a .npy header dict ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 8), }").
std::string header_field(const std::string& h, const std::string& key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t c = h.find(':', k);
  if (c == std::string::npos) return "";
  size_t b = h.find_first_not_of(' ', c + 1);
  if (b == std::string::npos) return "";
  size_t e = h[b] == '(' ? h.find(')', b) + 1 : h[b] == '\'' ? h.find('\'', b + 1) + 1 : h.find_first_of(",}", b);
  return h.substr(b, e - b);
}

template <typename T>
void widen(const char* p, size_t n, std::vector<float>* out) {
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    (*out)[i] = static_cast<float>(v);
  }
}

// Converts `n` little-endian elements of numpy type `descr` to floats.
bool convert(const std::string& descr, const char* p, size_t n, std::vector<float>* out, size_t* elt) {
  const std::string t = descr.size() > 1 && (descr[0] == '<' || descr[0] == '|' || descr[0] == '=') ? descr.substr(1) : "";
  if (t == "f4") widen<float>(p, n, out), *elt = 4;
  else if (t == "f8") widen<double>(p, n, out), *elt = 8;
  else if (t == "u1" || t == "b1") widen<uint8_t>(p, n, out), *elt = 1;
  else if (t == "i1") widen<int8_t>(p, n, out), *elt = 1;
  else if (t == "i2") widen<int16_t>(p, n, out), *elt = 2;
  else if (t == "u2") widen<uint16_t>(p, n, out), *elt = 2;
  else if (t == "i4") widen<int32_t>(p, n, out), *elt = 4;
  else if (t == "i8") widen<int64_t>(p, n, out), *elt = 8;
  else return false;
  return true;
}

size_t descr_size(const std::string& descr) {
  if (descr.size() < 3) return 0;
  return static_cast<size_t>(std::atoi(descr.c_str() + 2));
}

// The samples one file holds for an input of `numel` elements.
Expected<std::vector<float>> read_values(const std::string& path, const CalibrationSpec& spec) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".npy") {
    auto a = read_npy(path);
    if (!a) return a.status();
    return std::move(a->values);
  }
  if (ext == ".pb") {
    auto t = read_tensor_pb(path);
    if (!t) return t.status();
    std::vector<float> v(static_cast<size_t>(t->numel()));
    for (int64_t i = 0; i < t->numel(); ++i) v[static_cast<size_t>(i)] = static_cast<float>(t->float_at(i));
    return v;
  }
  if (ext == ".bin" || ext == ".raw") {
    if (spec.format.empty())
      return bad(path, "raw samples need their element type", "add --calibration-format u8 or f32");
    auto bytes = slurp(path);
    if (!bytes) return bytes.status();
    const size_t elt = spec.format == "u8" ? 1 : 4;
    if (bytes->size() % elt) return bad(path, fmt::format("{} bytes is not a whole number of {} values", bytes->size(), spec.format));
    std::vector<float> v;
    size_t unused;
    convert(spec.format == "u8" ? "|u1" : "<f4", bytes->data(), bytes->size() / elt, &v, &unused);
    return v;
  }
  return bad(path, "unknown file type", "use .npy, ONNX TensorProto .pb, or raw .bin with --calibration-format");
}

// The files of a source: the file itself, or a folder's .npy/.pb/.bin files sorted by name
// (natural order: image_2 before image_10).
Expected<std::vector<std::string>> source_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return error(ErrorCode::kIoError, fmt::format("calibration data '{}' does not exist", path));
  if (!fs::is_directory(path, ec)) return std::vector<std::string>{path};
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".npy" || ext == ".pb" || ext == ".bin" || ext == ".raw"))
      files.push_back(e.path().string());
  }
  if (files.empty()) return bad(path, "the folder holds no .npy, .pb or .bin files");
  auto natural_less = [](const std::string& a, const std::string& b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
        size_t ie = i, je = j;
        while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
        while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
        const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
        if (na.size() != nb.size()) return na.size() < nb.size();
        if (na != nb) return na < nb;
        i = ie, j = je;
        continue;
      }
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
    return a.size() - i < b.size() - j;
  };
  std::sort(files.begin(), files.end(), natural_less);
  return files;
}

}  // namespace

Expected<NpyArray> read_npy(const std::string& path) {
  auto bytes = slurp(path);
  if (!bytes) return bytes.status();
  const std::string& s = *bytes;
  if (s.size() < 10 || s.compare(0, 6, "\x93NUMPY") != 0) return bad(path, "not a .npy file");
  const int major = static_cast<unsigned char>(s[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(s[8]) | static_cast<size_t>(static_cast<unsigned char>(s[9])) << 8;
    hstart = 10;
  } else {
    if (s.size() < 12) return bad(path, "truncated .npy header");
    hlen = 0;
    for (int i = 3; i >= 0; --i) hlen = hlen << 8 | static_cast<unsigned char>(s[8 + static_cast<size_t>(i)]);
    hstart = 12;
  }
  if (hstart + hlen > s.size()) return bad(path, "truncated .npy header");
  const std::string h = s.substr(hstart, hlen);
  const std::string descr = header_field(h, "descr");
  if (header_field(h, "fortran_order") == "True") return bad(path, "Fortran-ordered arrays are not supported", "save with np.ascontiguousarray");
  NpyArray a;
  std::string shape = header_field(h, "shape");
  for (size_t i = 0; i < shape.size();) {
    if (std::isdigit(static_cast<unsigned char>(shape[i]))) {
      size_t e = i;
      while (e < shape.size() && std::isdigit(static_cast<unsigned char>(shape[e]))) ++e;
      a.shape.push_back(std::stoll(shape.substr(i, e - i)));
      i = e;
    } else {
      ++i;
    }
  }
  const std::string type = descr.size() > 2 ? descr.substr(1, descr.size() - 2) : "";
  const size_t n = static_cast<size_t>(shape_numel(a.shape));
  const size_t want = n * descr_size(type);
  if (descr_size(type) == 0 || s.size() - hstart - hlen < want)
    return bad(path, fmt::format("unsupported or truncated data (dtype {})", descr));
  if (!type.empty() && type[0] == '>' && descr_size(type) > 1) return bad(path, "big-endian arrays are not supported");
  size_t elt;
  if (!convert(type, s.data() + hstart + hlen, n, &a.values, &elt))
    return bad(path, fmt::format("unsupported dtype {}", descr), "use float32, float64 or an integer type");
  return a;
}

Expected<CalibrationSet> load_calibration(const Graph& g, const CalibrationSpec& spec) {
  CalibrationSet set;
  if (spec.format != "" && spec.format != "u8" && spec.format != "f32")
    return error(ErrorCode::kBadOption, fmt::format("unknown --calibration-format '{}'", spec.format), "u8 or f32");
  std::vector<const Tensor*> inputs;
  for (const auto& name : g.inputs) inputs.push_back(&g.tensor(name));
  for (const auto& src : spec.sources)
    if (!src.input.empty() && !g.is_graph_input(src.input))
      return error(ErrorCode::kBadOption, fmt::format("--calibration {}=...: the model has no input '{}'", src.input, src.input),
                   fmt::format("inputs: {}", fmt::join(g.inputs, ", ")));
  for (const Tensor* in : inputs) {
    const CalibrationSpec::Source* src = nullptr;
    for (const auto& s : spec.sources)
      if (s.input == in->name || (s.input.empty() && inputs.size() == 1)) src = &s;
    if (!src)
      return error(ErrorCode::kBadOption, fmt::format("no calibration data for input '{}'", in->name),
                   inputs.size() > 1 ? "give one --calibration NAME=DATA per input" : "add --calibration DATA");
    if (in->dtype != DType::kFloat32)
      return error(ErrorCode::kBadOption, fmt::format("input '{}' is not float32: nothing to calibrate", in->name));
    const size_t numel = static_cast<size_t>(in->numel());
    if (spec.channels_last && in->shape.size() != 4)
      return error(ErrorCode::kBadOption, "--calibration-layout hwc needs a 4-D [1, C, H, W] input",
                   fmt::format("input '{}' is {}", in->name, shape_str(in->shape)));
    auto files = source_files(src->path);
    if (!files) return files.status();
    std::vector<std::vector<float>> samples;
    for (const auto& f : *files) {
      auto v = read_values(f, spec);
      if (!v) return v.status();
      if (v->empty() || v->size() % numel)
        return bad(f, fmt::format("{} values are not a whole number of samples of '{}' ({} = {} values)", v->size(),
                                  in->name, shape_str(in->shape), numel));
      for (size_t k = 0; k < v->size(); k += numel) {
        std::vector<float> x(v->begin() + static_cast<long>(k), v->begin() + static_cast<long>(k + numel));
        for (float& e : x) e = e * spec.scale + spec.offset;
        if (spec.channels_last) {
          const size_t C = static_cast<size_t>(in->shape[1]), HW = numel / C;
          std::vector<float> chw(numel);
          for (size_t p = 0; p < HW; ++p)
            for (size_t c = 0; c < C; ++c) chw[c * HW + p] = x[p * C + c];
          x.swap(chw);
        }
        samples.push_back(std::move(x));
      }
    }
    if (!set.samples.empty() && samples.size() != set.count())
      return error(ErrorCode::kBadOption,
                   fmt::format("input '{}' has {} calibration samples, '{}' has {}", in->name, samples.size(),
                               set.inputs[0], set.count()),
                   "every input needs the same number of samples");
    set.inputs.push_back(in->name);
    set.samples.push_back(std::move(samples));
  }
  return set;
}

}  // namespace kiln
