#pragma once
// ClientOptions: how a client talks to a service: time limits, extra HTTP
// headers (an API token, say) and TLS verification.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace gemstone {

/// An HTTP header sent with every request, e.g. {"X-Api-Token", "secret"}.
struct Header {
  std::string name;
  std::string value;
};

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
};

}  // namespace gemstone
