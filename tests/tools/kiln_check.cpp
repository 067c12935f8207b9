// kiln_check: compiles ONNX test cases with kiln, builds the generated code for the host with
// the strict flags generated code promises to pass, runs it on every test_data_set_* and
// compares with the expected outputs.
//
//   kiln_check [--work DIR] [--cxx g++] [--cxxflags F] [--rtol R] [--atol A] [--jobs N]
//              [--results FILE] [--strict] [--no-fail] CASE...
//
// A CASE is a folder with model.onnx and test_data_set_N/{input,output}_K.pb (the ONNX backend
// suite's layout). All cases are built into one executable (one object per case, built in
// parallel), so a batch of hundreds of cases costs one link. One line per case is printed (and
// written to --results): "PASS name", "FAIL name: why", or "UNSUPPORTED name: why" (kiln
// refused the model with an unsupported-op/attribute/type error). Exit status 0 iff no FAIL.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "compiler/driver/compile.h"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

struct Options {
  std::string work = "kiln_check_work";
  std::string cxx = "c++";
  std::string cxxflags = "-std=c++14 -O1 -Wall -Wextra -Werror -pedantic -fno-exceptions -fno-rtti";
  double rtol = 1e-3;
  double atol = 1e-7;
  int jobs = 0;
  std::string results;
  bool strict = false;   // UNSUPPORTED counts as a failure
  bool no_fail = false;  // exit 0 whatever the verdicts (CTest reads --results per case)
  std::vector<std::string> cases;
};

struct Case {
  std::string dir, name, ident;
  bool compiled = false;
  std::string verdict;  // filled when decided
  std::vector<DType> in_types, out_types;
  std::vector<int64_t> in_numel, out_numel;
  std::vector<std::string> in_names;
};

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int run(const std::string& cmd) { return std::system(cmd.c_str()); }

void parallel_for(size_t n, int jobs, const std::function<void(size_t)>& f) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> ts;
  for (int j = 0; j < jobs; ++j)
    ts.emplace_back([&] {
      for (size_t i; (i = next++) < n;) f(i);
    });
  for (auto& t : ts) t.join();
}

// Compares one output; returns "" when it matches.
std::string compare(const Tensor& want, const std::string& got_bytes, DType got_type, double rtol, double atol) {
  if (want.dtype != got_type)
    return fmt::format("type {} expected, model produces {}", dtype_short_name(want.dtype), dtype_short_name(got_type));
  if (got_bytes.size() != want.bytes())
    return fmt::format("{} bytes expected, got {}", want.bytes(), got_bytes.size());
  Tensor got = want;
  std::memcpy(got.data.data(), got_bytes.data(), got_bytes.size());
  bool is_float = dtype_is_float(want.dtype);
  double worst = 0;
  int64_t worst_i = -1, bad = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    double w = want.float_at(i), g = got.float_at(i);
    bool ok;
    if (is_float) {
      if (std::isnan(w) || std::isnan(g)) ok = std::isnan(w) && std::isnan(g);
      else if (std::isinf(w) || std::isinf(g)) ok = w == g;
      else ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
    } else {
      ok = want.int_at(i) == got.int_at(i);
    }
    if (!ok) {
      ++bad;
      double err = std::fabs(g - w);
      if (worst_i < 0 || err > worst) {
        worst = err;
        worst_i = i;
      }
    }
  }
  if (!bad) return "";
  return fmt::format("{} of {} elements differ; worst at {}: expected {}, got {}", bad, want.numel(), worst_i,
                     want.float_at(worst_i), got.float_at(worst_i));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--work") o.work = next();
    else if (a == "--cxx") o.cxx = next();
    else if (a == "--cxxflags") o.cxxflags = next();
    else if (a == "--rtol") o.rtol = std::stod(next());
    else if (a == "--atol") o.atol = std::stod(next());
    else if (a == "--jobs") o.jobs = std::stoi(next());
    else if (a == "--results") o.results = next();
    else if (a == "--strict") o.strict = true;
    else if (a == "--no-fail") o.no_fail = true;
    else o.cases.push_back(a);
  }
  if (o.jobs <= 0) o.jobs = std::max(1u, std::thread::hardware_concurrency());
  fs::path work = fs::absolute(o.work);
  fs::remove_all(work);
  fs::create_directories(work);

  std::vector<Case> cases;
  for (const auto& d : o.cases) {
    Case c;
    c.dir = d;
    fs::path p = fs::path(d);
    if (p.filename().empty()) p = p.parent_path();
    c.name = p.filename().string();
    c.ident = "k" + std::to_string(cases.size()) + "_" + c_identifier(c.name);
    cases.push_back(c);
  }

  // 1. kiln compile (in-process, parallel).
  std::mutex mu;
  parallel_for(cases.size(), o.jobs, [&](size_t i) {
    Case& c = cases[i];
    CompileOptions co;
    co.model_path = (fs::path(c.dir) / "model.onnx").string();
    co.name = c.ident;
    auto res = compile_model(co);
    if (!res) {
      int cat = res.status().exit_code();
      std::string msg = res.status().str();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      c.verdict = fmt::format("{} {}: {}", cat == 3 ? "UNSUPPORTED" : "FAIL", c.name, msg);
      return;
    }
    fs::path dir = work / c.ident;
    fs::create_directories(dir);
    for (const auto& kv : res->module.files) std::ofstream(dir / kv.first, std::ios::binary) << kv.second;
    for (const auto& n : res->graph.inputs) {
      c.in_types.push_back(res->graph.tensor(n).dtype);
      c.in_numel.push_back(res->graph.tensor(n).numel());
      c.in_names.push_back(n);
    }
    for (const auto& n : res->graph.outputs) {
      c.out_types.push_back(res->graph.tensor(n).dtype);
      c.out_numel.push_back(res->graph.tensor(n).numel());
    }
    c.compiled = true;
  });

  // 2. One object per case (in parallel), then a dispatcher main over the cases that built.
  parallel_for(cases.size(), o.jobs, [&](size_t i) {
    Case& c = cases[i];
    if (!c.compiled) return;
    fs::path dir = work / c.ident;
    std::string cmd = fmt::format("cd '{}' && {} {} -c {}.cpp -o {}.o > build.log 2>&1", dir.string(), o.cxx, o.cxxflags,
                                  c.ident, c.ident);
    if (run(cmd) != 0) {
      std::string log = read_all(dir / "build.log");
      auto e = log.find("error");
      std::string first = e == std::string::npos ? log.substr(0, 300) : log.substr(e, 300);
      std::replace(first.begin(), first.end(), '\n', ' ');
      std::lock_guard<std::mutex> l(mu);
      c.compiled = false;
      c.verdict = fmt::format("FAIL {}: generated code does not build: {}", c.name, first);
    }
  });
  std::string main_src = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\n";
  for (const Case& c : cases)
    if (c.compiled) main_src += fmt::format("#include \"{0}/{0}.h\"\n", c.ident);
  main_src += R"(
static void* load(const char* path, size_t bytes) {
  void* p = calloc(bytes ? bytes : 1, 1);
  FILE* f = fopen(path, "rb");
  if (!f || fread(p, 1, bytes, f) != bytes) { fprintf(stderr, "cannot read %s\n", path); exit(3); }
  fclose(f);
  return p;
}
static void save(const char* path, const void* p, size_t bytes) {
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(p, 1, bytes, f) != bytes) { fprintf(stderr, "cannot write %s\n", path); exit(3); }
  fclose(f);
}
int main(int argc, char** argv) {
  if (argc < 2) return 2;
)";
  std::vector<std::string> objects;
  for (const Case& c : cases) {
    if (!c.compiled) continue;
    std::string args, loads, saves;
    size_t k = 2;
    for (size_t i = 0; i < c.in_types.size(); ++i, ++k) {
      loads += fmt::format("    {0}* i{1} = ({0}*)load(argv[{2}], {3});\n", dtype_c_name(c.in_types[i]), i, k,
                           c.in_numel[i] * static_cast<int64_t>(dtype_size(c.in_types[i])));
      args += fmt::format("{}i{}", args.empty() ? "" : ", ", i);
    }
    for (size_t i = 0; i < c.out_types.size(); ++i, ++k) {
      size_t bytes = static_cast<size_t>(c.out_numel[i]) * dtype_size(c.out_types[i]);
      loads += fmt::format("    {0}* o{1} = ({0}*)calloc({2}, 1);\n", dtype_c_name(c.out_types[i]), i, bytes ? bytes : 1);
      args += fmt::format("{}o{}", args.empty() ? "" : ", ", i);
      saves += fmt::format("    save(argv[{}], o{}, {});\n", k, i, bytes);
    }
    main_src += fmt::format("  if (strcmp(argv[1], \"{}\") == 0) {{\n{}    if ({}_run({}) != 0) return 4;\n{}    return 0;\n  }}\n",
                            c.ident, loads, c.ident, args, saves);
    objects.push_back(c.ident);
  }
  main_src += "  return 2;\n}\n";
  std::ofstream(work / "main.cpp") << main_src;

  std::string objs;
  for (const Case& c : cases)
    if (c.compiled) objs += fmt::format(" '{0}/{0}.o'", c.ident);
  bool any = !objs.empty();
  if (any && run(fmt::format("cd '{}' && {} -std=c++14 -O1 -w main.cpp{} -o run -lm > link.log 2>&1", work.string(), o.cxx, objs)) != 0) {
    std::cerr << read_all(work / "link.log");
    for (Case& c : cases)
      if (c.compiled) {
        c.compiled = false;
        c.verdict = fmt::format("FAIL {}: link failed", c.name);
      }
  }

  // 3. Run every data set.
  parallel_for(cases.size(), o.jobs, [&](size_t ci) {
    Case& c = cases[ci];
    if (!c.compiled) return;
    std::vector<fs::path> sets;
    for (const auto& e : fs::directory_iterator(c.dir))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) {
      c.verdict = fmt::format("FAIL {}: no test_data_set_*", c.name);
      return;
    }
    fs::path dir = work / c.ident;
    for (const auto& set : sets) {
      std::string cmd = fmt::format("'{}/run' {}", work.string(), c.ident);
      for (size_t i = 0; i < c.in_types.size(); ++i) {
        auto t = read_tensor_pb((set / fmt::format("input_{}.pb", i)).string());
        if (!t) {
          c.verdict = fmt::format("FAIL {}: {}", c.name, t.status().str());
          return;
        }
        if (t->dtype != c.in_types[i] || t->numel() != c.in_numel[i]) {
          c.verdict = fmt::format("FAIL {}: {} input {} is {}[{}], the model takes {} x{}", c.name, set.filename().string(), i,
                                  dtype_short_name(t->dtype), shape_str(t->shape), dtype_short_name(c.in_types[i]), c.in_numel[i]);
          return;
        }
        fs::path bin = dir / fmt::format("{}_in{}.bin", set.filename().string(), i);
        std::ofstream(bin, std::ios::binary).write(reinterpret_cast<const char*>(t->data.data()), static_cast<std::streamsize>(t->data.size()));
        cmd += " '" + bin.string() + "'";
      }
      for (size_t i = 0; i < c.out_types.size(); ++i)
        cmd += fmt::format(" '{}/{}_out{}.bin'", dir.string(), set.filename().string(), i);
      int rc = run(cmd + " 2>/dev/null");
      if (rc != 0) {
        c.verdict = fmt::format("FAIL {}: generated code exited with status {}", c.name, rc);
        return;
      }
      for (size_t i = 0; i < c.out_types.size(); ++i) {
        auto want = read_tensor_pb((set / fmt::format("output_{}.pb", i)).string());
        if (!want) {
          c.verdict = fmt::format("FAIL {}: {}", c.name, want.status().str());
          return;
        }
        std::string got = read_all(dir / fmt::format("{}_out{}.bin", set.filename().string(), i));
        std::string why = compare(*want, got, c.out_types[i], o.rtol, o.atol);
        if (!why.empty()) {
          c.verdict = fmt::format("FAIL {}: {} output {}: {}", c.name, set.filename().string(), i, why);
          return;
        }
      }
    }
    c.verdict = fmt::format("PASS {}", c.name);
  });

  int fails = 0, passes = 0, unsupported = 0;
  std::string report;
  for (const Case& c : cases) {
    report += c.verdict + "\n";
    fails += c.verdict.rfind("FAIL", 0) == 0;
    passes += c.verdict.rfind("PASS", 0) == 0;
    unsupported += c.verdict.rfind("UNSUPPORTED", 0) == 0;
  }
  std::cout << report << fmt::format("kiln_check: {} passed, {} failed, {} unsupported\n", passes, fails, unsupported);
  if (!o.results.empty()) std::ofstream(o.results) << report;
  if (o.no_fail) return 0;
  return fails || (o.strict && unsupported) ? 1 : 0;
}
