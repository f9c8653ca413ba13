#include "registry/daemon/config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "gemstone/version.hpp"
#include "registry/store/etcd/etcd_endpoints.hpp"

namespace gemstone::registry {
namespace {

constexpr const char* kDefaultConfigFile = "/etc/gemstone/registry.toml";

// Where an option's value goes in Config, with its bounds: `set` parses the
// text a flag, the environment or the file carries (nullopt, or why it is
// refused), `get` renders the value as TOML.
struct Field {
  std::string type;  // for --help: "SECONDS", "N", "true|false", ...
  std::function<std::optional<std::string>(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

// One row per option; its flag, environment variable and TOML key all
// follow from `name`, and Config() starts from `default_text`.
struct Option {
  const char* name;          // snake_case; flag --kebab-case, env GEMSTONE_REGISTRY_UPPER
  const char* default_text;  // as a flag would carry it
  const char* help;
  Field field;
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

std::string format_double(double v) {
  std::ostringstream out;
  out << v;
  std::string s = out.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Any string; `may_be_empty` false refuses "".
Field text(std::string Config::*member, std::string type, bool may_be_empty = true) {
  return {std::move(type),
          [=](Config& c, const std::string& v) -> std::optional<std::string> {
            if (!may_be_empty && v.empty()) return "must not be empty";
            c.*member = v;
            return std::nullopt;
          },
          [=](const Config& c) { return quote(c.*member); }};
}

// One of `choices`, each a name and the value it stands for.
template <class T>
Field one_of(T Config::*member, std::vector<std::pair<std::string, T>> choices) {
  std::string type;
  std::string listed;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    type += (i == 0 ? "" : "|") + choices[i].first;
    listed += (i == 0 ? "" : ", ") + choices[i].first;
  }
  const std::string why = choices.size() == 2
                              ? "must be " + choices[0].first + " or " + choices[1].first
                              : "must be one of " + listed;
  return {type,
          [=](Config& c, const std::string& v) -> std::optional<std::string> {
            for (const auto& [name, value] : choices) {
              if (name == v) {
                c.*member = value;
                return std::nullopt;
              }
            }
            return why;
          },
          [=](const Config& c) {
            for (const auto& [name, value] : choices) {
              if (c.*member == value) return quote(name);
            }
            return quote("");
          }};
}

Field one_of(std::string Config::*member, const std::vector<std::string>& choices) {
  std::vector<std::pair<std::string, std::string>> same;
  for (const auto& choice : choices) same.emplace_back(choice, choice);
  return one_of<std::string>(member, std::move(same));
}

template <class T>
Field integer(T Config::*member, long long min, long long max, std::string type = "N") {
  return {std::move(type),
          [=](Config& c, const std::string& text) -> std::optional<std::string> {
            auto v = to_integer(text);
            if (!v || *v < min || *v > max) {
              return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
            }
            c.*member = static_cast<T>(*v);
            return std::nullopt;
          },
          [=](const Config& c) { return std::to_string(c.*member); }};
}

Field boolean(bool Config::*member) {
  return {"true|false",
          [=](Config& c, const std::string& text) -> std::optional<std::string> {
            if (text == "true" || text == "1" || text == "yes" || text == "on") {
              c.*member = true;
            } else if (text == "false" || text == "0" || text == "no" || text == "off") {
              c.*member = false;
            } else {
              return "must be true or false";
            }
            return std::nullopt;
          },
          [=](const Config& c) { return std::string(c.*member ? "true" : "false"); }};
}

// Seconds as a positive number, fractions allowed.
Field seconds(double Config::*member, double max, std::string max_text) {
  return {"SECONDS",
          [=](Config& c, const std::string& text) -> std::optional<std::string> {
            errno = 0;
            char* end = nullptr;
            const double d = std::strtod(text.c_str(), &end);
            if (text.empty() || errno != 0 || *end != '\0' || !std::isfinite(d) || d <= 0 ||
                d > max) {
              return "must be a number of seconds greater than 0 (at most " + max_text + ")";
            }
            c.*member = d;
            return std::nullopt;
          },
          [=](const Config& c) { return format_double(c.*member); }};
}

// etcd member URLs, checked here so that a typo stops the start.
Field endpoint_list(std::string Config::*member) {
  return {"URLS",
          [=](Config& c, const std::string& v) -> std::optional<std::string> {
            auto endpoints = etcd::parse_endpoints(v);
            if (!endpoints.ok()) return endpoints.error();
            c.*member = v;
            return std::nullopt;
          },
          [=](const Config& c) { return quote(c.*member); }};
}

// A key prefix: ends with '/' (added when missing), so that one prefix is
// never the start of another ("/reg" would also hold "/reg2/...").
Field key_prefix(std::string Config::*member) {
  return {"PREFIX",
          [=](Config& c, const std::string& v) -> std::optional<std::string> {
            if (v.empty()) return "must not be empty";
            for (char ch : v) {
              if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
                return "must not hold control characters";
              }
            }
            c.*member = v.back() == '/' ? v : v + "/";
            return std::nullopt;
          },
          [=](const Config& c) { return quote(c.*member); }};
}

// Options that are each valid but not together.
std::optional<std::string> check_combination(const Config& c) {
  if (c.backend == Backend::kEtcd && !c.state_file.empty()) {
    return "state_file cannot be used with backend = \"etcd\" (etcd keeps the instances): "
           "set state_file = \"\"";
  }
  if (c.backend != Backend::kEtcd) return std::nullopt;
  if (c.etcd_cert.empty() != c.etcd_key.empty()) {
    return "etcd_cert and etcd_key must be given together";
  }
  if (!c.etcd_cacert.empty() || !c.etcd_cert.empty()) {
    auto endpoints = etcd::parse_endpoints(c.etcd_endpoints);
    if (endpoints.ok() && !endpoints.value().front().tls) {
      return "etcd_cacert, etcd_cert and etcd_key need https:// etcd_endpoints";
    }
  }
  return std::nullopt;
}

// The only place a registry option's default is written.
const std::vector<Option>& options() {
  using jsonrpc::ResponseStyle;
  static const std::vector<Option> table = {
      {"host", "127.0.0.1", "Address to listen on (IPv4 or IPv6 literal, or a name)",
       text(&Config::host, "ADDR", false)},
      {"port", "8000", "TCP port to listen on (0 picks a free one)",
       integer(&Config::port, 0, 65535)},
      {"ttl", "90", "Seconds an instance stays registered without a ping (fractions allowed)",
       seconds(&Config::ttl, 31536000, "one year")},
      {"log_level", "info", "Least severe log lines written",
       one_of(&Config::log_level, {"trace", "debug", "info", "warn", "error"}),
       "SPDLOG_LEVEL"},
      {"response_style", "gemstone",
       "gemstone (also writes \"error\": null / \"result\": null, as gemstone clients expect) "
       "or strict (JSON-RPC 2.0 to the letter)",
       one_of<ResponseStyle>(&Config::response_style, {{"gemstone", ResponseStyle::kGemstone},
                                                       {"strict", ResponseStyle::kStrict}})},
      {"locate_result", "instances",
       "instances (locate_service answers instance objects) or urls (their url strings, what "
       "gemstone 0.5 to 0.12 clients expect)",
       one_of<LocateResult>(&Config::locate_result, {{"instances", LocateResult::kInstances},
                                                     {"urls", LocateResult::kUrls}})},
      {"access_log", "false", "Log one line per HTTP request", boolean(&Config::access_log)},
      {"max_response_bytes", "16777216",
       "Largest response body; a result past it is answered with -32005 \"Response too large\"",
       integer(&Config::max_response_bytes, 1024, 1LL << 32)},
      {"max_body_bytes", "1048576", "Largest request body accepted; larger ones get HTTP 413",
       integer(&Config::max_body_bytes, 64, 256LL * 1024 * 1024)},
      {"max_batch", "100", "Most requests in one JSON-RPC batch",
       integer(&Config::max_batch, 1, 100000)},
      {"max_threads", "1024",
       "No longer used (no connection or request holds a thread; see event_loops); accepted so that older "
       "configuration files still load",
       integer(&Config::max_threads, 1, 65536)},
      {"event_loops", "0",
       "Threads that serve the connections, one event loop each (0: one per CPU)",
       integer(&Config::event_loops, 0, 1024)},
      {"keep_alive_timeout", "5", "Seconds an idle keep-alive connection is kept open",
       integer(&Config::keep_alive_timeout, 1, 3600, "SECONDS")},
      {"request_timeout", "10",
       "Seconds a request may take to arrive, head and body, from its first byte (fractions allowed)",
       seconds(&Config::request_timeout, 3600, "one hour")},
      {"shutdown_timeout", "10",
       "Seconds requests in flight get to finish on SIGTERM/SIGINT before their connections are closed",
       seconds(&Config::shutdown_timeout, 3600, "one hour")},
      {"state_file", "",
       "File that keeps the instances across restarts (empty: none; "
       "the package uses /var/lib/gemstone-registry/state.json)",
       text(&Config::state_file, "FILE")},
      {"state_save_interval", "5", "Seconds between saves of the state file when something changed",
       seconds(&Config::state_save_interval, 3600, "one hour")},
      {"backend", "memory",
       "Where instances live: memory (this process, with state_file) or etcd (shared by every "
       "registry on the same etcd_endpoints and etcd_prefix)",
       one_of<Backend>(&Config::backend, {{"memory", Backend::kMemory}, {"etcd", Backend::kEtcd}})},
      {"etcd_endpoints", "http://127.0.0.1:2379",
       "With backend etcd: the etcd members' client URLs, comma-separated (http:// or https://)",
       endpoint_list(&Config::etcd_endpoints)},
      {"etcd_prefix", "/gemstone-registry/",
       "With backend etcd: the key prefix; registries on different prefixes are independent",
       key_prefix(&Config::etcd_prefix)},
      {"etcd_timeout", "2", "With backend etcd: seconds one etcd request may take",
       seconds(&Config::etcd_timeout, 300, "five minutes")},
      {"etcd_cacert", "", "PEM CA certificates to verify the etcd members by (https endpoints)",
       text(&Config::etcd_cacert, "FILE")},
      {"etcd_cert", "", "PEM client certificate presented to etcd (with etcd_key)",
       text(&Config::etcd_cert, "FILE")},
      {"etcd_key", "", "PEM private key of etcd_cert", text(&Config::etcd_key, "FILE")},
      {"max_name_length", "255", "Most characters in a service name (at most the protocol's 255)",
       integer(&Config::max_name_length, 1, 255)},
      {"max_host_length", "253", "Most characters in an instance's host (at most the protocol's 253)",
       integer(&Config::max_host_length, 1, 253)},
      {"max_header_bytes", "16384",
       "Most bytes in a request's head (request line and headers together); more gets HTTP 431",
       integer(&Config::max_header_bytes, 256, 1024 * 1024)},
      {"max_instances", "100000",
       "Most instances held at once; a ping for a new one beyond it gets -32002 Registry full "
       "(0: no limit)",
       integer(&Config::max_instances, 0, 100000000)},
      {"max_watchers", "10000",
       "Most watch_services calls parked at once; one beyond it gets -32004 Too many watchers",
       integer(&Config::max_watchers, 0, 10000000)},
      {"read_token_file", "",
       "File of tokens (one per line) that locate_service, list_services, watch_services and "
       "get_service_specs "
       "require (empty: open)",
       text(&Config::read_token_file, "FILE")},
      {"write_token_file", "",
       "File of tokens (one per line) that ping and unregister require (empty: open)",
       text(&Config::write_token_file, "FILE")},
      {"tls_cert", "", "PEM certificate chain: with tls_key, serve HTTPS instead of HTTP",
       text(&Config::tls_cert, "FILE")},
      {"tls_key", "", "PEM private key for tls_cert", text(&Config::tls_key, "FILE")},
      {"tls_ciphers", "",
       "OpenSSL cipher list for TLS 1.2 (empty: Mozilla's \"intermediate\" list, forward-secret AEAD only)",
       text(&Config::tls_ciphers, "LIST")},
      {"ui", "true", "Serve the dashboard, a page that shows what is registered, at /ui/",
       boolean(&Config::ui)},
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
    if (auto why = option->field.set(config, *text)) return where + name + " " + *why;
  }
  return std::nullopt;
}

// "Seconds an instance ... (default 90)": what --help shows for an option.
std::string help_of(const Option& option) {
  return std::string(option.help) + " (default " +
         (*option.default_text != '\0' ? option.default_text : "none") + ")";
}

// An error is one line, whatever text a flag or variable carried into it.
std::string one_line(const std::string& message) {
  std::string out;
  for (char ch : message) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

Config::Config() {
  for (const auto& option : options()) {
    if (auto why = option.field.set(*this, option.default_text)) {
      throw std::logic_error(std::string("default of ") + option.name + " " + *why);
    }
  }
}

std::string render_config(const Config& config) {
  std::string out = "# gemstone-registry " + std::string(kVersion) + " effective configuration\n";
  for (const auto& o : options()) out += std::string(o.name) + " = " + o.field.get(config) + "\n";
  return out;
}

std::vector<OptionChange> changed_options(const Config& before, const Config& after) {
  std::vector<OptionChange> changed;
  for (const auto& o : options()) {
    std::string was = o.field.get(before);
    std::string now = o.field.get(after);
    if (was != now) changed.push_back({o.name, std::move(was), std::move(now)});
  }
  return changed;
}

namespace {

// load_config, and read_config when `error` is given: then the one line
// that would have been printed goes there instead.
ConfigOutcome parse(int argc, char** argv, std::string* error) {
  ConfigOutcome outcome;
  CLI::App app{"gemstone-registry: a service registry for JSON-RPC 2.0 microservices.\n"
               "Example: gemstone-registry --port 8000 --ttl 90",
               "gemstone-registry"};
  app.set_version_flag("--version", std::string("gemstone-registry ") + kVersion);
  app.get_formatter()->column_width(34);
  app.footer(
      "Each option is also an environment variable (--max-body-bytes:\n"
      "GEMSTONE_REGISTRY_MAX_BODY_BYTES) and a key of the config file (max_body_bytes = 2097152):\n"
      "the flag wins, then the environment, then the file, then the default.\n"
      "A relative read_token_file, write_token_file, tls_cert or tls_key is looked up in\n"
      "$CREDENTIALS_DIRECTORY when systemd sets it (LoadCredential=).\n"
      "SIGHUP reloads the token files, the TLS certificate and key, log_level and access_log.\n"
      "See gemstone-registry(8).");

  std::string config_file;
  bool print_config = false;
  app.add_option("--config", config_file,
                 std::string("TOML config file (default ") + kDefaultConfigFile + " when it exists)")
      ->type_name("FILE")
      ->envname("GEMSTONE_REGISTRY_CONFIG");
  app.add_flag("--print-config", print_config, "Print the effective configuration and exit");

  std::vector<std::pair<const Option*, std::string>> given;
  given.reserve(options().size());
  for (const auto& o : options()) given.emplace_back(&o, std::string());
  std::vector<CLI::Option*> flags;
  for (auto& [option, value] : given) {
    // The last of a repeated flag wins, as with getopt: wrappers can append overrides.
    flags.push_back(app.add_option(flag_of(option->name), value, help_of(*option))
                        ->type_name(option->field.type)
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
    const std::string message = one_line(e.what()) + " (see --help)";
    if (error != nullptr) {
      *error = message;
    } else {
      std::cerr << "gemstone-registry: " << message << "\n";
    }
    outcome.action = ConfigOutcome::Action::kExit;
    outcome.exit_code = 2;
    return outcome;
  }

  auto fail = [&](const std::string& message) {
    if (error != nullptr) {
      *error = one_line(message);
    } else {
      std::cerr << "gemstone-registry: " << one_line(message) << "\n";
    }
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
      if (auto why = option.field.set(config, env)) {
        return fail(name + "=" + env + ": " + option.name + " " + *why);
      }
    }
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (flags[i]->count() == 0) continue;
    const Option& option = *given[i].first;
    if (auto why = option.field.set(config, given[i].second)) {
      return fail(flag_of(option.name) + " " + given[i].second + ": " + option.name + " " + *why);
    }
  }

  if (auto why = check_combination(config)) return fail(*why);

  if (print_config && error == nullptr) {
    std::cout << render_config(config);
    outcome.action = ConfigOutcome::Action::kExit;
  }
  return outcome;
}

}  // namespace

ConfigOutcome load_config(int argc, char** argv) { return parse(argc, argv, nullptr); }

Result<Config, std::string> read_config(int argc, char** argv) {
  std::string error;
  ConfigOutcome outcome = parse(argc, argv, &error);
  if (outcome.action == ConfigOutcome::Action::kExit) {
    return error.empty() ? std::string("the command line asks for no run") : error;
  }
  return std::move(outcome.config);
}

}  // namespace gemstone::registry
