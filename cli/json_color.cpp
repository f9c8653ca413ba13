#include "cli/json_color.hpp"

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::cli {
namespace {

// jq's defaults (JQ_COLORS): null, false, true, numbers, strings, arrays,
// objects, object keys.
constexpr const char* kNull = "1;30";
constexpr const char* kFalse = "0;39";
constexpr const char* kTrue = "0;39";
constexpr const char* kNumber = "0;39";
constexpr const char* kString = "0;32";
constexpr const char* kContainer = "1;39";
constexpr const char* kKey = "34;1";

// to_pretty_json's default indentation.
constexpr unsigned kIndent = 2;

void paint(std::string& out, const char* color, const std::string& text) {
  out += "\x1b[";
  out += color;
  out += 'm';
  out += text;
  out += "\x1b[0m";
}

void newline(std::string& out, bool pretty, unsigned depth) {
  if (!pretty) return;
  out += '\n';
  out.append(static_cast<std::size_t>(depth) * kIndent, ' ');
}

void write(std::string& out, const rapidjson::Value& v, bool pretty, unsigned depth) {
  switch (v.GetType()) {
    case rapidjson::kNullType: paint(out, kNull, "null"); return;
    case rapidjson::kFalseType: paint(out, kFalse, "false"); return;
    case rapidjson::kTrueType: paint(out, kTrue, "true"); return;
    case rapidjson::kNumberType: paint(out, kNumber, jsonrpc::to_json(v)); return;
    case rapidjson::kStringType: paint(out, kString, jsonrpc::to_json(v)); return;
    case rapidjson::kArrayType: {
      paint(out, kContainer, "[");
      if (v.Empty()) {
        paint(out, kContainer, "]");
        return;
      }
      bool first = true;
      for (const auto& item : v.GetArray()) {
        if (!first) paint(out, kContainer, ",");
        first = false;
        newline(out, pretty, depth + 1);
        write(out, item, pretty, depth + 1);
      }
      newline(out, pretty, depth);
      paint(out, kContainer, "]");
      return;
    }
    case rapidjson::kObjectType: {
      paint(out, kContainer, "{");
      if (v.ObjectEmpty()) {
        paint(out, kContainer, "}");
        return;
      }
      bool first = true;
      for (const auto& m : v.GetObject()) {
        if (!first) paint(out, kContainer, ",");
        first = false;
        newline(out, pretty, depth + 1);
        paint(out, kKey, jsonrpc::to_json(m.name));
        paint(out, kContainer, ":");
        if (pretty) out += ' ';
        write(out, m.value, pretty, depth + 1);
      }
      newline(out, pretty, depth);
      paint(out, kContainer, "}");
      return;
    }
  }
}

}  // namespace

std::string colored_json(const rapidjson::Value& value, bool pretty) {
  std::string out;
  write(out, value, pretty, 0);
  return out;
}

std::string strip_colors(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t end = i + 2;
      while (end < text.size() && text[end] != 'm') ++end;
      i = end;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace gemstone::cli
