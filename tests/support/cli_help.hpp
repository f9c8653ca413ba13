#pragma once
// Reading `gemstone --help` in tests that hold other files against it
// (the man page, the shell completions).

#include <cstddef>
#include <regex>
#include <string>
#include <vector>

namespace gemstone::testing {

/// The command names a CLI11 help text lists under "Subcommands:", in order.
/// A help without that section throws (std::out_of_range): a test must not
/// pass over an empty list.
inline std::vector<std::string> commands_in(const std::string& help) {
  std::vector<std::string> names;
  const std::size_t start = help.find("Subcommands:");
  const std::string section = help.substr(start, help.find("\n\n", start) - start);
  static const std::regex line(R"(\n  (\w+) )");
  for (std::sregex_iterator it(section.begin(), section.end(), line), end; it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

}  // namespace gemstone::testing
