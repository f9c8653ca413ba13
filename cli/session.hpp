#pragma once
// How a command starts: its client options from the flags, then the
// registry (call, locate, services: the URLs from --registry or
// GEMSTONE_REGISTRY, tried in order, with a note on stderr whenever one is
// skipped for the next; register pings them all, see registrar.hpp) or the
// service at a URL (call_raw, specs). Each
// failure is reported on the command's Output, and the caller gets the exit
// status to return.

#include <string>
#include <vector>

#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/remote_service.hpp"
#include "gemstone/result.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/registration.hpp"

namespace gemstone::cli {

/// The Output `print` asks for (whether stdout is a terminal and NO_COLOR
/// are read here), with `raw` for -r. When the flags contradict each other
/// a usage error has been reported, and the result holds the exit status.
Result<Output, int> make_output(const PrintFlags& print, bool raw = false);

/// The client options `transport` asks for (GEMSTONE_TOKEN read too). A
/// usage error has been reported on `out` when it fails.
Result<ClientOptions, int> command_options(const TransportFlags& transport, const Output& out);

/// Opens the service at `url` and identifies it (get_service_specs) before
/// `deadline`. A failure has been reported on `out`.
Result<RemoteService, int> identify_service(const std::string& url, const ClientOptions& options,
                                            const Deadline& deadline, const Output& out);

/// Opens the registry client. On failure the error has been reported on
/// `out` and the result holds the exit status to return. Each registry or
/// instance skipped for the next is noted on `out`.
Result<RegistryClient, int> open_registry(const std::vector<std::string>& registry_flags,
                                          const ClientOptions& options, Output& out);

/// What a registry command works with: the registry client, and whether its
/// requests carry a token (which an "Access denied" report explains).
struct RegistrySession {
  RegistryClient registry;
  bool token_sent = false;  ///< whether requests carry a token (see carries_token)

  /// Reports a failed registry call on `out` (see Output::fail_registry)
  /// and returns its exit status.
  int fail(const ClientError& error, const Output& out) const { return out.fail_registry(error, token_sent); }
};

/// Reads the transport flags (and GEMSTONE_TOKEN) and opens the registry.
/// On failure the error (a usage error, or a registry URL that cannot be
/// used) has been reported on `out` and the result holds the exit status.
/// `out` must outlive the session: skipped registries are noted on it.
Result<RegistrySession, int> open_session(const std::vector<std::string>& registry_flags,
                                          const TransportFlags& transport, Output& out);

/// What ping, unregister and register work with: the instance the
/// arguments name, the registries to send it to (--registry, else
/// GEMSTONE_REGISTRY), the client options, and whether requests carry a
/// token (which an "Access denied" report explains).
struct RegistrationSession {
  Registration registration;
  std::vector<std::string> registries;
  ClientOptions options;
  bool token_sent = false;
};

/// Reads the instance arguments and the transport flags (and
/// GEMSTONE_TOKEN). On failure a usage error has been reported on `out` and
/// the result holds the exit status.
Result<RegistrationSession, int> open_registration(const std::vector<std::string>& registry_flags,
                                                   const InstanceArgs& instance,
                                                   const TransportFlags& transport, const Output& out);

}  // namespace gemstone::cli
