#pragma once
// ClientOptions: how a client talks to a service: time limits, extra HTTP
// headers (an API token, say), TLS verification, and an observer of every
// request and answer.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gemstone/http_exchange.hpp"

namespace gemstone {

struct ClientOptions {
  /// Time allowed for one call (connecting, sending, waiting for the whole
  /// answer) when the caller gives no Deadline of its own.
  std::chrono::milliseconds timeout{10'000};
  /// At most this long to establish a connection (never longer than the
  /// time left), so that a dead host does not use up the time in which
  /// another instance could have answered.
  std::chrono::milliseconds connect_timeout{5'000};
  /// Sent with every request, after Content-Type.
  std::vector<Header> headers;
  /// https: verify the server's certificate and name (the default). Turning
  /// this off accepts any server: only for tests and trusted networks.
  bool verify_tls = true;
  /// https: a PEM file of CA certificates to trust instead of the system's.
  std::string ca_file;
  /// When set, called after every request with what was sent and received
  /// (see http_exchange.hpp); for tracing, never needed to work.
  ExchangeObserver on_exchange;
};

}  // namespace gemstone
