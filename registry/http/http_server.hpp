#pragma once
// The HTTP face of the registry: POST /api to the JSON-RPC dispatcher,
// GET /health, GET /metrics, and every HTTP-level refusal (verb, content
// type, body size) answered with a JSON-RPC error body.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/api/access_control.hpp"
#include "registry/metrics.hpp"

namespace httplib {
class Server;
}

namespace gemstone::registry {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  ///< 0 picks a free port (see bound_port)
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::seconds read_timeout{5};
  /// Threads that serve plain-HTTP connections (epoll loops); 0: one per CPU.
  std::size_t event_loops = 0;
  /// Threads for the requests an event loop will not wait for (chunked or
  /// length-less bodies, Expect: 100-continue, heads or bodies over 64 KiB),
  /// and for every TLS connection.
  std::size_t min_threads = 4;
  std::size_t max_threads = 1024;
  bool access_log = false;  ///< one info line per HTTP request
  std::size_t max_header_bytes = 16384;  ///< all header names and values; more: HTTP 431
  AccessPolicy access;      ///< tokens required per method scope; open by default
  std::string tls_cert;     ///< with tls_key: HTTPS (PEM files)
  std::string tls_key;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const jsonrpc::Dispatcher& dispatcher, Metrics& metrics,
             std::function<std::string()> health_body,
             std::function<Metrics::Gauges()> gauges);
  ~HttpServer();

  /// Opens the listening socket. Returns a one-line reason on failure.
  std::optional<std::string> bind();
  int bound_port() const { return bound_port_; }

  /// Serves until stop(); returns after requests in flight have finished.
  void serve();
  /// Stops accepting; safe from any thread, more than once.
  void stop();

 private:
  void install_routes();

  HttpServerOptions options_;
  const jsonrpc::Dispatcher& dispatcher_;
  Metrics& metrics_;
  std::function<std::string()> health_body_;
  std::function<Metrics::Gauges()> gauges_;
  std::unique_ptr<httplib::Server> server_;
  int bound_port_ = -1;
};

}  // namespace gemstone::registry
