#pragma once
// HttpExchange: one HTTP request as it was sent and its answer as it came
// (or why none came), handed to ClientOptions::on_exchange after every
// request a client makes, e.g. to trace them as `curl -v` does:
//
//   gemstone::ClientOptions options;
//   options.on_exchange = [](const gemstone::HttpExchange& x) {
//     std::clog << x.method << " " << x.url << " -> " << x.status << "\n";
//   };
//
// The headers are given as they went and came, secrets included
// (Authorization): mask them before showing them to anyone.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gemstone/client_error.hpp"

namespace gemstone {

/// An HTTP header, e.g. {"X-Api-Token", "secret"}.
struct Header {
  std::string name;
  std::string value;
};

struct HttpExchange {
  std::string url;     ///< the endpoint, as the client was opened with it
  std::string method;  ///< "POST"
  std::string target;  ///< the request target, e.g. "/api"
  /// Every header sent, those the HTTP library adds (Host, Content-Length,
  /// Accept-Encoding ...) included.
  std::vector<Header> request_headers;
  std::string request_body;

  /// Whether an answer came; when not, `error` says why.
  bool answered = false;
  std::string version;  ///< "HTTP/1.1"
  int status = 0;       ///< 200
  std::string reason;   ///< "OK"
  std::vector<Header> response_headers;
  std::string response_body;  ///< decoded when it came compressed
  std::optional<ClientError> error;

  /// From the call to the end of the answer (or of the failure).
  std::chrono::microseconds elapsed{0};
};

/// Called once per request, after it ended, on the thread that made it,
/// while the client is busy: it must not make a request with the same
/// client. A client shared between threads (RegistryClient::locate_all,
/// Registrar) calls it from each of them, possibly at once.
using ExchangeObserver = std::function<void(const HttpExchange&)>;

}  // namespace gemstone
