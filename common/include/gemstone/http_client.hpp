#pragma once
// HttpClient: one keep-alive HTTP/1.1 connection to one endpoint, for
// JSON-RPC POSTs. http and https (OpenSSL, certificates verified by default),
// TCP_NODELAY, extra headers, and every request bounded by a Deadline.
// It wraps cpp-httplib without exposing it, so users of this header need
// none of cpp-httplib's compile flags.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gemstone/client_error.hpp"
#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/result.hpp"
#include "gemstone/url.hpp"

namespace gemstone {

/// An HTTP answer of any status: the caller decides what a status means.
struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  /// Parses `url` (see parse_url) and prepares a client. Does not connect:
  /// the connection is made by the first request and then kept open.
  static Result<HttpClient, ClientError> open(std::string_view url, ClientOptions options = {});

  HttpClient(Url url, ClientOptions options);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// POSTs `body` as application/json to the endpoint's path and reads the
  /// whole answer, all before `deadline`. Reuses the open connection when
  /// the server kept it open. Errors are transport errors (kConnection,
  /// kTimeout, kTls, kIo, kMalformedResponse for an undecodable encoding);
  /// an HTTP error status is not an error here.
  /// Thread-safe: concurrent requests take turns on the one connection.
  Result<HttpResponse, ClientError> post(std::string_view body, const Deadline& deadline);

  const Url& url() const;
  const ClientOptions& options() const;

  /// How many TCP connections this client has opened so far: 1 after any
  /// number of requests as long as the server kept the connection alive.
  std::size_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gemstone
