#pragma once
// How every registry-facing command (call, locate, services, register)
// reaches the registry: the URLs from --registry or GEMSTONE_REGISTRY, tried
// in order, with a note on stderr whenever one is skipped for the next.

#include <string>
#include <vector>

#include "gemstone/client_options.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/result.hpp"
#include "cli/output.hpp"

namespace gemstone::cli {

/// Opens the registry client. On failure the error has been reported on
/// `out` and the result holds the exit status to return.
Result<RegistryClient, int> open_registry(const std::vector<std::string>& registry_flags,
                                          const ClientOptions& options, Output& out);

}  // namespace gemstone::cli
