#pragma once
// The registry's HTTP server: a listening socket, an acceptor, and a few
// event loops (one per CPU by default) that own the connections. The
// routes (registry/http/routes.hpp) decide what is answered.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/api/access_control.hpp"
#include "registry/http/http_message.hpp"
#include "registry/metrics.hpp"

namespace gemstone::registry {

/// How the server listens and serves. The fields the daemon's configuration
/// sets have no defaults here: they come from the option table
/// (http_server_options_from in registry/daemon/options_from_config.hpp).
/// The others are fixed properties of the server, written once, below.
struct HttpServerOptions {
  std::string host;
  int port{};  ///< 0 picks a free port (see bound_port)
  std::size_t max_body_bytes{};
  std::chrono::seconds keep_alive_timeout{};  ///< idle time between requests
  /// The whole request, head and body, from its first byte.
  std::chrono::milliseconds request_timeout{};
  /// stop(): requests in flight get this long, then what is left is closed.
  std::chrono::milliseconds shutdown_timeout{};
  bool access_log{};  ///< one info line per HTTP request
  std::size_t max_header_bytes{};  ///< all header names and values; more: HTTP 431
  AccessPolicy access;      ///< tokens required per method scope; open by default
  std::string tls_cert;     ///< with tls_key: HTTPS (PEM files)
  std::string tls_key;
  std::string tls_ciphers;  ///< TLS 1.2 cipher list; empty: Mozilla "intermediate"
  bool ui{};                ///< serve the dashboard at /ui/

  /// An answer that makes no progress for this long: the client is gone.
  std::chrono::milliseconds write_timeout{5000};
  /// Event loops (threads) that serve the connections; 0: one per CPU.
  std::size_t event_loops = 0;
  /// Answers queued on one connection above this stop it from serving its
  /// pipelined requests until they are sent.
  std::size_t output_high_water = 256 * 1024;
  /// Answers queued on all connections together above this stop every
  /// connection that still holds unsent answers of its own from serving more
  /// requests until they are sent; a connection whose client reads goes on.
  std::size_t max_queued_output = 64 * 1024 * 1024;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const jsonrpc::Dispatcher& dispatcher, Metrics& metrics,
             std::function<http::Health()> health,
             std::function<Metrics::Gauges()> gauges);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves `path` (any method) with `handler` too; before serve().
  void add_route(std::string path, http::RouteHandler handler);

  /// Opens the listening socket. Returns a one-line reason on failure.
  std::optional<std::string> bind();
  int bound_port() const { return bound_port_; }

  /// Serves until stop(); returns after requests in flight have been
  /// answered (at most shutdown_timeout after stop()).
  void serve();
  /// Stops accepting and drains; safe from any thread, more than once,
  /// also before serve().
  void stop();

  // A reload (SIGHUP), from any thread, while serving:
  /// The tokens requests need from now on.
  void set_access(AccessPolicy access);
  /// Whether requests are logged from now on.
  void set_access_log(bool on);
  /// Connections accepted from now on use this certificate and key; those
  /// open keep theirs. On failure (a one-line reason) nothing changes. Only
  /// for a server started with TLS.
  std::optional<std::string> reload_tls(const std::string& cert, const std::string& key,
                                        const std::string& ciphers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int bound_port_ = -1;
};

}  // namespace gemstone::registry
