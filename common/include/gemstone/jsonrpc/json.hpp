#pragma once
// JSON text <-> RapidJSON documents, safe for input from the network.

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "gemstone/jsonrpc/error.hpp"
#include "gemstone/result.hpp"

namespace gemstone::jsonrpc {

/// Nesting deeper than this is refused. JSON-RPC messages need a handful of
/// levels; the limit keeps every later recursive walk (writing, copying) safe.
inline constexpr unsigned kDefaultMaxDepth = 128;

/// Parses `text` as exactly one JSON value.
///
/// Never recurses on the input (RapidJSON's iterative parser), rejects invalid
/// UTF-8 and nesting deeper than `max_depth`. On failure the error is a
/// -32700 parse error whose message says what and where.
Result<rapidjson::Document, Error> parse_json(std::string_view text,
                                              unsigned max_depth = kDefaultMaxDepth);

/// Compact JSON text of `value`.
std::string to_json(const rapidjson::Value& value);

/// Indented JSON text of `value` (for people), no trailing newline.
std::string to_pretty_json(const rapidjson::Value& value, unsigned indent = 2);

}  // namespace gemstone::jsonrpc
