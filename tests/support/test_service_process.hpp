#pragma once
// The gemstone command and the JSON-RPC test service as real processes,
// for the tests of the command and the client library.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace gemstone::testing {

/// Paths of the binaries under test (set by CMake).
std::string gemstone_binary();
std::string test_service_binary();

/// gemstone-test-service on an ephemeral loopback port (see
/// support/jsonrpc_test_service.cpp for its methods and flags). Killed on
/// destruction.
class TestServiceProcess {
 public:
  /// Starts it with `args` and waits (at most 10 s) for its "listening on"
  /// line; throws if it does not come.
  explicit TestServiceProcess(std::vector<std::string> args = {});

  int port() const { return port_; }
  /// http(s)://127.0.0.1:PORT/api
  std::string api_url() const { return url_; }
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
  std::string url_;
};

/// Runs `gemstone args...` to completion (killed after `timeout`), with
/// GEMSTONE_REGISTRY removed from its environment unless `options` sets it.
RunResult run_gemstone(const std::vector<std::string>& args, ProcessOptions options = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A loopback URL on which nothing listens (a port just bound and released).
std::string closed_port_url();

}  // namespace gemstone::testing
