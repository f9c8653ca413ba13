#include "http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "elastic_task_queue.hpp"
#include "registry_errors.hpp"

namespace gemstone::registry {
namespace {

constexpr const char* kJson = "application/json";

// JSON-RPC over HTTP has used three media types; accept them all, with
// parameters such as "; charset=utf-8".
bool is_json_content_type(std::string_view value) {
  const std::size_t semi = value.find(';');
  std::string_view type = value.substr(0, semi);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" || lower == "application/json-rpc" ||
         lower == "application/jsonrequest";
}

using SteadyClock = std::chrono::steady_clock;

std::chrono::microseconds to_duration(time_t sec, time_t usec) {
  return std::chrono::seconds(sec) + std::chrono::microseconds(usec);
}

// The socket side of one keep-alive connection, in place of httplib's
// SocketStream. httplib 0.11 spends 11 system calls on a small request (a
// poll before every read and every write, getpeername and getsockname, the
// head and the body sent apart) and makes a new SocketStream, read buffer
// and all, for every request. This stream lives as long as the connection:
// it blocks in recv itself, learns the addresses once, and gathers a
// response into one send, so a request costs one recv and one send. The
// request parsing, routing and response writing are still httplib's.
class ConnectionStream final : public httplib::Stream {
 public:
  static constexpr std::size_t kInputSize = 16 * 1024;
  static constexpr std::size_t kOutputSize = 16 * 1024;  // larger writes go out at once
  // recv gives up this often, so that a blocked reader sees its deadline and stop().
  static constexpr std::chrono::milliseconds kWakeEvery{100};

  ConnectionStream(socket_t sock, const std::atomic<socket_t>& listener,
                   std::chrono::microseconds read_timeout, std::chrono::microseconds write_timeout)
      : sock_(sock),
        listener_(listener),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        in_(kInputSize) {
    out_.reserve(kOutputSize);
    set_timeout(SO_RCVTIMEO, kWakeEvery);
    set_timeout(SO_SNDTIMEO, write_timeout_);
  }

  /// Waits up to `keep_alive` for the next request to begin. Sends what is
  /// buffered first, unless a pipelined request is already here (then the
  /// answers go out together).
  bool next_request(std::chrono::microseconds keep_alive) {
    if (in_begin_ < in_end_) return true;
    if (!flush()) return false;
    return fill(SteadyClock::now() + keep_alive, /*idle=*/true) > 0;
  }

  bool flush() { return out_.empty() || send_all(nullptr, 0); }

  bool is_readable() const override {
    return in_begin_ < in_end_ || wait_for(POLLIN, read_timeout_);
  }
  bool is_writable() const override { return wait_for(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (in_begin_ == in_end_) {
      // Whatever was written must reach the client before we wait for it:
      // a "100 Continue" is what makes it send the body.
      if (!flush()) return -1;
      const auto deadline = SteadyClock::now() + read_timeout_;
      if (size >= kInputSize) return receive(ptr, size, deadline, false);
      const ssize_t n = fill(deadline, false);
      if (n <= 0) return n;
    }
    const std::size_t n = std::min(size, in_end_ - in_begin_);
    std::memcpy(ptr, in_.data() + in_begin_, n);
    in_begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (out_.size() + size <= kOutputSize) {
      out_.append(ptr, size);
    } else if (!send_all(ptr, size)) {
      return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (remote_port_ < 0) address_of(getpeername, remote_ip_, remote_port_);
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (local_port_ < 0) address_of(getsockname, local_ip_, local_port_);
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  void set_timeout(int option, std::chrono::microseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000000);
    tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000000);
    setsockopt(sock_, SOL_SOCKET, option, &tv, sizeof tv);
  }

  bool wait_for(short events, std::chrono::microseconds timeout) const {
    pollfd pfd{sock_, events, 0};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    int rc;
    do {
      rc = ::poll(&pfd, 1, static_cast<int>(ms));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
  }

  // Refills the (empty) input buffer.
  ssize_t fill(SteadyClock::time_point deadline, bool idle) {
    const ssize_t n = receive(in_.data(), in_.size(), deadline, idle);
    in_begin_ = 0;
    in_end_ = n > 0 ? static_cast<std::size_t>(n) : 0;
    return n;
  }

  // recv until data, end of stream, an error or `deadline`; an idle wait
  // (between requests) also ends when the server stops.
  ssize_t receive(char* buffer, std::size_t size, SteadyClock::time_point deadline, bool idle) {
    for (;;) {
      const ssize_t n = ::recv(sock_, buffer, size, 0);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (SteadyClock::now() >= deadline) return -1;
      if (idle && listener_ == INVALID_SOCKET) return -1;
    }
  }

  // Sends the buffered output followed by `extra`, in one call when the
  // socket takes it all. A send that makes no progress for the write
  // timeout (SO_SNDTIMEO) fails the connection.
  bool send_all(const char* extra, std::size_t extra_size) {
    iovec parts[2] = {{out_.data(), out_.size()}, {const_cast<char*>(extra), extra_size}};
    msghdr message{};
    message.msg_iov = out_.empty() ? parts + 1 : parts;
    message.msg_iovlen = (out_.empty() || extra_size == 0) ? 1 : 2;
    bool ok = true;
    while (message.msg_iovlen > 0) {
      const ssize_t n = ::sendmsg(sock_, &message, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        ok = false;
        break;
      }
      auto sent = static_cast<std::size_t>(n);
      while (message.msg_iovlen > 0 && sent >= message.msg_iov->iov_len) {
        sent -= message.msg_iov->iov_len;
        ++message.msg_iov;
        --message.msg_iovlen;
      }
      if (message.msg_iovlen > 0) {
        message.msg_iov->iov_base = static_cast<char*>(message.msg_iov->iov_base) + sent;
        message.msg_iov->iov_len -= sent;
      }
    }
    out_.clear();
    return ok;
  }

  template <class GetName>
  void address_of(GetName get_name, std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (get_name(sock_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
    if (address.ss_family == AF_INET) {
      port = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      port = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host,
                    nullptr, 0, NI_NUMERICHOST) == 0) {
      ip = host;
    }
  }

  const socket_t sock_;
  const std::atomic<socket_t>& listener_;  // INVALID_SOCKET once the server stops
  const std::chrono::microseconds read_timeout_;
  const std::chrono::microseconds write_timeout_;
  std::vector<char> in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  std::string out_;
  mutable std::string remote_ip_;
  mutable int remote_port_ = -1;
  mutable std::string local_ip_;
  mutable int local_port_ = -1;
};

// httplib's Server with the connection loop above. Everything else
// (accepting, parsing, routing, writing responses) is the library's.
class KeepAliveServer final : public httplib::Server {
 public:
  // httplib listens with a backlog of 5 (fixed in the compiled library): 128
  // clients connecting at once overflowed it and waited for SYN retransmits,
  // 1 s and more. Linux lets listen() be called again to raise it.
  void raise_backlog() {
    const socket_t sock = svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
  }

 private:
  // What httplib's own process_and_close_socket does, with ConnectionStream.
  bool process_and_close_socket(socket_t sock) override {
    bool ret = false;
    {
      ConnectionStream stream(sock, svr_sock_, to_duration(read_timeout_sec_, read_timeout_usec_),
                              to_duration(write_timeout_sec_, write_timeout_usec_));
      const auto keep_alive = std::chrono::seconds(keep_alive_timeout_sec_);
      for (std::size_t left = keep_alive_max_count_;
           left > 0 && svr_sock_ != INVALID_SOCKET && stream.next_request(keep_alive); --left) {
        bool connection_closed = false;
        ret = process_request(stream, left == 1, connection_closed, setup_request_);
        if (!ret || connection_closed) break;
      }
      stream.flush();
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ret;
  }

  // JSON-RPC answers are small and wanted fast: httplib compressed them for
  // any client that accepts gzip or br (Python's requests, Go's net/http,
  // curl --compressed), which halved throughput with gzip and cut it 30-fold
  // with brotli (quality 11) for a few bytes saved. /api answers go out
  // uncompressed, as any client must accept; /metrics keeps httplib's gzip.
  static void drop_accept_encoding(httplib::Request& req) {
    if (req.path == "/api") req.headers.erase("Accept-Encoding");
  }
  const std::function<void(httplib::Request&)> setup_request_ = drop_accept_encoding;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, const jsonrpc::Dispatcher& dispatcher,
                       Metrics& metrics, std::function<std::string()> health_body,
                       std::function<Metrics::Gauges()> gauges)
    : options_(std::move(options)),
      dispatcher_(dispatcher),
      metrics_(metrics),
      health_body_(std::move(health_body)),
      gauges_(std::move(gauges)),
      // TLS needs httplib's own SSL stream; plain HTTP gets the faster one.
      server_(options_.tls_cert.empty()
                  ? std::unique_ptr<httplib::Server>(std::make_unique<KeepAliveServer>())
                  : std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(),
                                                         options_.tls_key.c_str())) {
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
  httplib::Server& s = *server_;
  const std::size_t min_threads = options_.min_threads;
  const std::size_t max_threads = options_.max_threads;
  s.new_task_queue = [min_threads, max_threads] {
    return new ElasticTaskQueue(min_threads, max_threads);
  };
  // Without TCP_NODELAY every response waits for Nagle + delayed ACK (~40 ms);
  // the library's keep-alive cap of 5 requests would force reconnects.
  s.set_tcp_nodelay(true);
  // The library's default also sets SO_REUSEPORT, which lets a second daemon
  // bind the same port and silently share the traffic; refuse instead.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_keep_alive_max_count(1000000);
  s.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  s.set_read_timeout(options_.read_timeout.count(), 0);
  s.set_payload_max_length(options_.max_body_bytes);

  s.Post("/api", [this](const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    if (!is_json_content_type(req.get_header_value("Content-Type"))) {
      metrics_.record_rejection(Rejection::kContentType);
      res.status = 415;
      res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                          "Content-Type must be application/json")),
                      kJson);
      return;
    }
    // Methods are refused per call (a batch may mix reads and writes), so the
    // decision is the dispatcher's guard, fed with this request's token.
    // The token views into these two strings; they must outlive it.
    const std::string authorization = req.get_header_value("Authorization");
    const std::string api_token = req.get_header_value("X-Api-Token");
    const auto token = presented_token(authorization, api_token);
    const AccessPolicy& policy = options_.access;
    jsonrpc::Guard guard;
    if (policy.protects(Access::kRead) || policy.protects(Access::kWrite)) {
      guard = [&policy, &token](const jsonrpc::Method& method) -> std::optional<jsonrpc::Error> {
        const Access access = method.scope == "write" ? Access::kWrite : Access::kRead;
        if (policy.allows(access, token)) return std::nullopt;
        return access_denied();
      };
    }
    std::string body = dispatcher_.handle(req.body, guard);
    if (body.empty()) {
      res.status = 204;  // only notifications: nothing to answer
    } else {
      res.set_content(std::move(body), kJson);
    }
    metrics_.record_latency(std::chrono::steady_clock::now() - started);
  });

  auto wrong_verb = [this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record_rejection(Rejection::kHttpMethod);
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                        req.method + " is not allowed, use POST")),
                    kJson);
  };
  s.Get("/api", wrong_verb);
  s.Put("/api", wrong_verb);
  s.Delete("/api", wrong_verb);
  s.Patch("/api", wrong_verb);
  s.Options("/api", wrong_verb);

  s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(health_body_(), kJson);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(gauges_()), "text/plain; version=0.0.4; charset=utf-8");
  });

  if (options_.access_log) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::info("access {}:{} \"{} {}\" {} {}B in, {}B out", req.remote_addr,
                   req.remote_port, req.method, req.path, res.status, req.body.size(),
                   res.body.size());
    });
  }

  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {
      metrics_.record_rejection(Rejection::kBodyTooLarge);
      res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                          "body larger than " + std::to_string(options_.max_body_bytes) +
                          " bytes")),
                      kJson);
    } else if (res.body.empty() && req.path == "/api") {
      res.set_content(dispatcher_.error_response(
                          jsonrpc::Error::invalid_request("HTTP " + std::to_string(res.status))),
                      kJson);
    }
  });
}

std::optional<std::string> HttpServer::bind() {
  if (!server_->is_valid()) {
    return "cannot use TLS certificate " + options_.tls_cert + " with key " + options_.tls_key +
           " (unreadable, not PEM, or the key does not match)";
  }
  errno = 0;
  if (options_.port == 0) {
    bound_port_ = server_->bind_to_any_port(options_.host);
  } else {
    bound_port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (auto* plain = dynamic_cast<KeepAliveServer*>(server_.get()); plain && bound_port_ > 0) {
    plain->raise_backlog();
  }
  if (bound_port_ <= 0) {
    const int err = errno;
    std::string reason = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    if (err != 0) reason += ": " + std::string(std::strerror(err));
    return reason;
  }
  return std::nullopt;
}

void HttpServer::serve() { server_->listen_after_bind(); }

void HttpServer::stop() {
  if (server_) server_->stop();
}

}  // namespace gemstone::registry
