#pragma once
// The rules for what a registration may contain (contract section 2). Each
// check returns why a value is refused, phrased to follow the field's name
// ("must be ..."), or nothing when the value is fine.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gemstone/result.hpp"

namespace gemstone::registry {

using Reason = std::string;

inline constexpr std::size_t kMaxNameChars = 255;  ///< the contract's limit
inline constexpr std::size_t kMaxHostChars = 253;  ///< the contract's limit

/// 1..max_chars (at most 255) printable characters, none of `* ? [ ]` and
/// no whitespace.
std::optional<Reason> check_service_name(std::string_view name,
                                         std::size_t max_chars = kMaxNameChars);

/// A hostname (RFC 1123 labels), an IPv4 literal or an IPv6 literal (brackets
/// allowed and removed by normalize_host); at most max_chars (253) characters.
std::optional<Reason> check_host(std::string_view host, std::size_t max_chars = kMaxHostChars);

/// `[::1]` -> `::1`; anything else unchanged.
std::string normalize_host(std::string_view host);

/// An integer 1..65535, from digits.
Result<std::uint16_t, Reason> parse_port_text(std::string_view digits);

struct UrlParts {
  std::string host;  ///< normalized (no brackets)
  std::uint16_t port = 0;  ///< explicit, or 80/443 from the scheme
};

/// An absolute http or https URL with a valid host.
Result<UrlParts, Reason> parse_service_url(std::string_view url);

/// The URL the old gemstone client would build: http://host:port/api,
/// with brackets around an IPv6 host.
std::string default_url(std::string_view host, std::uint16_t port);

}  // namespace gemstone::registry
