#pragma once
// The daemon's configuration: every option is declared once, in a table in
// config.cpp, from which its flag, its environment variable
// (GEMSTONE_REGISTRY_<NAME>) and its config-file key all follow.
// Precedence: command-line flag > environment > config file > default.
// SPDLOG_LEVEL is honoured as a second environment name for log_level.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gemstone/jsonrpc/dispatcher.hpp"

namespace gemstone::registry {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8000;
  double ttl = 90.0;
  std::string log_level = "info";
  jsonrpc::ResponseStyle response_style = jsonrpc::ResponseStyle::kGemstone;
  bool access_log = false;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_batch = 100;
  std::size_t max_threads = 1024;
  int keep_alive_timeout = 5;
  double request_timeout = 10.0;   ///< seconds for a whole request, head and body
  double shutdown_timeout = 10.0;  ///< seconds requests in flight get at stop
  std::string state_file;            ///< empty: nothing survives a restart
  double state_save_interval = 5.0;  ///< seconds between saves when something changed
  std::size_t max_instances = 100000;  ///< 0: no limit
  std::size_t max_name_length = 255;
  std::size_t max_host_length = 253;
  std::size_t max_header_bytes = 16384;
  std::string read_token_file;   ///< empty: reads are open
  std::string write_token_file;  ///< empty: writes are open
  std::string tls_cert;          ///< with tls_key: serve HTTPS
  std::string tls_key;
  std::string tls_ciphers;  ///< TLS 1.2 cipher list; empty: Mozilla "intermediate"
  std::string config_file;  ///< where file values came from, if any
};

/// What parsing the command line decided.
struct ConfigOutcome {
  enum class Action { kRun, kExit } action = Action::kRun;
  int exit_code = 0;
  Config config;
};

/// Reads flags, environment and config file. Prints help/version or a
/// one-line error itself (usage errors exit 2, bad config values exit 2).
ConfigOutcome load_config(int argc, char** argv);

/// The effective configuration as TOML, for --print-config.
std::string render_config(const Config& config);

}  // namespace gemstone::registry
