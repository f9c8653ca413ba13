#pragma once
// -v/--verbose: every HTTP request and response on stderr as it went and
// came, the way `curl -v` shows them: "> " before the request line and
// headers, "< " before the status line and headers, bodies as indented
// JSON, "* " before what the client says itself. Token values are masked.

#include <string>
#include <string_view>

#include "gemstone/http_exchange.hpp"

namespace gemstone::cli {

class Output;

/// The value of header `name` as -v shows it: for Authorization and
/// Proxy-Authorization the scheme and "****", for X-Api-Token and Cookie
/// "****"; any other value as it is.
std::string masked_header_value(std::string_view name, std::string_view value);

/// One exchange as -v shows it (lines ending in '\n').
std::string format_exchange(const HttpExchange& exchange);

/// An observer that writes each exchange to `out`'s stderr. `out` must
/// outlive every client given the observer.
ExchangeObserver verbose_observer(const Output& out);

}  // namespace gemstone::cli
