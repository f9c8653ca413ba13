#pragma once
// Url: the parts of an http:// or https:// endpoint, and how to write one.
// The clients parse the URL they connect to with it, and the registry the
// URL a service registers, so both accept exactly the same URLs.

#include <optional>
#include <string>
#include <string_view>

#include "gemstone/result.hpp"

namespace gemstone {

struct Url {
  bool tls = false;   ///< https
  std::string host;   ///< a name or an IP literal, IPv6 without brackets
  int port = 0;       ///< as given, else 80 (http) or 443 (https)
  std::string path;   ///< from the first '/' on (query included), never empty
  std::string text;   ///< the URL as given, with "/api" appended when it had no path
};

/// Parses an absolute http or https URL (the scheme in any case). The host
/// is a name, an IPv4 address or an IPv6 address in brackets (what stands
/// inside brackets must be one); the port, if given, 1..65535, after the
/// last ':' of the host part. A URL without a path gets the JSON-RPC endpoint of
/// gemstone services, "/api" ("http://host:8000" means
/// "http://host:8000/api"). A fragment is dropped.
///
/// Refused: user info ("user:pass@"; send credentials as a header), and
/// white space or control characters (NUL, CR, LF, ...) anywhere, which
/// could otherwise end up inside a request line or a header.
///
/// The error says what is wrong, phrased to follow the URL's name:
/// "must name a host", "has a port that must be an integer 1..65535".
Result<Url, std::string> parse_url(std::string_view text);

/// A port number written as 1 to 5 digits, 1..65535; nothing otherwise.
std::optional<int> parse_port(std::string_view digits);

/// Whether `text` is an IPv6 address (without brackets), such as "::1".
bool is_ipv6_address(std::string_view text);

/// `host` as it is written in a URL: an IPv6 address in brackets ("[::1]"),
/// anything else (a name, an IPv4 address, a host already bracketed) as it is.
std::string bracket_host(std::string_view host);

/// "host:port", the host as bracket_host writes it: "[::1]:8000".
std::string url_authority(std::string_view host, int port);

/// "http://host:port/path", or https with `tls`: make_url(false, "::1",
/// 8000, "/api") is "http://[::1]:8000/api". `path` starts with '/'.
std::string make_url(bool tls, std::string_view host, int port, std::string_view path);

}  // namespace gemstone
