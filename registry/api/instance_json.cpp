#include "registry/api/instance_json.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

namespace gemstone::registry {
namespace {

// RapidJSON's escape table (rapidjson/writer.h): 'u' means \u00XX.
constexpr char escape_of(unsigned char c) {
  switch (c) {
    case '\b': return 'b';
    case '\t': return 't';
    case '\n': return 'n';
    case '\f': return 'f';
    case '\r': return 'r';
    case '"': return '"';
    case '\\': return '\\';
    default: return c < 0x20 ? 'u' : 0;
  }
}

void append_number(std::string& out, std::uint64_t n) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const char escape = escape_of(c);
    if (escape == 0) continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    out.push_back(escape);
    if (escape == 'u') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.append("00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

void append_json_seconds(std::string& out, double seconds) {
  // Milliseconds as an integer, then "I.F" with F's trailing zeros dropped
  // (one zero kept): the shortest text of the double round(s * 1000) / 1000,
  // which is what RapidJSON writes, for any value a ttl (at most a year) gives.
  const auto ms = static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0) * 1000.0));
  append_number(out, ms / 1000);
  out.push_back('.');
  unsigned fraction = static_cast<unsigned>(ms % 1000);
  if (fraction == 0) {
    out.push_back('0');
    return;
  }
  char digits[3] = {static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                    static_cast<char>('0' + fraction % 10)};
  std::size_t length = 3;
  while (digits[length - 1] == '0') --length;
  out.append(digits, length);
}

void append_instance_json(std::string& out, const Instance& instance, Clock::time_point now) {
  out.append("{\"name\":");
  append_json_string(out, instance.name);
  out.append(",\"host\":");
  append_json_string(out, instance.host);
  out.append(",\"port\":");
  append_number(out, instance.port);
  out.append(",\"url\":");
  append_json_string(out, instance.url);
  out.append(",\"expires_in\":");
  append_json_seconds(out, std::chrono::duration<double>(instance.expires_at - now).count());
  out.append(",\"meta\":{");
  bool first = true;
  for (const auto& [key, value] : instance.meta) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, key);
    out.push_back(':');
    append_json_string(out, value);
  }
  out.append("}}");
}

void append_change_json(std::string& out, const Change& change) {
  static constexpr const char* kEvents[] = {"added", "updated", "removed"};
  const Instance& instance = change.instance();
  out.append("{\"index\":");
  append_number(out, change.index);
  out.append(",\"event\":\"").append(kEvents[static_cast<int>(change.kind)]).append("\",\"name\":");
  append_json_string(out, instance.name);
  out.append(",\"host\":");
  append_json_string(out, instance.host);
  out.append(",\"port\":");
  append_number(out, instance.port);
  if (change.reason != RemovalReason::kNone) {
    out.append(change.reason == RemovalReason::kExpired ? ",\"reason\":\"expired\""
                                                        : ",\"reason\":\"unregistered\"");
  }
  out.push_back('}');
}

}  // namespace gemstone::registry
