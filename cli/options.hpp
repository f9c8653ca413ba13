#pragma once
// Command-line options shared by the subcommands: how to reach services
// (timeout, headers, TLS) and which registries to ask.

#include <string>
#include <string_view>
#include <vector>

#include "gemstone/client_options.hpp"
#include "gemstone/result.hpp"

namespace CLI {
class App;
class Validator;
}

namespace gemstone::cli {

/// --timeout, -H, --insecure, --cacert.
struct TransportFlags {
  double timeout_seconds = 10.0;
  std::vector<std::string> headers;
  bool insecure = false;
  std::string cacert;
};

/// Adds the transport flags; `timeout_help` describes what --timeout bounds.
void add_transport_flags(CLI::App& command, TransportFlags& flags,
                         const char* timeout_help = "Seconds the whole command may take (default 10)");

/// Accepts a number of seconds greater than zero ("0.5", "30").
CLI::Validator positive_seconds();

/// The client options the flags ask for; the error is a usage message
/// (a malformed -H).
Result<ClientOptions, std::string> client_options(const TransportFlags& flags);

/// "Name: value" as a header; the error says what is wrong.
Result<Header, std::string> parse_header(std::string_view text);

/// --registry URL (repeatable).
void add_registry_flag(CLI::App& command, std::vector<std::string>& urls);

/// The registries to ask, in order: the --registry options, else
/// GEMSTONE_REGISTRY split at commas (`env` is its value, or nullptr), else
/// the default http://127.0.0.1:8000/api.
std::vector<std::string> registry_urls(const std::vector<std::string>& flags, const char* env);

}  // namespace gemstone::cli
