#pragma once
// Command-line options shared by the subcommands: how to reach services
// (timeout, headers, token, TLS) and which registries to ask.

#include <optional>
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

/// --timeout, -H, --token, --token-file, --insecure, --cacert.
struct TransportFlags {
  double timeout_seconds = 10.0;
  std::vector<std::string> headers;
  std::optional<std::string> token;       ///< --token, when given (even empty)
  std::optional<std::string> token_file;  ///< --token-file, when given
  bool insecure = false;
  std::string cacert;
};

/// Adds the transport flags; `timeout_help` describes what --timeout bounds.
/// `flags` must outlive the parse (the --token option writes into it).
void add_transport_flags(CLI::App& command, TransportFlags& flags,
                         const char* timeout_help = "Seconds the whole command may take (default 10)");

/// The environment variable that gives a token when no option does.
inline constexpr const char* kTokenEnv = "GEMSTONE_TOKEN";

/// A bearer token to send, or none (empty value).
struct Token {
  std::string value;
  bool present() const { return !value.empty(); }
};

/// The token to send: --token, else the token of --token-file, else `env`
/// (the value of GEMSTONE_TOKEN, or nullptr; empty counts as unset), else
/// none. Surrounding whitespace is trimmed. The error is a one-line usage
/// message naming where the token came from, never the token itself.
Result<Token, std::string> resolve_token(const TransportFlags& flags, const char* env);

/// The token in the text of a token file: its first line that is neither
/// empty nor a comment ('#' first), trimmed; empty when there is none.
std::string first_token_line(std::string_view text);

/// The token of the file at `path` (see first_token_line). The error, a
/// one-line usage message naming the file, says it cannot be read or holds
/// no token.
Result<Token, std::string> read_token_file(const std::string& path);

/// Whether requests made with `options` carry a token: an Authorization or
/// X-Api-Token header (from --token and friends, or -H).
bool carries_token(const ClientOptions& options);

/// Accepts a number of seconds greater than zero ("0.5", "30").
CLI::Validator positive_seconds();

/// The client options the flags ask for; `token_env` is the value of
/// GEMSTONE_TOKEN (or nullptr). A token (see resolve_token) is sent as
/// `Authorization: Bearer TOKEN` unless -H gives an Authorization header,
/// which wins. The error is a usage message (a malformed -H, an unreadable
/// token file).
Result<ClientOptions, std::string> client_options(const TransportFlags& flags, const char* token_env);

/// "Name: value" as a header; the error says what is wrong.
Result<Header, std::string> parse_header(std::string_view text);

/// --json and --compact, for the commands that print a table unless asked
/// for JSON.
struct JsonFlags {
  bool json = false;
  bool compact = false;  ///< with --json: one line
};

/// Adds --json (described by `json_help`) and --compact.
void add_json_flags(CLI::App& command, JsonFlags& flags, const char* json_help);

/// --registry URL (repeatable).
void add_registry_flag(CLI::App& command, std::vector<std::string>& urls);

/// The registries to ask, in order: the --registry options, else
/// GEMSTONE_REGISTRY split at commas (`env` is its value, or nullptr), else
/// the default http://127.0.0.1:8000/api.
std::vector<std::string> registry_urls(const std::vector<std::string>& flags, const char* env);

}  // namespace gemstone::cli
