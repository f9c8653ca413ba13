#pragma once
// What each part of the daemon gets from the configuration, translated in
// one place so that main() copies no fields and no part keeps defaults of
// its own for what the configuration sets.

#include <optional>
#include <string>

#include "gemstone/result.hpp"
#include "registry/api/access_control.hpp"
#include "registry/api/registry_methods.hpp"
#include "registry/daemon/config.hpp"
#include "registry/http/http_server.hpp"

namespace gemstone::registry {

/// The registry methods as configured; `bound_port` is where the server
/// really listens (the configured port may be 0), for get_service_specs.
MethodsOptions methods_options_from(const Config& config, int bound_port);

/// The dispatcher's options: response style and the batch and response limits.
jsonrpc::DispatcherOptions dispatcher_options_from(const Config& config);

/// The HTTP server as configured, with the token files read (each once,
/// here: a missing or empty one stops the start). The error is one line
/// naming the option at fault. Relative token and TLS files are credentials
/// (see credential_path).
Result<HttpServerOptions, std::string> http_server_options_from(const Config& config);

/// The tokens of the file `configured` names (none when it is empty), for
/// the option `option`; logs how many it gave and from where. The error is
/// one line naming the option, the file and why.
Result<std::optional<TokenSet>, std::string> read_token_file(const char* option,
                                                             const std::string& configured);

}  // namespace gemstone::registry
