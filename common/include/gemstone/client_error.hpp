#pragma once
// ClientError: everything that can go wrong when a client calls a JSON-RPC
// service, as a value. The kind says what happened, so that a caller (the
// `gemstone` command maps kinds to exit codes) decides in one place what to
// do about it; the message says it in words, on one line.

#include <string>

#include "gemstone/jsonrpc/error.hpp"

namespace gemstone {

enum class ErrorKind {
  kInvalidUrl,         ///< the URL cannot be used (not http/https, no host, bad port)
  kConnection,         ///< no connection was made (refused, unreachable, unknown host,
                       ///< connecting timed out): nothing was sent, so another instance
                       ///< may be tried
  kTimeout,            ///< the deadline passed while sending or waiting for the answer
  kTls,                ///< TLS handshake or certificate verification failed
  kIo,                 ///< the connection broke while sending or receiving
  kHttpStatus,         ///< the server answered with an HTTP status other than 2xx
  kMalformedResponse,  ///< the answer is not a JSON-RPC response (not JSON, wrong shape, wrong id)
  kRpc,                ///< the service answered with a JSON-RPC error (see ClientError::rpc)
  kNoInstance,         ///< the registry knows no live instance matching the pattern
};

/// A short lower-case name of the kind, e.g. "connection", "timeout".
const char* to_string(ErrorKind kind);

struct ClientError {
  ErrorKind kind = ErrorKind::kIo;
  std::string url;      ///< the endpoint involved, or empty
  std::string message;  ///< the cause in words, one line, without the URL
  int http_status = 0;  ///< for kHttpStatus
  jsonrpc::Error rpc;   ///< for kRpc: the error object the service sent

  /// True for the failures of the transport, the ones where the service's
  /// answer (if any) could not be had: everything but kRpc, kNoInstance and
  /// kInvalidUrl.
  bool is_transport() const;

  /// One line for people: "URL: message" (or the message alone without a
  /// URL); for kRpc "error CODE: MESSAGE" (data left out, see rpc.data).
  std::string describe() const;

  static ClientError invalid_url(std::string url, std::string why);
  static ClientError transport(ErrorKind kind, std::string url, std::string why);
  static ClientError http_status_error(std::string url, int status, std::string why);
  static ClientError malformed(std::string url, std::string why);
  static ClientError from_rpc(std::string url, jsonrpc::Error error);
  static ClientError no_instance(std::string registry_url, const std::string& pattern);
};

}  // namespace gemstone
