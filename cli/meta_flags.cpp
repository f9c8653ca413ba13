#include "cli/meta_flags.hpp"

#include <CLI/CLI.hpp>

namespace gemstone::cli {

void add_meta_flag(CLI::App& command, std::vector<std::string>& pairs, const char* help) {
  command.add_option("--meta", pairs, help)
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)  // one pair per occurrence, so it never swallows positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

Result<InstanceMeta, std::string> parse_meta_flags(const std::vector<std::string>& pairs) {
  InstanceMeta meta;
  for (const std::string& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return "--meta must be KEY=VALUE, not '" + pair + "'";
    }
    meta[pair.substr(0, eq)] = pair.substr(eq + 1);  // the last one for a key counts
  }
  return meta;
}

}  // namespace gemstone::cli
