#pragma once
// The rules for what a registration may contain: a service name, a host, a
// port, or a URL. Each check returns why a value is refused, phrased to
// follow the field's name ("must be ..."), or nothing when the value is fine.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "gemstone/result.hpp"
#include "gemstone/url.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry {

using Reason = std::string;

inline constexpr std::size_t kMaxNameChars = 255;  ///< the default limit
inline constexpr std::size_t kMaxHostChars = 253;  ///< the longest DNS name
inline constexpr std::size_t kMaxUrlChars = 2048;  ///< what browsers and proxies reliably pass

/// 1..max_chars (at most 255) printable characters, none of `* ? [ ]` and
/// no whitespace.
std::optional<Reason> check_service_name(std::string_view name,
                                         std::size_t max_chars = kMaxNameChars);

/// A hostname (RFC 1123 labels), an IPv4 literal or an IPv6 literal (brackets
/// allowed and removed by normalize_host); at most max_chars (253)
/// characters, none of them white space or a control character.
std::optional<Reason> check_host(std::string_view host, std::size_t max_chars = kMaxHostChars);

/// The host as the registry keeps it, so that one endpoint is one instance
/// however it is spelled: brackets removed, IPv6 in its canonical text
/// (`0:0:0:0:0:0:0:1` and `[::1]` are `::1`), DNS names in lower case
/// without a trailing dot (`HOST.Example.` is `host.example`); IPv4 as given.
/// For a host check_host accepted.
std::string normalize_host(std::string_view host);

/// An integer 1..65535, from digits.
Result<std::uint16_t, Reason> parse_port_text(std::string_view digits);

/// An absolute http or https URL as parse_url reads it (its host without
/// brackets, its port explicit or 80/443 from the scheme), at most
/// kMaxUrlChars long, whose host passes check_host.
Result<Url, Reason> parse_service_url(std::string_view url);

inline constexpr std::size_t kMaxMetaKeyChars = 64;
inline constexpr std::size_t kMaxMetaValueBytes = 512;
inline constexpr std::size_t kMaxMetaPairs = 32;
inline constexpr std::size_t kMaxMetaBytes = 4096;  ///< keys and values together

/// Instance metadata: an object of string values, keys 1..64 characters of
/// [A-Za-z0-9_.-], values at most 512 bytes, at most 32 pairs and 4096 bytes
/// of keys and values. Returned sorted by key.
Result<Meta, Reason> meta_from_json(const rapidjson::Value& value);

/// The URL the old gemstone client would build: http://host:port/api,
/// with brackets around an IPv6 host.
inline std::string default_url(std::string_view host, std::uint16_t port) {
  return make_url(false, host, port, "/api");
}

}  // namespace gemstone::registry
