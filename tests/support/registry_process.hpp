#pragma once
// The real gemstone-registry binary on an ephemeral loopback port, with a
// small HTTP client to talk to it. Stopped (SIGKILL if need be) on destruction.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <rapidjson/document.h>

#include "process.hpp"
#include "rpc_messages.hpp"

namespace gemstone::testing {

/// Path of the binary under test (set by CMake).
std::string registry_binary();

class RegistryProcess {
 public:
  /// Starts `gemstone-registry --host 127.0.0.1 --port 0 <args>` and waits
  /// (at most 10 s) for its "listening on" line; throws if it does not come.
  explicit RegistryProcess(std::vector<std::string> args = {}, ProcessOptions options = {});

  int port() const { return port_; }
  std::string base_url() const;  ///< http://127.0.0.1:PORT
  std::string api_url() const;   ///< http://127.0.0.1:PORT/api
  Process& process() { return *process_; }

  /// POSTs `body` to /api as application/json on a fresh connection.
  httplib::Result post(const std::string& body,
                       const std::string& content_type = "application/json");
  /// Calls `method` with `params_json` (object or array text) and returns
  /// the whole parsed response; fails the test on a transport error.
  rapidjson::Document call(const std::string& method, const std::string& params_json = "",
                           int id = 1);
  httplib::Result get(const std::string& path);

  /// SIGTERM, then waits; the exit status or -1 on timeout.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

/// How many live instances locate_service(pattern) answers; 0 when the call fails.
std::size_t located_count(RegistryProcess& registry, const std::string& pattern);

/// Registers (or renews) `name` at 127.0.0.1:`port`.
void register_local(RegistryProcess& registry, const std::string& name, int port);

}  // namespace gemstone::testing
