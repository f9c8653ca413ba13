#pragma once
// Command-line options shared by the subcommands: how to reach services
// (timeout, headers, token, TLS), which registries to ask, and how to
// print (-o, --json, --compact, -q, --color, -v).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.hpp"
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

/// -o/--output, --json, --compact, -q and --color: how every command
/// prints. JSON is asked for by -o json, by its alias --json, or by
/// --compact (one-line JSON).
struct PrintFlags {
  std::string output;          ///< -o: "text" or "json"; empty when not given
  bool json = false;           ///< --json
  bool compact = false;        ///< --compact
  bool quiet = false;          ///< -q: no [!] lines on stderr
  std::string color = "auto";  ///< --color: auto, always or never
};

/// Adds the print flags; `json_help` says what -o json prints, and
/// `default_output` which of text and json the command prints unless told
/// (text but for watch, a stream for programs).
void add_print_flags(CLI::App& command, PrintFlags& flags, const char* json_help,
                     const char* default_output = "text");

/// The variable that turns colour off unless --color always (no-color.org).
inline constexpr const char* kNoColorEnv = "NO_COLOR";

/// Whether JSON on stdout is coloured: --color always or never say; auto
/// (the default) colours when stdout is a terminal and `no_color` (the
/// value of NO_COLOR, or nullptr) is unset or empty.
bool use_color(const std::string& mode, bool terminal, const char* no_color);

/// The output options `flags` ask for (see use_color for `terminal` and
/// `no_color`). The error, a usage message, says that -o text contradicts
/// --json or --compact.
Result<OutputOptions, std::string> output_options(const PrintFlags& flags, bool terminal,
                                                  const char* no_color);

/// -v/--verbose: show each HTTP request and response on stderr.
void add_verbose_flag(CLI::App& command, bool& verbose);

/// Accepts one of `choices`, e.g. "text" or "json".
CLI::Validator one_of(std::vector<std::string> choices);

/// --registry URL (repeatable).
void add_registry_flag(CLI::App& command, std::vector<std::string>& urls);

/// The options the commands share, which may also come before the command
/// (gemstone --registry URL locate ...): --registry, the transport flags,
/// the print flags and -v. Each command takes those that apply to it.
struct CommonFlags {
  std::vector<std::string> registries;
  TransportFlags transport;
  PrintFlags print;
  bool verbose = false;
};

/// Adds every common option to `app` (the top-level command), in a group
/// of their own. `flags` must outlive the parse.
void add_common_options(CLI::App& app, CommonFlags& flags);

/// The registries to ask, in order: the --registry options, else
/// GEMSTONE_REGISTRY split at commas (`env` is its value, or nullptr), else
/// the default http://127.0.0.1:8000/api.
std::vector<std::string> registry_urls(const std::vector<std::string>& flags, const char* env);

}  // namespace gemstone::cli
