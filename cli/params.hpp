#pragma once
// The parameters of `gemstone call` / `call_raw` from the command line:
//
//   key=value     a string (everything after the first '=' is the value)
//   key:=JSON     a typed value: number, bool, null, array, object, "string"
//   -p VALUE      a positional string; -p :=JSON a positional typed value
//   --params-json TEXT   the whole params as a JSON object or array
//                        ("-" reads it from stdin)
//
// Only one of the three forms may be used in one command.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gemstone/call_params.hpp"
#include "gemstone/result.hpp"

namespace gemstone::cli {

struct ParamsInput {
  std::vector<std::string> pairs;       ///< the PARAMS arguments: key=value, key:=JSON
  std::vector<std::string> positional;  ///< the -p values, in order
  std::optional<std::string> json;      ///< --params-json
};

/// Builds the call's params (an empty object when none are given).
/// `read_stdin` is called only for `--params-json -`. The error is a
/// one-line usage message.
Result<CallParams, std::string> build_params(const ParamsInput& input,
                                             const std::function<std::string()>& read_stdin);

/// key=value / key:=JSON arguments as named params.
Result<CallParams, std::string> parse_pairs(const std::vector<std::string>& pairs);

/// -p values as positional params.
Result<CallParams, std::string> parse_positional(const std::vector<std::string>& values);

}  // namespace gemstone::cli
