#pragma once
// What `gemstone call` and `gemstone call_raw` share once the service is
// found: the METHOD and PARAMS arguments and output flags, the "[!]" lines,
// the call (or notification) and the result.

#include <chrono>
#include <string>

#include "gemstone/call_params.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/remote_service.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/params.hpp"

namespace CLI {
class App;
}

namespace gemstone::cli {

struct CallFlags {
  std::string method;
  ParamsInput params;
  bool notify = false;
  PrintFlags print;
  bool raw = false;      ///< -r
  bool verbose = false;  ///< -v
  TransportFlags transport;
};

/// Adds METHOD and PARAMS (after the command's own positional argument) and
/// the flags common to both call commands.
void add_call_flags(CLI::App& command, CallFlags& flags);

/// Everything a call command needs before it touches the network: params,
/// client options and the deadline of the whole command.
struct PreparedCall {
  CallParams params;
  ClientOptions options;
  Deadline deadline;
};

/// Reads PARAMS (stdin for --params-json -, files for @FILE) and the
/// transport flags (with -v, the client options trace every exchange on
/// `out`, which must outlive them), and starts the command's deadline. A
/// usage error has been reported on `out` when it fails, and the result
/// holds the exit status.
Result<PreparedCall, int> prepare_call(const CallFlags& flags, const Output& out);

/// Prints the identification lines for `service` (found in `identification`
/// seconds), calls or notifies the method before `deadline`, prints the
/// result. Returns the exit status.
int finish_call(RemoteService& service, const CallFlags& flags, const CallParams& params,
                const Output& out, const Deadline& deadline,
                std::chrono::duration<double> identification);

}  // namespace gemstone::cli
