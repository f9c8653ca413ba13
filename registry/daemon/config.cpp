#include "registry/daemon/config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string_view>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "gemstone/version.hpp"

namespace gemstone::registry {
namespace {

constexpr const char* kDefaultConfigFile = "/etc/gemstone/registry.toml";

using Setter = std::function<std::optional<std::string>(Config&, const std::string&)>;
using Getter = std::function<std::string(const Config&)>;

// One row per option: the flag, the environment variable and the TOML key
// are all derived from `name`.
struct Option {
  std::string name;  // snake_case; flag --kebab-case, env GEMSTONE_REGISTRY_UPPER
  std::string help;
  Setter set;
  Getter get;
  const char* alias_env = nullptr;  // another environment name, below ours in precedence
};

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::optional<long long> to_integer(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

Setter integer_setter(long long min, long long max, std::function<void(Config&, long long)> apply) {
  return [=](Config& c, const std::string& text) -> std::optional<std::string> {
    auto v = to_integer(text);
    if (!v || *v < min || *v > max) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
    apply(c, *v);
    return std::nullopt;
  };
}

Setter boolean_setter(std::function<void(Config&, bool)> apply) {
  return [=](Config& c, const std::string& text) -> std::optional<std::string> {
    if (text == "true" || text == "1" || text == "yes" || text == "on") {
      apply(c, true);
    } else if (text == "false" || text == "0" || text == "no" || text == "off") {
      apply(c, false);
    } else {
      return "must be true or false";
    }
    return std::nullopt;
  };
}

Setter seconds_setter(double max, std::string max_text,
                      std::function<void(Config&, double)> apply) {
  return [=](Config& c, const std::string& text) -> std::optional<std::string> {
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (text.empty() || errno != 0 || *end != '\0' || !std::isfinite(d) || d <= 0 || d > max) {
      return "must be a number of seconds greater than 0 (at most " + max_text + ")";
    }
    apply(c, d);
    return std::nullopt;
  };
}

std::string format_double(double v) {
  std::ostringstream out;
  out << v;
  std::string s = out.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"host", "Address to listen on (IPv4 or IPv6 literal, or a name)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "must not be empty";
         c.host = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.host); }},
      {"port", "TCP port to listen on (0 picks a free one)",
       integer_setter(0, 65535, [](Config& c, long long v) { c.port = static_cast<int>(v); }),
       [](const Config& c) { return std::to_string(c.port); }},
      {"ttl", "Seconds an instance stays registered without a ping (fractions allowed)",
       seconds_setter(31536000, "one year", [](Config& c, double v) { c.ttl = v; }),
       [](const Config& c) { return format_double(c.ttl); }},
      {"log_level", "trace, debug, info, warn or error",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error") {
           return "must be one of trace, debug, info, warn, error";
         }
         c.log_level = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.log_level); }, "SPDLOG_LEVEL"},
      {"response_style",
       "gemstone (also writes \"error\": null / \"result\": null, as gemstone clients expect) "
       "or strict (JSON-RPC 2.0 to the letter)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v == "gemstone") {
           c.response_style = jsonrpc::ResponseStyle::kGemstone;
         } else if (v == "strict") {
           c.response_style = jsonrpc::ResponseStyle::kStrict;
         } else {
           return "must be gemstone or strict";
         }
         return std::nullopt;
       },
       [](const Config& c) {
         return quote(c.response_style == jsonrpc::ResponseStyle::kStrict ? "strict" : "gemstone");
       }},
      {"access_log", "Log one line per HTTP request",
       boolean_setter([](Config& c, bool v) { c.access_log = v; }),
       [](const Config& c) { return std::string(c.access_log ? "true" : "false"); }},
      {"max_body_bytes", "Largest request body accepted; larger ones get HTTP 413",
       integer_setter(64, 256LL * 1024 * 1024,
                      [](Config& c, long long v) { c.max_body_bytes = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_body_bytes); }},
      {"max_batch", "Most requests in one JSON-RPC batch",
       integer_setter(1, 100000,
                      [](Config& c, long long v) { c.max_batch = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_batch); }},
      {"max_threads", "Most threads for TLS connections and requests an event loop will not wait for (chunked, 100-continue, over 64 KiB)",
       integer_setter(1, 65536,
                      [](Config& c, long long v) { c.max_threads = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_threads); }},
      {"keep_alive_timeout", "Seconds an idle keep-alive connection is kept open",
       integer_setter(1, 3600, [](Config& c, long long v) { c.keep_alive_timeout = static_cast<int>(v); }),
       [](const Config& c) { return std::to_string(c.keep_alive_timeout); }},
      {"request_timeout",
       "Seconds a request may take to arrive, head and body, from its first byte (fractions allowed)",
       seconds_setter(3600, "one hour", [](Config& c, double v) { c.request_timeout = v; }),
       [](const Config& c) { return format_double(c.request_timeout); }},
      {"shutdown_timeout",
       "Seconds requests in flight get to finish on SIGTERM/SIGINT before their connections are closed",
       seconds_setter(3600, "one hour", [](Config& c, double v) { c.shutdown_timeout = v; }),
       [](const Config& c) { return format_double(c.shutdown_timeout); }},
      {"state_file",
       "File that keeps the instances across restarts (empty: none; "
       "the package uses /var/lib/gemstone-registry/state.json)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.state_file = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.state_file); }},
      {"state_save_interval", "Seconds between saves of the state file when something changed",
       seconds_setter(3600, "one hour", [](Config& c, double v) { c.state_save_interval = v; }),
       [](const Config& c) { return format_double(c.state_save_interval); }},
      {"max_name_length", "Most characters in a service name (at most the protocol's 255)",
       integer_setter(1, 255,
                      [](Config& c, long long v) { c.max_name_length = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_name_length); }},
      {"max_host_length", "Most characters in an instance's host (at most the protocol's 253)",
       integer_setter(1, 253,
                      [](Config& c, long long v) { c.max_host_length = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_host_length); }},
      {"max_header_bytes",
       "Most bytes in a request's headers altogether; more gets HTTP 431 (one line is also "
       "limited to 8 KiB by cpp-httplib)",
       integer_setter(256, 1024 * 1024,
                      [](Config& c, long long v) { c.max_header_bytes = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_header_bytes); }},
      {"max_instances", "Most instances held at once; a ping for a new one beyond it gets -32002 Registry full (0: no limit)",
       integer_setter(0, 100000000,
                      [](Config& c, long long v) { c.max_instances = static_cast<std::size_t>(v); }),
       [](const Config& c) { return std::to_string(c.max_instances); }},
      {"read_token_file",
       "File of tokens (one per line) that locate_service, list_services and get_service_specs require (empty: open)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.read_token_file = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.read_token_file); }},
      {"write_token_file",
       "File of tokens (one per line) that ping and unregister require (empty: open)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.write_token_file = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.write_token_file); }},
      {"tls_cert",
       "PEM certificate chain: with tls_key, serve HTTPS instead of HTTP",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.tls_cert = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.tls_cert); }},
      {"tls_key",
       "PEM private key for tls_cert",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.tls_key = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.tls_key); }},
      {"tls_ciphers",
       "OpenSSL cipher list for TLS 1.2 (empty: Mozilla's \"intermediate\" list, forward secret AEAD only)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.tls_ciphers = v;
         return std::nullopt;
       },
       [](const Config& c) { return quote(c.tls_ciphers); }},
  };
  return table;
}

std::string flag_of(const std::string& name) {
  std::string flag = "--" + name;
  for (char& ch : flag) {
    if (ch == '_') ch = '-';
  }
  return flag;
}

std::string env_of(const std::string& name) {
  std::string env = "GEMSTONE_REGISTRY_";
  for (char ch : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return env;
}

// TOML scalars as the same text a flag would carry, so one setter serves all.
std::optional<std::string> toml_scalar_text(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = node.value_exact<double>()) {
    std::ostringstream out;
    out.precision(17);
    out << *d;
    return out.str();
  }
  if (auto b = node.value_exact<bool>()) return std::string(*b ? "true" : "false");
  return std::nullopt;
}

// Applies a TOML file. Returns a one-line error naming the file, line and key.
std::optional<std::string> apply_file(Config& config, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << path << ":" << e.source().begin.line << ": " << e.description();
    return out.str();
  }
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    const auto line = node.source().begin.line;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    const Option* option = nullptr;
    for (const auto& o : options()) {
      if (o.name == name) option = &o;
    }
    if (option == nullptr) return where + "unknown key '" + name + "'";
    auto text = toml_scalar_text(node);
    if (!text) return where + name + " must be a string, number or boolean";
    if (auto why = option->set(config, *text)) return where + name + " " + *why;
  }
  return std::nullopt;
}

}  // namespace

std::string render_config(const Config& config) {
  std::string out = "# gemstone-registry " + std::string(kVersion) + " effective configuration\n";
  for (const auto& o : options()) out += o.name + " = " + o.get(config) + "\n";
  return out;
}

ConfigOutcome load_config(int argc, char** argv) {
  ConfigOutcome outcome;
  CLI::App app{"gemstone-registry: a service registry for JSON-RPC 2.0 microservices.\n"
               "Example: gemstone-registry --port 8000 --ttl 90",
               "gemstone-registry"};
  app.set_version_flag("--version", std::string("gemstone-registry ") + kVersion);
  app.get_formatter()->column_width(34);

  std::string config_file;
  bool print_config = false;
  app.add_option("--config", config_file,
                 "TOML config file (default /etc/gemstone/registry.toml when it exists)")
      ->envname("GEMSTONE_REGISTRY_CONFIG");
  app.add_flag("--print-config", print_config, "Print the effective configuration and exit");

  std::vector<std::pair<const Option*, std::string>> given;
  given.reserve(options().size());
  for (const auto& o : options()) given.emplace_back(&o, std::string());
  std::vector<CLI::Option*> flags;
  for (auto& [option, value] : given) {
    // The last of a repeated flag wins, as with getopt: wrappers can append overrides.
    flags.push_back(app.add_option(flag_of(option->name), value, option->help)
                        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    outcome.action = ConfigOutcome::Action::kExit;
    return outcome;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    outcome.action = ConfigOutcome::Action::kExit;
    return outcome;
  } catch (const CLI::ParseError& e) {
    std::cerr << "gemstone-registry: " << e.what() << " (see --help)\n";
    outcome.action = ConfigOutcome::Action::kExit;
    outcome.exit_code = 2;
    return outcome;
  }

  auto fail = [&](const std::string& message) {
    std::cerr << "gemstone-registry: " << message << "\n";
    outcome.action = ConfigOutcome::Action::kExit;
    outcome.exit_code = 2;
    return outcome;
  };

  Config& config = outcome.config;
  // 1. the file: the one named, or the default one when it exists.
  if (config_file.empty()) {
    if (FILE* f = std::fopen(kDefaultConfigFile, "r")) {
      std::fclose(f);
      config_file = kDefaultConfigFile;
    }
  } else if (FILE* f = std::fopen(config_file.c_str(), "r")) {
    std::fclose(f);
  } else {
    return fail("cannot read config file " + config_file + ": " + std::strerror(errno));
  }
  if (!config_file.empty()) {
    if (auto error = apply_file(config, config_file)) return fail(*error);
    config.config_file = config_file;
  }
  // 2. the environment, 3. the flags.
  for (std::size_t i = 0; i < given.size(); ++i) {
    const Option& option = *given[i].first;
    for (const std::string& name : {option.alias_env ? std::string(option.alias_env) : std::string(),
                                    env_of(option.name)}) {
      const char* env = name.empty() ? nullptr : std::getenv(name.c_str());
      if (env == nullptr) continue;
      if (auto why = option.set(config, env)) {
        return fail(name + "=" + env + ": " + option.name + " " + *why);
      }
    }
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (flags[i]->count() == 0) continue;
    const Option& option = *given[i].first;
    if (auto why = option.set(config, given[i].second)) {
      return fail(flag_of(option.name) + " " + given[i].second + ": " + option.name + " " + *why);
    }
  }

  if (print_config) {
    std::cout << render_config(config);
    outcome.action = ConfigOutcome::Action::kExit;
  }
  return outcome;
}

}  // namespace gemstone::registry
