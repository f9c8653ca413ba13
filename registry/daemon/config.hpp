#pragma once
// The daemon's configuration: every option is declared once, in a table in
// config.cpp (name, default, help, type and bounds), from which its flag,
// its environment variable (GEMSTONE_REGISTRY_<NAME>), its config-file key,
// its line in --help and in --print-config all follow.
// Precedence: command-line flag > environment > config file > default.
// SPDLOG_LEVEL is honoured as a second environment name for log_level.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/result.hpp"
#include "registry/api/registry_methods.hpp"

namespace gemstone::registry {

/// Every field but config_file is an option of the table in config.cpp,
/// the one place its default is written; Config() starts from those.
/// Where the instances live.
enum class Backend { kMemory, kEtcd };

struct Config {
  Config();

  std::string host;
  int port{};
  double ttl{};  ///< seconds
  std::string log_level;
  jsonrpc::ResponseStyle response_style{};
  LocateResult locate_result{};
  std::size_t max_response_bytes{};
  bool access_log{};
  std::size_t max_body_bytes{};
  std::size_t max_batch{};
  std::size_t max_threads{};
  std::size_t event_loops{};  ///< 0: one per CPU
  int keep_alive_timeout{};  ///< seconds
  double request_timeout{};   ///< seconds for a whole request, head and body
  double shutdown_timeout{};  ///< seconds requests in flight get at stop
  std::string state_file;        ///< empty: nothing survives a restart
  double state_save_interval{};  ///< seconds between saves when something changed
  Backend backend{};
  std::string etcd_endpoints;  ///< comma-separated http(s) URLs, checked by parse_endpoints
  std::string etcd_prefix;     ///< ends with '/'
  double etcd_timeout{};       ///< seconds per etcd request
  std::string etcd_cacert;     ///< PEM files for TLS to etcd; empty: none
  std::string etcd_cert;
  std::string etcd_key;
  std::size_t max_instances{};   ///< 0: no limit
  std::size_t max_watchers{};    ///< parked watch_services calls at most
  std::size_t max_name_length{};
  std::size_t max_host_length{};
  std::size_t max_header_bytes{};
  std::string read_token_file;   ///< empty: reads are open
  std::string write_token_file;  ///< empty: writes are open
  std::string tls_cert;          ///< with tls_key: serve HTTPS
  std::string tls_key;
  std::string tls_ciphers;  ///< TLS 1.2 cipher list; empty: Mozilla "intermediate"
  bool ui{};                ///< serve the dashboard at /ui/
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

/// The configuration read again the way load_config read it (the same
/// flags, the environment, the config file as it is now), printing nothing:
/// for a reload. The error is the line load_config would have printed.
Result<Config, std::string> read_config(int argc, char** argv);

/// The effective configuration as TOML, for --print-config.
std::string render_config(const Config& config);

/// An option whose value differs between two configurations, with both
/// values as --print-config writes them.
struct OptionChange {
  std::string name;
  std::string before;
  std::string after;
};
/// Every option of the table that `after` sets otherwise than `before`.
std::vector<OptionChange> changed_options(const Config& before, const Config& after);

}  // namespace gemstone::registry
