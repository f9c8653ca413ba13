#include "gemstone/url.hpp"

#include <cctype>

namespace gemstone {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Url, ClientError> parse_url(std::string_view text) {
  const std::string given(text);
  auto invalid = [&](const std::string& why) { return ClientError::invalid_url(given, why); };

  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos) return invalid("not an absolute URL (expected http://host:port/path)");
  Url url;
  const std::string_view scheme = text.substr(0, colon);
  if (iequals(scheme, "https")) {
    url.tls = true;
  } else if (!iequals(scheme, "http")) {
    return invalid("unsupported scheme '" + std::string(scheme) + "' (use http or https)");
  }
  std::string_view rest = text.substr(colon + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return invalid("user info in URLs is not supported (send credentials with a header)");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("unexpected characters after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return invalid("empty port");
    }
  } else {
    const std::size_t port_colon = authority.rfind(':');
    if (port_colon != std::string_view::npos) {
      port_text = authority.substr(port_colon + 1);
      authority = authority.substr(0, port_colon);
      if (port_text.empty()) return invalid("empty port");
    }
    url.host = std::string(authority);
  }
  if (url.host.empty()) return invalid("no host");
  for (const char c : url.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return invalid("the host contains whitespace or control characters");
    }
  }

  if (port_text.empty()) {
    url.port = url.tls ? 443 : 80;
  } else {
    long port = 0;
    for (const char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || port > 65535) {
        return invalid("the port must be a number 1..65535");
      }
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return invalid("the port must be a number 1..65535");
    url.port = static_cast<int>(port);
  }

  for (const char c : path) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return invalid("the path contains whitespace or control characters");
    }
  }
  std::string_view shown = text.substr(0, colon + 3 + rest.size());
  url.text = std::string(shown);
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

}  // namespace gemstone
