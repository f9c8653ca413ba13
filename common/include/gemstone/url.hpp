#pragma once
// Url: the parts of an http:// or https:// endpoint a client connects to.

#include <string>
#include <string_view>

#include "gemstone/client_error.hpp"
#include "gemstone/result.hpp"

namespace gemstone {

struct Url {
  bool tls = false;   ///< https
  std::string host;   ///< a name or an IP literal, IPv6 without brackets
  int port = 0;       ///< as given, else 80 (http) or 443 (https)
  std::string path;   ///< from the first '/' on (query included), never empty
  std::string text;   ///< the URL as given, with "/api" appended when it had no path
};

/// Parses an absolute http or https URL. A URL without a path gets the
/// JSON-RPC endpoint of gemstone services, "/api"
/// ("http://host:8000" means "http://host:8000/api"). A fragment is dropped.
/// User info ("user:pass@") is refused: send credentials as a header.
/// The error is a kInvalidUrl ClientError that says what is wrong.
Result<Url, ClientError> parse_url(std::string_view text);

}  // namespace gemstone
