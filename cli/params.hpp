#pragma once
// The parameters of `gemstone call` / `call_raw` from the command line:
//
//   key=value     a string (everything after the first '=' is the value)
//   key=@FILE     the text of FILE, as a string (as HTTPie does)
//   key:=JSON     a typed value: number, bool, null, array, object, "string"
//   key:=@FILE    the JSON in FILE
//   -p VALUE      a positional string; -p :=JSON a positional typed value
//   --params-json TEXT   the whole params as a JSON object or array
//                        ("-" reads it from stdin, "@FILE" from FILE)
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

/// The bytes of a file.
struct FileContents {
  std::string bytes;
};

/// Reads a whole file, or says why not ("cannot read 'x': No such file or
/// directory").
using FileReader = std::function<Result<FileContents, std::string>(const std::string& path)>;

/// The FileReader of the file system; refuses files over 64 MiB.
Result<FileContents, std::string> read_whole_file(const std::string& path);

/// Builds the call's params (an empty object when none are given).
/// `read_stdin` is called only for `--params-json -`, `read_file` only for
/// an @FILE. The error is a one-line usage message.
Result<CallParams, std::string> build_params(const ParamsInput& input,
                                             const std::function<std::string()>& read_stdin,
                                             const FileReader& read_file = read_whole_file);

/// key=value / key:=JSON arguments (and their @FILE forms) as named params.
Result<CallParams, std::string> parse_pairs(const std::vector<std::string>& pairs,
                                            const FileReader& read_file = read_whole_file);

/// -p values as positional params.
Result<CallParams, std::string> parse_positional(const std::vector<std::string>& values);

}  // namespace gemstone::cli
