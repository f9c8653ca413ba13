#pragma once
// A JSON-RPC 2.0 error object: what a server sends back and what a client sees.

#include <string>

namespace gemstone::jsonrpc {

/// The codes reserved by the JSON-RPC 2.0 specification. Application errors
/// use -32000..-32099 (see the registry's own codes).
enum ErrorCode : int {
  kParseError = -32700,      ///< the body is not valid JSON (or nests too deep)
  kInvalidRequest = -32600,  ///< valid JSON, but not a JSON-RPC 2.0 request
  kMethodNotFound = -32601,
  kInvalidParams = -32602,   ///< unknown, missing or wrongly typed parameter
  kInternalError = -32603,
};

struct Error {
  int code = kInternalError;
  std::string message;
  /// The optional `data` member as serialized JSON text; empty means absent.
  /// Kept as text so that errors are cheap to copy and need no allocator.
  std::string data;

  static Error parse_error(std::string detail);
  static Error invalid_request(std::string detail);
  static Error method_not_found(const std::string& method);
  /// Names the offending parameter: message "Invalid params: <field> <reason>",
  /// data {"field": field, "reason": reason}.
  static Error invalid_params(const std::string& field, const std::string& reason);
  static Error internal_error(std::string detail);
};

}  // namespace gemstone::jsonrpc
