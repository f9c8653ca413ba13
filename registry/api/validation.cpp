#include "registry/api/validation.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "gemstone/ascii.hpp"
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

// Callers have refused control characters, so no NUL cuts the C string short.
bool is_ipv4(std::string_view s) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(s).c_str(), &addr) == 1;
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

std::string_view strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
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
  std::string bare(strip_brackets(host));
  if (bare.find(':') != std::string::npos) {
    // One text per IPv6 address (RFC 5952, as inet_ntop writes it), so that
    // ::1, 0:0:0:0:0:0:0:1 and [::1] are one endpoint; a zone stays as given.
    const std::size_t zone = bare.find('%');
    const std::string address = bare.substr(0, zone);
    in6_addr v6{};
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET6, address.c_str(), &v6) == 1 &&
        inet_ntop(AF_INET6, &v6, text, sizeof text) != nullptr) {
      return std::string(text) + (zone == std::string::npos ? "" : bare.substr(zone));
    }
    return bare;
  }
  if (is_ipv4(bare)) return bare;
  // DNS names are case-insensitive, and "a.example." is "a.example".
  std::string name = ascii::to_lower(bare);
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  return name;
}

std::optional<Reason> check_host(std::string_view host, std::size_t max_chars) {
  if (host.empty()) return Reason("must not be empty");
  if (host.size() > max_chars) return Reason("must be at most " + std::to_string(max_chars) + " characters");
  for (const char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return Reason("must not contain whitespace or control characters");
  }
  const std::string_view bare = strip_brackets(host);
  if (bare.size() != host.size()) {
    if (is_ipv6_address(bare)) return std::nullopt;
    return Reason("must be a hostname or an IPv4/IPv6 address");
  }
  if (is_ipv4(bare) || is_ipv6_address(bare) || is_hostname(bare)) return std::nullopt;
  return Reason("must be a hostname or an IPv4/IPv6 address");
}

Result<std::uint16_t, Reason> parse_port_text(std::string_view digits) {
  const std::optional<int> port = parse_port(digits);
  if (!port) return Reason("must be an integer 1..65535");
  return static_cast<std::uint16_t>(*port);
}

Result<Url, Reason> parse_service_url(std::string_view text) {
  if (text.size() > kMaxUrlChars) return Reason("must be at most " + std::to_string(kMaxUrlChars) + " characters");
  auto url = parse_url(text);
  if (!url.ok()) return std::move(url).error();
  // parse_url has taken the brackets off an IPv6 host and checked it.
  if (auto why = check_host(url.value().host)) return Reason("has a host that " + *why);
  return std::move(url).value();
}

Result<Meta, Reason> meta_from_json(const rapidjson::Value& value) {
  if (!value.IsObject()) return Reason("must be an object of string values");
  if (value.MemberCount() > kMaxMetaPairs) {
    return Reason("must have at most " + std::to_string(kMaxMetaPairs) + " pairs");
  }
  Meta meta;
  meta.reserve(value.MemberCount());
  std::size_t bytes = 0;
  for (const auto& member : value.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key.empty() || key.size() > kMaxMetaKeyChars) {
      return Reason("keys must be 1.." + std::to_string(kMaxMetaKeyChars) + " characters");
    }
    for (char c : key) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
        return Reason("keys must be made of A-Z a-z 0-9 _ . -");
      }
    }
    if (!member.value.IsString()) return Reason("values must be strings");
    const std::string_view text(member.value.GetString(), member.value.GetStringLength());
    if (text.size() > kMaxMetaValueBytes) {
      return Reason("values must be at most " + std::to_string(kMaxMetaValueBytes) + " bytes");
    }
    bytes += key.size() + text.size();
    meta.emplace_back(std::string(key), std::string(text));
  }
  if (bytes > kMaxMetaBytes) {
    return Reason("must be at most " + std::to_string(kMaxMetaBytes) + " bytes of keys and values");
  }
  std::sort(meta.begin(), meta.end());
  for (std::size_t i = 1; i < meta.size(); ++i) {
    if (meta[i].first == meta[i - 1].first) return Reason("has a key twice");
  }
  return meta;
}

}  // namespace gemstone::registry
