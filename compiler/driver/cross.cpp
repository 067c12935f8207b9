// Cross toolchains and QEMU: processes are started with fork/exec (no shell, so paths need no
// quoting), their output read through one pipe with poll() so a hung QEMU is killed at its
// deadline. Sizes come from binutils `size` (Berkeley format); the stack depth from the call
// graph GCC writes with -fcallgraph-info=su (VCG text: one `node:` per function with its frame
// size, one `edge:` per call), searched depth-first from NAME_run.
#include "compiler/driver/cross.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace kiln {

std::string find_program(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (access(p.c_str(), X_OK) == 0 && !fs::is_directory(p)) return p.string();
  }
  return "";
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& dir, int timeout_s,
                          const std::string& log) {
  ProcessResult r;
  int fds[2];
  if (argv.empty() || pipe(fds) != 0) return r;
  int out = -1;
  if (!log.empty() && (out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    if (out >= 0) close(out);
    return r;
  }
  if (pid == 0) {
    // With a log the pipe stays open only to tell the parent, by its end of file, that we exited.
    dup2(out >= 0 ? out : fds[1], 1);
    dup2(out >= 0 ? out : fds[1], 2);
    if (out >= 0) close(out);
    close(fds[0]);
    if (out < 0) close(fds[1]);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[4096];
  for (;;) {
    int wait_ms = -1;
    if (timeout_s > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        r.timed_out = true;
        kill(pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;  // the deadline check above decides
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got <= 0) break;
    r.output.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (out >= 0) {
    close(out);
    std::ifstream f(log, std::ios::binary);
    r.output.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return r;
}

Expected<Toolchain> find_toolchain(const Target& t, const std::string& packages) {
  std::string cxx = t.cc;
  if (cxx.empty())
    return error(ErrorCode::kToolMissing, fmt::format("target {} has no cross compiler kiln can run", t.name),
                 "its toolchain comes with the vendor's SDK (ESP-IDF); build the generated sources there");
  Toolchain tc;
  // "arm-none-eabi-g++" -> "arm-none-eabi-gcc", "arm-none-eabi-size"; "c++" -> "cc", "size"
  std::string prefix = cxx.size() >= 3 && cxx.compare(cxx.size() - 3, 3, "g++") == 0 ? cxx.substr(0, cxx.size() - 3) : "";
  std::vector<std::pair<std::string*, std::string>> want = {
      {&tc.cxx, cxx},
      {&tc.cc, prefix.empty() ? std::string("cc") : prefix + "gcc"},
      {&tc.size, prefix.empty() || prefix.back() != '-' ? std::string("size") : prefix + "size"}};
  for (auto& w : want) {
    *w.first = find_program(w.second);
    if (w.first->empty())
      return error(ErrorCode::kToolMissing, fmt::format("'{}' (needed for target {}) is not installed", w.second, t.name),
                   packages.empty() ? std::string("install a C++ compiler")
                                    : fmt::format("on Debian: apt-get install {}", packages));
  }
  return tc;
}

Expected<ObjectSizes> object_sizes(const Toolchain& tc, const std::string& object) {
  ProcessResult p = run_process({tc.size, object});
  std::istringstream ss(p.output);
  std::string header, line;
  std::getline(ss, header);
  std::getline(ss, line);
  ObjectSizes s;
  std::istringstream ls(line);
  if (p.status != 0 || !(ls >> s.text >> s.data >> s.bss))
    return error(ErrorCode::kToolMissing, fmt::format("'{} {}' failed: {}", tc.size, object, p.output));
  return s;
}

StackDepth stack_depth(const std::string& callgraph, const std::string& root) {
  struct Fn {
    int64_t frame = -1;  // -1: no figure (defined elsewhere)
    bool dynamic = false;
    std::vector<std::string> callees;
  };
  std::map<std::string, Fn> fns;
  static const std::regex kNode(R"re(node: \{ title: "([^"]*)" label: "([^"]*)")re");
  static const std::regex kEdge(R"re(edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)")re");
  static const std::regex kBytes(R"re(\\n(\d+) bytes \(([a-z,]+)\))re");
  std::istringstream ss(callgraph);
  std::string line;
  std::smatch m;
  while (std::getline(ss, line)) {
    if (std::regex_search(line, m, kNode)) {
      Fn& f = fns[m[1]];
      std::string label = m[2];
      std::smatch b;
      if (std::regex_search(label, b, kBytes)) {
        f.frame = std::stoll(b[1]);
        f.dynamic = b[2] != "static";
      }
    } else if (std::regex_search(line, m, kEdge)) {
      fns[m[1]].callees.push_back(m[2]);
    }
  }
  StackDepth r;
  if (!fns.count(root)) return r;
  std::set<std::string> on_path, unknown;
  std::map<std::string, int64_t> memo;
  std::function<int64_t(const std::string&)> depth = [&](const std::string& name) -> int64_t {
    auto it = memo.find(name);
    if (it != memo.end()) return it->second;
    const Fn& f = fns[name];
    if (f.frame < 0) {
      unknown.insert(name);
      return 0;
    }
    if (f.dynamic) r.bounded = false;
    if (!on_path.insert(name).second) {
      r.bounded = false;  // recursion
      return 0;
    }
    int64_t deepest = 0;
    for (const auto& c : f.callees) deepest = std::max(deepest, depth(c));
    on_path.erase(name);
    return memo[name] = f.frame + deepest;
  };
  r.bytes = depth(root);
  r.unknown.assign(unknown.begin(), unknown.end());
  return r;
}

std::vector<std::string> generated_code_flags() {
  return {"-std=c++14", "-O2", "-Wall", "-Wextra", "-fno-exceptions", "-fno-rtti",
          "-ffunction-sections", "-fdata-sections"};
}

Status write_files(const std::string& dir, const std::map<std::string, std::string>& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const auto& kv : files) {
    std::ofstream f(fs::path(dir) / kv.first, std::ios::binary);
    f << kv.second;
    if (!f) return error(ErrorCode::kIoError, fmt::format("cannot write '{}'", (fs::path(dir) / kv.first).string()));
  }
  return Status::ok();
}

static std::vector<std::string> split_flags(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream ss(s);
  std::string w;
  while (ss >> w) v.push_back(w);
  return v;
}

Expected<ModuleBuild> build_module(const GeneratedModule& m, const std::string& name, const Target& t,
                                   const Toolchain& tc, const std::string& dir,
                                   const std::vector<std::string>& extra) {
  KILN_TRY(write_files(dir, m.files));
  std::vector<std::string> argv = {tc.cxx};
  for (const auto& f : split_flags(t.cflags)) argv.push_back(f);
  for (const auto& f : generated_code_flags()) argv.push_back(f);
  for (const auto& f : extra) argv.push_back(f);
  argv.insert(argv.end(), {"-fcallgraph-info=su", "-I.", "-c", name + ".cpp", "-o", name + ".o"});
  ProcessResult p = run_process(argv, dir, 600);
  if (p.status != 0)
    return error(ErrorCode::kInternal,
                 fmt::format("the generated code does not compile for {} with {}", t.name, tc.cxx),
                 "internal compiler error: please report it with the model", p.output);
  ModuleBuild b;
  b.object = (fs::path(dir) / (name + ".o")).string();
  auto sizes = object_sizes(tc, b.object);
  if (!sizes) return sizes.status();
  b.sizes = *sizes;
  std::ifstream ci(fs::path(dir) / (name + ".ci"));
  std::stringstream text;
  text << ci.rdbuf();
  b.stack = stack_depth(text.str(), name + "_run");
  return b;
}

}  // namespace kiln
