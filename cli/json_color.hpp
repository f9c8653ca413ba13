#pragma once
// JSON with ANSI colours, as jq colours it on a terminal: the same text as
// jsonrpc::to_json / to_pretty_json, with escape sequences around the
// tokens (strings green, keys blue, null grey, brackets bold).

#include <string>

#include <rapidjson/document.h>

namespace gemstone::cli {

/// `value` as JSON text with colours; `pretty`: indented as
/// jsonrpc::to_pretty_json indents, else on one line as jsonrpc::to_json.
std::string colored_json(const rapidjson::Value& value, bool pretty);

/// `text` without its ANSI colour sequences (ESC [ ... m).
std::string strip_colors(const std::string& text);

}  // namespace gemstone::cli
