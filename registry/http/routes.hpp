#pragma once
// What the registry answers over HTTP: POST /api to the JSON-RPC
// dispatcher, GET /health, GET /metrics, the dashboard (GET /ui/), and every HTTP-level refusal (verb,
// content type, sizes, timeouts) as a JSON-RPC error body. Routes see
// Request and Response only: no socket, no TLS.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/api/access_control.hpp"
#include "registry/http/http_message.hpp"
#include "registry/http/live_value.hpp"
#include "registry/metrics.hpp"

namespace gemstone::registry::http {

struct RoutesOptions {
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16384;  ///< names and values altogether; more: 431
  bool access_log = false;  ///< at start; set_access_log changes it
  AccessPolicy access;      ///< at start; set_access changes it
  bool ui = false;  ///< serve the dashboard at /ui/ (and redirect / there)
};

class Routes {
 public:
  Routes(RoutesOptions options, const jsonrpc::Dispatcher& dispatcher, Metrics& metrics,
         std::function<Health()> health, std::function<Metrics::Gauges()> gauges);

  /// Adds a route for `path` (any method), before serving starts.
  void add(std::string path, RouteHandler handler);

  /// Answers `request`, or defers it (see Request::defer).
  void handle(const Request& request, Response& response) const;

  /// A refusal that the head alone decides (too many header bytes), made
  /// before the body is read.
  std::optional<Response> check_head(const RequestHead& head) const;

  /// The answer to a request the parser refused; the connection closes after it.
  Response refuse(const ParseError& error) const;
  /// The answer to a request that did not arrive within `seconds`.
  Response timed_out(double seconds) const;

  /// A reload: the tokens that requests from now on need. Safe while serving.
  void set_access(AccessPolicy access) { access_.set(std::move(access)); }
  /// A reload: whether requests from now on are logged. Safe while serving.
  void set_access_log(bool on) { access_log_.store(on, std::memory_order_relaxed); }

  bool access_log() const { return access_log_.load(std::memory_order_relaxed); }
  /// One line: who, what, the status, the sizes, how long since the
  /// request's first byte, and the JSON-RPC calls it held (Response::log_note).
  void log_access(std::string_view peer, std::string_view method, std::string_view path,
                  const Response& response, std::size_t body_in,
                  std::chrono::nanoseconds elapsed) const;

 private:
  void api(const Request& request, Response& response) const;
  Response error(int status, std::string message) const;

  RoutesOptions options_;
  LiveValue<AccessPolicy> access_;
  std::atomic<bool> access_log_;
  const jsonrpc::Dispatcher& dispatcher_;
  Metrics& metrics_;
  std::function<Health()> health_;
  std::function<Metrics::Gauges()> gauges_;
  std::vector<std::pair<std::string, RouteHandler>> extra_;
};

}  // namespace gemstone::registry::http
