#include "options.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "gemstone/registry_client.hpp"

namespace gemstone::cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

CLI::Validator positive_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(value) || value <= 0) {
          return "must be a number of seconds greater than 0, not '" + text + "'";
        }
        return {};
      },
      "");
}

void add_transport_flags(CLI::App& command, TransportFlags& flags, const char* timeout_help) {
  command.add_option("--timeout", flags.timeout_seconds, timeout_help)
      ->check(positive_seconds())
      ->type_name("SECONDS");
  command.add_option("-H,--header", flags.headers,
                     "Extra HTTP header 'Name: value', e.g. an API token (repeatable)")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false)  // one value per occurrence, so it never swallows positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_flag("--insecure", flags.insecure,
                   "https: do not verify the server's certificate");
  command.add_option("--cacert", flags.cacert, "https: trust the CA certificates in this PEM file")
      ->check(CLI::Validator(CLI::ExistingFile).description(""))
      ->type_name("FILE");
}

Result<Header, std::string> parse_header(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return "header '" + std::string(text) + "' must be 'Name: value'";
  }
  const std::string_view name = trim(text.substr(0, colon));
  if (name.empty()) return "header '" + std::string(text) + "' has no name";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == ',' || c == '/' || c == ';' ||
        c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
        c == ']' || c == '{' || c == '}' || c == '"') {
      return "header name '" + std::string(name) + "' contains characters not allowed in a header name";
    }
  }
  const std::string_view value = trim(text.substr(colon + 1));
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return "the value of header '" + std::string(name) + "' contains a line break";
    }
  }
  return Header{std::string(name), std::string(value)};
}

Result<ClientOptions, std::string> client_options(const TransportFlags& flags) {
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(
      static_cast<long long>(flags.timeout_seconds * 1000.0 + 0.5));
  if (options.timeout.count() < 1) options.timeout = std::chrono::milliseconds(1);
  for (const std::string& text : flags.headers) {
    auto header = parse_header(text);
    if (!header.ok()) return std::move(header).error();
    options.headers.push_back(std::move(header).value());
  }
  options.verify_tls = !flags.insecure;
  options.ca_file = flags.cacert;
  return options;
}

void add_registry_flag(CLI::App& command, std::vector<std::string>& urls) {
  command.add_option("--registry", urls,
                     "Registry URL, tried in order (repeatable; default: $GEMSTONE_REGISTRY, "
                     "comma-separated, else http://127.0.0.1:8000/api)")
      ->type_name("URL")
      ->allow_extra_args(false)  // one value per occurrence, so it never swallows positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

std::vector<std::string> registry_urls(const std::vector<std::string>& flags, const char* env) {
  if (!flags.empty()) return flags;
  std::vector<std::string> urls;
  if (env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (!item.empty()) urls.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (urls.empty()) urls.emplace_back(RegistryClient::kDefaultUrl);
  return urls;
}

}  // namespace gemstone::cli
