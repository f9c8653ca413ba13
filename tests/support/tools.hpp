#pragma once
// Programs a test needs besides ours (promtool, etcd, bash, zsh...): where
// they are, and whether their absence fails the run (CI) or skips the test.

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

namespace gemstone::testing {

/// True when the tests run in CI (CI=true), where a missing tool is a failure.
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// The path of `program` found in $PATH, or nothing.
inline std::optional<std::string> find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

}  // namespace gemstone::testing
