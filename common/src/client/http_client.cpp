#include "gemstone/http_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include <httplib.h>
#include <openssl/x509.h>

#include "gemstone/version.hpp"

namespace gemstone {
namespace {

// A read error this close to the deadline is the read timeout firing
// (httplib rounds the timeout down to milliseconds).
constexpr auto kTimeoutSlack = std::chrono::milliseconds(5);

std::string seconds_text(std::chrono::microseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", std::chrono::duration<double>(d).count());
  return text;
}

// httplib reports every failure to connect as one error without its cause
// (its errno is that of the non-blocking connect, EINPROGRESS). On that
// failure path only, find the cause: resolve the host, then try one
// connection within `budget` and read its error.
std::string connect_failure_cause(const std::string& host, int port, std::chrono::milliseconds budget) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return "cannot resolve host " + host + ": " + gai_strerror(rc);
  }
  std::string cause = "cannot connect";
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        found->ai_protocol);
  if (fd >= 0) {
    int error = 0;
    if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        const int ready = poll(&p, 1, static_cast<int>(std::max<long long>(budget.count(), 1)));
        socklen_t len = sizeof error;
        if (ready == 0) {
          error = ETIMEDOUT;
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
          error = errno;
        }
      }
    }
    close(fd);
    if (error == ECONNREFUSED) {
      cause = "connection refused";
    } else if (error == ETIMEDOUT) {
      cause = "connecting timed out";
    } else if (error != 0) {
      cause = "cannot connect: " + std::string(std::strerror(error));
    }
  }
  freeaddrinfo(found);
  return cause;
}

}  // namespace

struct HttpClient::Impl {
  Impl(Url u, ClientOptions o) : url(std::move(u)), options(std::move(o)) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    if (url.tls) {
      auto ssl = std::make_unique<httplib::SSLClient>(url.host, url.port);
      ssl_client = ssl.get();
      client = std::move(ssl);
      client->enable_server_certificate_verification(options.verify_tls);
      if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
    }
#endif
    if (!client) client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    client->set_socket_options([this](socket_t) { ++connections; });
    headers.emplace("Accept", "application/json");
    headers.emplace("User-Agent", std::string("gemstone/") + kVersion);
    for (const Header& h : options.headers) headers.emplace(h.name, h.value);
  }

  ClientError failure(httplib::Error error, std::chrono::microseconds allowed,
                      const Deadline& deadline) const {
    const std::string& where = url.text;
    switch (error) {
      case httplib::Error::Connection: {
        // Nothing was sent: a kConnection error, so another instance may be tried.
        const auto budget = std::min<std::chrono::milliseconds>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline.remaining()),
            std::chrono::milliseconds(500));
        return ClientError::transport(ErrorKind::kConnection, where,
                                      connect_failure_cause(url.host, url.port, budget));
      }
      case httplib::Error::ConnectionTimeout:
        return ClientError::transport(ErrorKind::kConnection, where, "connecting timed out");
      case httplib::Error::Canceled:
        return ClientError::transport(ErrorKind::kTimeout, where,
                                      "timed out after " + seconds_text(allowed) + " s");
      case httplib::Error::Read:
        if (Deadline::Clock::now() + kTimeoutSlack >= deadline.when()) {
          return ClientError::transport(ErrorKind::kTimeout, where,
                                        "no answer within " + seconds_text(allowed) + " s");
        }
        return ClientError::transport(ErrorKind::kIo, where,
                                      "the connection was closed before the answer was complete");
      case httplib::Error::Write:
        return ClientError::transport(ErrorKind::kIo, where, "could not send the request");
      case httplib::Error::SSLConnection:
        return ClientError::transport(ErrorKind::kTls, where, "TLS handshake failed");
      case httplib::Error::SSLLoadingCerts:
        return ClientError::transport(ErrorKind::kTls, where,
                                      "cannot load CA certificates" +
                                          (options.ca_file.empty() ? std::string()
                                                                   : " from " + options.ca_file));
      case httplib::Error::SSLServerVerification: {
        std::string why = "certificate verification failed";
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
        const long result = ssl_client != nullptr ? ssl_client->get_openssl_verify_result() : 0;
        if (result != X509_V_OK) {
          why += ": " + std::string(X509_verify_cert_error_string(result));
        } else {
          why += ": the certificate is not valid for " + url.host;
        }
#endif
        return ClientError::transport(ErrorKind::kTls, where, why);
      }
      case httplib::Error::Compression:
        return ClientError::malformed(where, "cannot decompress the answer");
      default:
        return ClientError::transport(ErrorKind::kIo, where, httplib::to_string(error));
    }
  }

  // What on_exchange is told: `request` as sent (httplib has added its own
  // headers to it by then), and `response` or `failed`.
  HttpExchange exchange(const httplib::Request& request, const httplib::Response* response,
                        const ClientError* failed, Deadline::Clock::time_point started) const {
    HttpExchange x;
    x.url = url.text;
    x.method = request.method;
    x.target = request.path;
    for (const auto& [name, value] : request.headers) x.request_headers.push_back({name, value});
    x.request_body = request.body;
    if (response != nullptr) {
      x.answered = true;
      x.version = response->version;
      x.status = response->status;
      x.reason = response->reason;
      for (const auto& [name, value] : response->headers) x.response_headers.push_back({name, value});
      x.response_body = response->body;
    }
    if (failed != nullptr) x.error = *failed;
    x.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Deadline::Clock::now() - started);
    return x;
  }

  Url url;
  ClientOptions options;
  httplib::Headers headers;
  std::unique_ptr<httplib::ClientImpl> client;
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  httplib::SSLClient* ssl_client = nullptr;
#endif
  std::mutex mutex;  // one request at a time; the timeouts are per request
  std::atomic<std::size_t> connections{0};
};

Result<HttpClient, ClientError> HttpClient::open(std::string_view url, ClientOptions options) {
  auto parsed = parse_url(url);
  if (!parsed.ok()) return ClientError::invalid_url(std::string(url), "the URL " + parsed.error());
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (parsed.value().tls) {
    return ClientError::invalid_url(std::string(url), "built without https support");
  }
#endif
  return HttpClient(std::move(parsed).value(), std::move(options));
}

HttpClient::HttpClient(Url url, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(options))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const Url& HttpClient::url() const { return impl_->url; }
const ClientOptions& HttpClient::options() const { return impl_->options; }
std::size_t HttpClient::connections_opened() const { return impl_->connections.load(); }

Result<HttpResponse, ClientError> HttpClient::post(std::string_view body, const Deadline& deadline) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  const std::chrono::microseconds allowed = deadline.remaining();
  if (allowed < std::chrono::milliseconds(1)) {
    return ClientError::transport(ErrorKind::kTimeout, d.url.text, "timed out before the request");
  }
  const auto connect = std::min<std::chrono::microseconds>(allowed, d.options.connect_timeout);
  d.client->set_connection_timeout(connect);
  d.client->set_read_timeout(allowed);
  d.client->set_write_timeout(allowed);

  httplib::Request request;
  request.method = "POST";
  request.path = d.url.path;
  request.headers = d.headers;
  request.headers.emplace("Content-Type", "application/json");
  request.body.assign(body.data(), body.size());
  // The read timeout bounds each wait for bytes; this bounds the whole body.
  request.progress = [&deadline](uint64_t, uint64_t) { return !deadline.passed(); };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const auto started = Deadline::Clock::now();
  const bool sent = d.client->send(request, response, error);
  if (!sent || error != httplib::Error::Success) {
    ClientError failed = d.failure(error == httplib::Error::Success ? httplib::Error::Unknown : error,
                                   allowed, deadline);
    if (d.options.on_exchange) d.options.on_exchange(d.exchange(request, nullptr, &failed, started));
    return failed;
  }
  if (d.options.on_exchange) d.options.on_exchange(d.exchange(request, &response, nullptr, started));
  HttpResponse out;
  out.status = response.status;
  out.content_type = response.get_header_value("Content-Type");
  out.body = std::move(response.body);
  return out;
}

}  // namespace gemstone
