#include "registry/api/validation.hpp"

#include <arpa/inet.h>

#include <cctype>

#include "gemstone/utf8.hpp"

namespace gemstone::registry {
namespace {

bool is_space_or_control(char32_t cp) {
  if (cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0)) return true;
  switch (cp) {
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200B;
  }
}

bool is_ipv4(std::string_view s) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(s).c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view s) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(s).c_str(), &addr) == 1;
}

bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);  // a fully qualified name
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view label = s.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      // Underscores are not RFC 1123 but are common in container and
      // service names; refusing them would only hurt.
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    start = end + 1;
  }
  // RFC 1123 2.1: an all-numeric last label would read as a (bad) IPv4
  // address such as 999.1.1.1 or 127.1; real IPv4 literals were accepted before.
  const std::string_view last = s.substr(s.rfind('.') == std::string_view::npos ? 0 : s.rfind('.') + 1);
  return last.find_first_not_of("0123456789") != std::string_view::npos;
}

}  // namespace

std::optional<Reason> check_service_name(std::string_view name, std::size_t max_chars) {
  if (name.empty()) return Reason("must not be empty");
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size();) {
    const utf8::CodePoint decoded = utf8::decode(name, i);
    const char32_t cp = decoded.value;
    i += decoded.length;
    ++chars;
    if (cp == '*' || cp == '?' || cp == '[' || cp == ']') {
      return Reason("must not contain the glob characters * ? [ ]");
    }
    if (is_space_or_control(cp)) return Reason("must not contain whitespace or control characters");
    if (utf8::is_escaped_byte(cp)) return Reason("must be valid UTF-8");
  }
  if (chars > max_chars) return Reason("must be at most " + std::to_string(max_chars) + " characters");
  return std::nullopt;
}

std::string normalize_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return std::string(host.substr(1, host.size() - 2));
  }
  return std::string(host);
}

std::optional<Reason> check_host(std::string_view host, std::size_t max_chars) {
  if (host.empty()) return Reason("must not be empty");
  if (host.size() > max_chars) return Reason("must be at most " + std::to_string(max_chars) + " characters");
  const std::string bare = normalize_host(host);
  if (bare.size() != host.size()) {
    if (is_ipv6(bare)) return std::nullopt;
    return Reason("must be a hostname or an IPv4/IPv6 address");
  }
  if (is_ipv4(bare) || is_ipv6(bare) || is_hostname(bare)) return std::nullopt;
  return Reason("must be a hostname or an IPv4/IPv6 address");
}

Result<std::uint16_t, Reason> parse_port_text(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return Reason("must be an integer 1..65535");
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Reason("must be an integer 1..65535");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value < 1 || value > 65535) return Reason("must be an integer 1..65535");
  return static_cast<std::uint16_t>(value);
}

Result<UrlParts, Reason> parse_service_url(std::string_view url) {
  const Reason bad("must be an absolute http or https URL");
  std::uint16_t default_port = 0;
  std::string_view rest;
  auto starts_with_ci = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  if (starts_with_ci("http://")) {
    default_port = 80;
    rest = url.substr(7);
  } else if (starts_with_ci("https://")) {
    default_port = 443;
    rest = url.substr(8);
  } else {
    return bad;
  }
  if (url.size() > 2048) return Reason("must be at most 2048 characters");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return Reason("must not contain whitespace");
  }
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Reason("must not contain credentials");
  }
  std::string_view host = authority;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad;
      port_text = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return Reason("must name a host");
  if (auto why = check_host(host)) return Reason("has a host that " + *why);
  UrlParts parts{normalize_host(host), default_port};
  if (!port_text.empty()) {
    auto port = parse_port_text(port_text);
    if (!port.ok()) return Reason("has a port that " + port.error());
    parts.port = port.value();
  }
  return parts;
}

std::string default_url(std::string_view host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string url = "http://";
  if (v6) url += '[';
  url += host;
  if (v6) url += ']';
  url += ':';
  url += std::to_string(port);
  url += "/api";
  return url;
}

}  // namespace gemstone::registry
