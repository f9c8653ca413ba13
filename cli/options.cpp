#include "cli/options.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <CLI/CLI.hpp>

#include "gemstone/ascii.hpp"
#include "gemstone/registry_client.hpp"

namespace gemstone::cli {
namespace {

using ascii::trim;

bool has_header(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (ascii::equals_ignoring_case(h.name, name)) return true;
  }
  return false;
}

// A token file is a few bytes; anything this big is the wrong file.
constexpr std::size_t kMaxTokenFileBytes = 1 << 20;

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
                     "Extra HTTP header 'Name: value' (repeatable); an Authorization header wins over --token")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false)  // one value per occurrence, so it never swallows positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  // Both options write std::optional members, so that an explicitly empty
  // value is an error rather than "no token". Repeats: the last one counts.
  command
      .add_option_function<std::string>(
          "--token", [&flags](const std::string& value) { flags.token = value; },
          "Send this token as 'Authorization: Bearer TOKEN' (--token-file or $GEMSTONE_TOKEN "
          "keep it out of ps and shell history)")
      ->type_name("TOKEN")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command
      .add_option_function<std::string>(
          "--token-file", [&flags](const std::string& path) { flags.token_file = path; },
          "Send the token in FILE (its first line that is not blank or a # comment)")
      ->type_name("FILE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command.add_flag("--insecure", flags.insecure,
                   "https: do not verify the server's certificate");
  command.add_option("--cacert", flags.cacert, "https: trust the CA certificates in this PEM file")
      ->check(CLI::Validator(CLI::ExistingFile).description(""))
      ->type_name("FILE");
}

namespace {

// How a malformed header is named in an error: its first word only, since
// the rest may be a secret (-H 'Authorization Bearer s3cret', colon forgotten).
std::string header_for_error(std::string_view text) {
  text = trim(text);
  std::size_t end = 0;
  while (end < text.size() && !ascii::is_space(text[end]) && text[end] != ':') ++end;
  return "'" + std::string(text.substr(0, end)) + (end < text.size() ? "...'" : "'");
}

}  // namespace

Result<Header, std::string> parse_header(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return "header " + header_for_error(text) + " must be 'Name: value'";
  }
  const std::string_view name = trim(text.substr(0, colon));
  if (name.empty()) return std::string("a header has no name (it must be 'Name: value')");
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == ',' || c == '/' || c == ';' ||
        c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
        c == ']' || c == '{' || c == '}' || c == '"') {
      return "header name " + header_for_error(name) + " contains characters not allowed in a header name";
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

std::string first_token_line(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    if (!line.empty() && line.front() != '#') return std::string(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return {};
}

Result<Token, std::string> read_token_file(const std::string& path) {
  const std::string named = "token file '" + path + "'";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "cannot read " + named + ": " + std::strerror(errno);
  std::string text;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0 && text.size() <= kMaxTokenFileBytes) {
    text.append(buffer, got);
  }
  const int read_errno = std::ferror(f) != 0 ? errno : 0;
  std::fclose(f);
  if (read_errno != 0) return "cannot read " + named + ": " + std::strerror(read_errno);
  if (text.size() > kMaxTokenFileBytes) return named + " is larger than 1 MiB: not a token file";
  Token token{first_token_line(text)};
  if (!token.present()) return named + " holds no token (only blank lines and # comments)";
  return token;
}

Result<Token, std::string> resolve_token(const TransportFlags& flags, const char* env) {
  std::string source;
  Token token;
  if (flags.token) {
    source = "the --token value";
    token.value = std::string(trim(*flags.token));
    if (token.value.empty()) return std::string("--token is empty");
  } else if (flags.token_file) {
    auto read = read_token_file(*flags.token_file);
    if (!read.ok()) return std::move(read).error();
    source = "the token in token file '" + *flags.token_file + "'";
    token = std::move(read).value();
  } else if (env != nullptr && !trim(env).empty()) {
    source = std::string("the value of $") + kTokenEnv;
    token.value = std::string(trim(env));
  } else {
    return token;  // none
  }
  for (const char c : token.value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return source + " contains a control character";
  }
  return token;
}

bool carries_token(const ClientOptions& options) {
  return has_header(options.headers, "Authorization") || has_header(options.headers, "X-Api-Token");
}

Result<ClientOptions, std::string> client_options(const TransportFlags& flags, const char* token_env) {
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(
      static_cast<long long>(flags.timeout_seconds * 1000.0 + 0.5));
  if (options.timeout.count() < 1) options.timeout = std::chrono::milliseconds(1);
  for (const std::string& text : flags.headers) {
    auto header = parse_header(text);
    if (!header.ok()) return std::move(header).error();
    options.headers.push_back(std::move(header).value());
  }
  auto token = resolve_token(flags, token_env);
  if (!token.ok()) return std::move(token).error();
  // An Authorization header the user wrote with -H is more specific than a
  // token from the options or the environment.
  if (token.value().present() && !has_header(options.headers, "Authorization")) {
    options.headers.push_back({"Authorization", "Bearer " + token.value().value});
  }
  options.verify_tls = !flags.insecure;
  options.ca_file = flags.cacert;
  return options;
}

CLI::Validator one_of(std::vector<std::string> choices) {
  return CLI::Validator(
      [choices](std::string& text) -> std::string {
        std::string listed;
        for (const std::string& c : choices) {
          if (c == text) return {};
          listed += (listed.empty() ? "" : ", ") + c;
        }
        return "must be one of " + listed + ", not '" + text + "'";
      },
      "");
}

void add_print_flags(CLI::App& command, PrintFlags& flags, const char* json_help, const char* default_output) {
  command.add_option("-o,--output", flags.output,
                     std::string("text or json (default ") + default_output + "); json: " + json_help)
      ->check(one_of({"text", "json"}))
      ->type_name("text|json");
  command.add_flag("--json", flags.json, "The same as -o json");
  command.add_flag("--compact", flags.compact, "JSON on one line (implies -o json)");
  command.add_flag("-q,--quiet", flags.quiet, "No [!] lines on stderr");
  command.add_option("--color", flags.color,
                     "Colour JSON on stdout: auto (when it is a terminal and $NO_COLOR is unset), "
                     "always, never")
      ->check(one_of({"auto", "always", "never"}))
      ->type_name("auto|always|never");
}

void add_verbose_flag(CLI::App& command, bool& verbose) {
  command.add_flag("-v,--verbose", verbose,
                   "Show each HTTP request and response on stderr (tokens masked), as curl -v does");
}

bool use_color(const std::string& mode, bool terminal, const char* no_color) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return terminal && (no_color == nullptr || no_color[0] == '\0');
}

Result<OutputOptions, std::string> output_options(const PrintFlags& flags, bool terminal,
                                                  const char* no_color) {
  if (flags.output == "text" && (flags.json || flags.compact)) {
    return std::string(flags.json ? "--json" : "--compact") + " asks for JSON: it cannot go with -o text";
  }
  OutputOptions options;
  options.quiet = flags.quiet;
  options.compact = flags.compact;
  options.json = flags.output == "json" || flags.json || flags.compact;
  options.color = use_color(flags.color, terminal, no_color);
  return options;
}

void add_common_options(CLI::App& app, CommonFlags& flags) {
  const std::size_t before = app.get_options().size();
  add_registry_flag(app, flags.registries);
  add_transport_flags(app, flags.transport,
                      "Seconds the whole command may take (default 10; register: each ping; "
                      "watch: each long poll, default 30)");
  add_print_flags(app, flags.print, "machine-readable output, see each command's --help", "text");
  add_verbose_flag(app, flags.verbose);
  const std::vector<CLI::Option*> options = app.get_options();
  for (std::size_t i = before; i < options.size(); ++i) options[i]->group("Common options");
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
