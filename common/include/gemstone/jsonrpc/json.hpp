#pragma once
// JSON text <-> RapidJSON documents, safe for input from the network.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// A JSON-RPC request body, parsed: the document, and the exact text of
/// every request's numeric `id` that a double holds only approximately.
struct RequestBody {
  rapidjson::Document doc;
  /// By position in the batch (0 for a single request): the id as sent, for
  /// ids such as -9223372036854775809, 1e3 or 0.1 whose parsed value would
  /// be written back differently; empty for every other id.
  std::vector<std::string> id_texts;
};

/// parse_json for a request body: same limits and errors, plus the id texts
/// a server needs to echo ids exactly as they were sent.
Result<RequestBody, Error> parse_request_body(std::string_view text,
                                              unsigned max_depth = kDefaultMaxDepth);

/// The first member name that appears twice in `object` itself (not in the
/// objects it holds), if any.
std::optional<std::string> find_repeated_member(const rapidjson::Value& object);

/// The first object member name that appears twice in one object, anywhere
/// in `value`, if any. Two readers of such a document may disagree on which
/// value counts (RapidJSON finds the first, many parsers keep the last), so
/// a server refuses it rather than pick one.
std::optional<std::string> find_duplicate_key(const rapidjson::Value& value);

/// Compact JSON text of `value`.
std::string to_json(const rapidjson::Value& value);

/// Indented JSON text of `value` (for people), no trailing newline.
std::string to_pretty_json(const rapidjson::Value& value, unsigned indent = 2);

}  // namespace gemstone::jsonrpc
