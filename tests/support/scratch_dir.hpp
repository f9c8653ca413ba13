#pragma once
// A directory of a test's own, under gtest's temporary directory, removed with
// everything in it when the test ends.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace gemstone::testing {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    std::string tmpl = ::testing::TempDir() + tag + "_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

  /// Writes `text` to `name` in the directory (replacing it); its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::trunc) << text;
    return file;
  }

 private:
  std::string path_;
};

}  // namespace gemstone::testing
