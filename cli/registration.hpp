#pragma once
// The instance that `register`, `ping` and `unregister` act on (NAME HOST
// PORT, or NAME --url URL, with --meta), and how their outcomes print: a
// "[!]" line or a warning on stderr, or one JSON line per registry on
// stdout with -o json.

#include <string>
#include <vector>

#include "cli/output.hpp"
#include "gemstone/registrar.hpp"
#include "gemstone/result.hpp"

namespace CLI {
class App;
}

namespace gemstone::cli {

struct InstanceArgs {
  std::string name;
  std::string host;
  std::string port;               ///< as given; checked by instance_registration
  std::string url;                ///< --url, instead of HOST and PORT
  std::vector<std::string> meta;  ///< --meta KEY=VALUE
};

/// Adds NAME, HOST, PORT, --url URL and (unless `with_meta` is false)
/// --meta to `command`.
void add_instance_args(CLI::App& command, InstanceArgs& args, bool with_meta = true);

/// The instance the arguments name. The error is a usage message: HOST
/// and PORT missing (or only one given) without --url, both with it, a bad
/// port, URL or --meta pair.
Result<Registration, std::string> instance_registration(const InstanceArgs& args);

/// "NAME (HOST:PORT)" or "NAME (URL)", for messages.
std::string describe_instance(const Registration& registration);

/// One -o json line: {"registry", "event", "instance" | "error" | "removed"}.
void print_event_json(const RegistrarEvent& event, const Output& out);

}  // namespace gemstone::cli
