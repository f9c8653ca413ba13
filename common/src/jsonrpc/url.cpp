#include "gemstone/url.hpp"

#include <arpa/inet.h>

#include "gemstone/ascii.hpp"

namespace gemstone {
namespace {

constexpr const char* kPortRule = "has a port that must be an integer 1..65535";

// White space and control characters are never part of a URL; a CR, LF or
// NUL let through would split a request line or a header further on.
bool has_space_or_control(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return true;
  }
  return false;
}

}  // namespace

std::optional<int> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  int value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return std::nullopt;
  return value;
}

bool is_ipv6_address(std::string_view text) {
  // inet_pton reads a C string: an embedded NUL would cut the text short.
  if (text.find('\0') != std::string_view::npos) return false;
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

Result<Url, std::string> parse_url(std::string_view text) {
  if (has_space_or_control(text)) return std::string("must not contain whitespace or control characters");
  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return std::string("must be an absolute http or https URL (http://host:port/path)");
  }
  Url url;
  const std::string_view scheme = text.substr(0, colon);
  if (ascii::equals_ignoring_case(scheme, "https")) {
    url.tls = true;
  } else if (!ascii::equals_ignoring_case(scheme, "http")) {
    return "must use the http or https scheme, not '" + std::string(scheme) + "'";
  }
  std::string_view rest = text.substr(colon + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return std::string("must not contain user info (send credentials in a header)");
  }

  std::optional<std::string_view> port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("has an IPv6 address without its closing ']'");
    url.host = std::string(authority.substr(1, close - 1));
    if (!is_ipv6_address(url.host)) return std::string("has a host in brackets that is not an IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("has characters after the IPv6 address that are not a port");
      port_text = after.substr(1);
    }
  } else {
    if (const std::size_t port_colon = authority.rfind(':'); port_colon != std::string_view::npos) {
      port_text = authority.substr(port_colon + 1);
      authority = authority.substr(0, port_colon);
    }
    url.host = std::string(authority);
  }
  if (url.host.empty()) return std::string("must name a host");

  if (!port_text) {
    url.port = url.tls ? 443 : 80;
  } else if (auto port = parse_port(*port_text)) {
    url.port = *port;
  } else {
    return std::string(kPortRule);
  }

  url.text = std::string(text.substr(0, colon + 3 + rest.size()));
  if (path.empty()) {
    url.path = "/api";
    url.text += "/api";
  } else if (path.front() == '?') {
    url.path = "/" + std::string(path);
  } else {
    url.path = std::string(path);
  }
  return url;
}

std::string bracket_host(std::string_view host) {
  // Only an IPv6 address holds a ':'; a name or an IPv4 address never does.
  if (host.find(':') == std::string_view::npos || (!host.empty() && host.front() == '[')) {
    return std::string(host);
  }
  return "[" + std::string(host) + "]";
}

std::string url_authority(std::string_view host, int port) {
  return bracket_host(host) + ":" + std::to_string(port);
}

std::string make_url(bool tls, std::string_view host, int port, std::string_view path) {
  return (tls ? "https://" : "http://") + url_authority(host, port) + std::string(path);
}

}  // namespace gemstone
