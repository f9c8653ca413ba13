#include "cli/params.hpp"

#include <string_view>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::cli {
namespace {

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

}  // namespace

Result<CallParams, std::string> parse_pairs(const std::vector<std::string>& pairs) {
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
    if (typed) {
      auto json = typed_value(value, "the value of '" + key + "'", key + "=" + std::string(value));
      if (!json.ok()) return std::move(json).error();
      params.add(key, json.value());
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
                                             const std::function<std::string()>& read_stdin) {
  const int forms = (input.pairs.empty() ? 0 : 1) + (input.positional.empty() ? 0 : 1) +
                    (input.json ? 1 : 0);
  if (forms > 1) {
    return std::string("use only one of key=value parameters, -p and --params-json");
  }
  if (input.json) {
    const std::string text = *input.json == "-" ? read_stdin() : *input.json;
    auto params = CallParams::from_json(text);
    if (!params.ok()) return "--params-json: " + params.error();
    return params;
  }
  if (!input.positional.empty()) return parse_positional(input.positional);
  // No parameters: an empty object, as the original tool sent (old gemstone
  // services bind params with **kwargs and expect an object).
  return parse_pairs(input.pairs);
}

}  // namespace gemstone::cli
