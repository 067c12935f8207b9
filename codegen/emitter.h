// A small indenting text writer for generated C++ (depends on fmt only).
#pragma once

#include <fmt/format.h>

#include <string>

namespace kiln {

class Emitter {
 public:
  template <typename... Args>
  void line(fmt::format_string<Args...> f, Args&&... args) {
    raw_line(fmt::format(f, std::forward<Args>(args)...));
  }
  void raw_line(const std::string& s) {
    if (!s.empty()) text_.append(static_cast<size_t>(indent_) * 2, ' ');
    text_ += s;
    text_ += '\n';
  }
  void blank() { text_ += '\n'; }
  void indent() { ++indent_; }
  void dedent() { --indent_; }
  const std::string& text() const { return text_; }
  void append(const std::string& s) { text_ += s; }

 private:
  std::string text_;
  int indent_ = 0;
};

}  // namespace kiln
