#pragma once
// What the gemstone command writes, and where: the result alone on stdout
// (so that `$(gemstone call -r ...)` captures only it), everything else on
// stderr; and the one mapping from error kinds to exit codes.

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "gemstone/client_error.hpp"
#include "gemstone/registry_client.hpp"

namespace gemstone::cli {

/// The exit statuses of the gemstone command.
enum ExitCode : int {
  kExitOk = 0,
  kExitRpcError = 1,   ///< the service answered with a JSON-RPC error
  kExitUsage = 2,      ///< bad command line
  kExitNoInstance = 3, ///< no live instance matched NAME
  kExitTransport = 4,  ///< refused, timeout, TLS, HTTP status, malformed response
};

/// The exit status for a failure: kRpc -> 1, kInvalidUrl -> 2,
/// kNoInstance -> 3, every transport failure -> 4.
int exit_code_for(const ClientError& error);

/// Whether `error` is the registry's "Access denied": a call that needs a
/// token that was not sent or not accepted.
bool is_access_denied(const ClientError& error);

struct OutputOptions {
  bool quiet = false;    ///< -q: no "[!]" lines
  bool raw = false;      ///< -r: a string result without quotes
  bool compact = false;  ///< --compact: one-line JSON
  bool json = false;     ///< -o json: machine-readable output instead of text
  bool color = false;    ///< JSON on stdout with ANSI colours (see options.hpp use_color)
};

class Output {
 public:
  explicit Output(OutputOptions options = {}, std::FILE* out = stdout, std::FILE* err = stderr)
      : options_(options), out_(out), err_(err) {}

  /// A "[!] ..." diagnostic line on stderr, unless quiet.
  void note(std::string_view line) const;
  /// "[!] <what>: 0.00123 seconds", unless quiet.
  void timing(std::string_view what, std::chrono::duration<double> elapsed,
              std::string_view suffix = {}) const;

  /// The result on stdout: pretty JSON (or compact, or a raw string), one
  /// trailing newline; coloured when asked.
  void result(const rapidjson::Value& value) const;
  /// JSON on stdout for -o json output (pretty unless compact; coloured
  /// when asked).
  void json(const rapidjson::Value& value) const;
  /// One JSON value on one line on stdout (JSON Lines: watch and register
  /// events), coloured when asked.
  void json_line(const rapidjson::Value& value) const;
  /// Plain text on stdout (tables).
  void text(std::string_view text) const;

  /// Reports `error` on stderr ("gemstone: " + one line; for a JSON-RPC
  /// error also its data) and returns its exit status.
  int fail(const ClientError& error) const;
  /// fail() for a call to the registry: an "Access denied" answer gets one
  /// more line, saying access was denied and whether a token was sent.
  int fail_registry(const ClientError& error, bool token_sent) const;
  /// A usage error: one line on stderr; returns 2.
  int usage(std::string_view message) const;
  /// Any other one-line message on stderr, "gemstone: " first.
  void warn(std::string_view message) const;
  /// Text on stderr as it is (the -v trace).
  void trace(std::string_view text) const;

  const OutputOptions& options() const { return options_; }

 private:
  OutputOptions options_;
  std::FILE* out_;
  std::FILE* err_;
};

/// Left-aligned columns with a header row, two spaces apart.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

/// An instance as --json prints it: the fields the registry answers with,
/// {"name", "host", "port", "url", "expires_in"}.
rapidjson::Value instance_json(const Instance& instance, rapidjson::Document::AllocatorType& alloc);

/// A number of seconds for people: "87.5s", "0.25s", "12s".
std::string format_seconds(double seconds);

}  // namespace gemstone::cli
