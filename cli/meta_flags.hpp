#pragma once
// The repeatable --meta KEY=VALUE option of register, locate and watch.

#include <string>
#include <vector>

#include "gemstone/registry_client.hpp"
#include "gemstone/result.hpp"

namespace CLI {
class App;
}

namespace gemstone::cli {

/// Adds --meta KEY=VALUE (repeatable) to `command`, writing into `pairs`.
void add_meta_flag(CLI::App& command, std::vector<std::string>& pairs, const char* help);

/// The pairs as metadata; the error names the one without '=' or an empty key.
Result<InstanceMeta, std::string> parse_meta_flags(const std::vector<std::string>& pairs);

}  // namespace gemstone::cli
