#include "cli/params.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/utf8.hpp"

namespace gemstone::cli {
namespace {

// A parameter file larger than this is the wrong file (or /dev/zero).
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;

// A typed value: JSON text. A bare word is the common mistake, so say how
// to send a string.
Result<rapidjson::Document, std::string> typed_value(std::string_view text, const std::string& what,
                                                     const std::string& as_string) {
  auto parsed = jsonrpc::parse_json(text);
  if (!parsed.ok()) {
    return what + " is not JSON (" + parsed.error().message + "); for a string use " + as_string;
  }
  return std::move(parsed).value();
}

// The text after '@': the file's contents, or a usage error naming `what`.
Result<FileContents, std::string> file_after_at(std::string_view value, const std::string& what,
                                               const FileReader& read_file) {
  const std::string path(value.substr(1));
  if (path.empty()) return what + ": '@' must be followed by a file name";
  auto contents = read_file(path);
  if (!contents.ok()) return what + ": " + contents.error();
  return std::move(contents).value();
}

}  // namespace

Result<FileContents, std::string> read_whole_file(const std::string& path) {
  const std::string named = "'" + path + "'";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "cannot read " + named + ": " + std::strerror(errno);
  std::string text;
  char buffer[65536];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0 && text.size() <= kMaxFileBytes) {
    text.append(buffer, got);
  }
  const int read_errno = std::ferror(f) != 0 ? errno : 0;
  std::fclose(f);
  if (read_errno != 0) return "cannot read " + named + ": " + std::strerror(read_errno);
  if (text.size() > kMaxFileBytes) return named + " is larger than 64 MiB";
  return FileContents{std::move(text)};
}

Result<CallParams, std::string> parse_pairs(const std::vector<std::string>& pairs, const FileReader& read_file) {
  CallParams params = CallParams::named();
  for (const std::string& pair : pairs) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos) {
      return "parameter '" + pair + "' must be key=value or key:=JSON";
    }
    const bool typed = eq > 0 && pair[eq - 1] == ':';
    const std::string key = pair.substr(0, typed ? eq - 1 : eq);
    const std::string_view value = std::string_view(pair).substr(eq + 1);
    if (key.empty()) return "parameter '" + pair + "' has no name before the '='";
    if (params.has(key)) return "parameter '" + key + "' is given twice";
    const bool from_file = !value.empty() && value.front() == '@';
    std::string text;
    if (from_file) {
      auto read = file_after_at(value, "parameter '" + key + "'", read_file);
      if (!read.ok()) return std::move(read).error();
      text = std::move(read).value().bytes;
    }
    if (typed && from_file) {
      auto json = jsonrpc::parse_json(text);
      if (!json.ok()) {
        return "parameter '" + key + "': '" + std::string(value.substr(1)) + "' is not JSON (" +
               json.error().message + "); for its text use " + key + "=" + std::string(value);
      }
      params.add(key, json.value());
    } else if (typed) {
      auto json = typed_value(value, "the value of '" + key + "'", key + "=" + std::string(value));
      if (!json.ok()) return std::move(json).error();
      params.add(key, json.value());
    } else if (from_file) {
      if (!utf8::is_valid(text)) {
        return "parameter '" + key + "': '" + std::string(value.substr(1)) +
               "' is not UTF-8 text (a JSON string cannot hold it)";
      }
      params.add(key, std::string_view(text));
    } else {
      params.add(key, value);
    }
  }
  return params;
}

Result<CallParams, std::string> parse_positional(const std::vector<std::string>& values) {
  CallParams params = CallParams::positional();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string& value = values[i];
    if (value.rfind(":=", 0) == 0) {
      auto json = typed_value(std::string_view(value).substr(2),
                              "positional parameter " + std::to_string(i + 1),
                              "-p " + value.substr(2));
      if (!json.ok()) return std::move(json).error();
      params.add(json.value());
    } else {
      params.add(value);
    }
  }
  return params;
}

Result<CallParams, std::string> build_params(const ParamsInput& input,
                                             const std::function<std::string()>& read_stdin,
                                             const FileReader& read_file) {
  const int forms = (input.pairs.empty() ? 0 : 1) + (input.positional.empty() ? 0 : 1) +
                    (input.json ? 1 : 0);
  if (forms > 1) {
    return std::string("use only one of key=value parameters, -p and --params-json");
  }
  if (input.json) {
    std::string text;
    std::string source = "--params-json";  // where the text came from, for the error
    if (*input.json == "-") {
      text = read_stdin();
      source += " (standard input)";
    } else if (!input.json->empty() && input.json->front() == '@') {
      auto read = file_after_at(*input.json, "--params-json", read_file);
      if (!read.ok()) return std::move(read).error();
      text = std::move(read).value().bytes;
      source += " (file '" + input.json->substr(1) + "')";
    } else {
      text = *input.json;
    }
    auto params = CallParams::from_json(text);
    if (!params.ok()) return source + ": " + params.error();
    return params;
  }
  if (!input.positional.empty()) return parse_positional(input.positional);
  // No parameters: an empty object, as the original tool sent (old gemstone
  // services bind params with **kwargs and expect an object).
  return parse_pairs(input.pairs, read_file);
}

}  // namespace gemstone::cli
