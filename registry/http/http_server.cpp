#include "registry/http/http_server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "registry/http/connection.hpp"
#include "registry/http/event_loop.hpp"
#include "registry/http/routes.hpp"
#include "registry/http/tls_transport.hpp"
#include "registry/http/transport.hpp"

namespace gemstone::registry {
namespace {

using http::Connection;
using http::ConnectionShared;
using http::EventLoop;
using http::TlsContext;

// Freed buffers above this are worth handing back to the system (glibc
// keeps the top of its heaps otherwise, and RSS stays at the peak).
constexpr std::size_t kTrimAfterBytes = 8 * 1024 * 1024;
constexpr std::chrono::seconds kTrimEvery{1};
// Room for the request line on top of the header bytes the option allows.
constexpr std::size_t kRequestLineBytes = 8 * 1024;

std::string peer_of(const sockaddr_storage& address, socklen_t length) {
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host, port,
                  sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return std::string(host) + ":" + port;
}

// One event loop and the connections it owns; everything but the
// constructor runs on its thread.
class LoopWorker final : public http::ConnectionOwner {
 public:
  LoopWorker(ConnectionShared& shared, std::function<void()> drained)
      : shared_(shared), drained_(std::move(drained)) {
    loop_.set_before_sleep([this] { dead_.clear(); });
  }
  ~LoopWorker() override { join(); }

  EventLoop& loop() { return loop_; }

  void start() {
    thread_ = std::thread([this] {
      // Named, so that `top -H` and `ps -L` tell the loops from the rest.
      pthread_setname_np(pthread_self(), "http-loop");
      loop_.run();
      // Stopped: whatever is still open is closed with the loop.
      draining_ = true;
      close_all();
      dead_.clear();
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  void adopt(int fd, std::string peer, const TlsContext& tls) {
    if (draining_) {
      ::close(fd);
      return;
    }
    std::unique_ptr<http::Transport> transport;
    if (tls) {
      transport = std::make_unique<http::TlsTransport>(fd, tls);
    } else {
      transport = std::make_unique<http::PlainTransport>(fd);
    }
    auto c = std::make_shared<Connection>(loop_, shared_, *this, std::move(transport),
                                          std::move(peer), tls != nullptr);
    Connection* raw = c.get();
    live_.emplace(raw, std::move(c));
    raw->start();
  }

  void drain() {
    draining_ = true;
    for (Connection* c : snapshot()) c->drain();
    report_if_drained();
  }

  void close_all() {
    for (Connection* c : snapshot()) c->close();
    report_if_drained();
  }

  void on_closed(Connection& c) override {
    auto it = live_.find(&c);
    if (it == live_.end()) return;
    dead_.push_back(std::move(it->second));
    live_.erase(it);
    report_if_drained();
  }

 private:
  std::vector<Connection*> snapshot() const {
    std::vector<Connection*> all;
    all.reserve(live_.size());
    for (const auto& entry : live_) all.push_back(entry.first);
    return all;
  }

  void report_if_drained() {
    if (!draining_ || !live_.empty() || reported_) return;
    reported_ = true;
    drained_();
  }

  ConnectionShared& shared_;
  std::function<void()> drained_;
  EventLoop loop_;
  std::thread thread_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> live_;
  std::vector<std::shared_ptr<Connection>> dead_;  // freed before the loop sleeps
  bool draining_ = false;
  bool reported_ = false;
};

http::ConnectionLimits limits_of(const HttpServerOptions& options) {
  http::ConnectionLimits limits;
  limits.parse.max_head_bytes = options.max_header_bytes + kRequestLineBytes;
  limits.parse.max_body_bytes = options.max_body_bytes;
  limits.request_timeout = options.request_timeout;
  limits.keep_alive_timeout = options.keep_alive_timeout;
  limits.write_timeout = options.write_timeout;
  limits.output_high_water = options.output_high_water;
  limits.global_output_cap = options.max_queued_output;
  return limits;
}

}  // namespace

struct HttpServer::Impl final : http::FileHandler {
  Impl(HttpServerOptions o, const jsonrpc::Dispatcher& dispatcher, Metrics& m,
       std::function<http::Health()> health_body, std::function<Metrics::Gauges()> gauges)
      : options(std::move(o)),
        metrics(m),
        routes(http::RoutesOptions{options.max_body_bytes, options.max_header_bytes,
                                   options.access_log, options.access, options.ui},
               dispatcher, metrics, std::move(health_body), std::move(gauges)),
        shared(limits_of(options), routes) {}

  ~Impl() override {
    if (listen_fd >= 0) ::close(listen_fd);
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  void on_io(std::uint32_t) override { accept_ready(); }

  void accept_ready() {
    for (int i = 0; i < 64 && listen_fd >= 0; ++i) {
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          if (!refuse_one()) return;
          continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          spdlog::warn("accept: {}", std::strerror(errno));
        }
        return;
      }
      // Without it every answer waits for Nagle and the delayed ACK (~40 ms).
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::string peer = routes.access_log() ? peer_of(address, length) : std::string();
      LoopWorker* worker = workers[next_worker++ % workers.size()].get();
      worker->loop().post([worker, fd, peer = std::move(peer), tls = tls]() mutable {
        worker->adopt(fd, std::move(peer), tls);
      });
    }
  }

  // Out of descriptors: the connection would wait in the backlog, and the
  // listening socket would stay readable and spin the loop. The reserve
  // descriptor makes room to accept it and close it at once.
  bool refuse_one() {
    if (reserve_fd < 0) return false;
    ::close(reserve_fd);
    reserve_fd = -1;
    // accept4 says EMFILE before it looks for a connection: there may be none.
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      metrics.record_connection_refused_fd_limit();
    }
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && reserve_fd >= 0;
  }

  void trim_memory() {
    if (shared.released_bytes.load(std::memory_order_relaxed) >= kTrimAfterBytes) {
      shared.released_bytes.store(0, std::memory_order_relaxed);
      ::malloc_trim(0);
    }
    acceptor.add_timer(acceptor.now() + kTrimEvery, [this] { trim_memory(); });
  }

  void begin_shutdown() {
    if (shutting_down) return;
    shutting_down = true;
    if (listen_fd >= 0) {
      acceptor.unwatch(listen_fd);
      ::close(listen_fd);
      listen_fd = -1;
    }
    for (auto& w : workers) {
      LoopWorker* worker = w.get();
      worker->loop().post([worker] { worker->drain(); });
    }
    acceptor.add_timer(EventLoop::Clock::now() + options.shutdown_timeout, [this] {
      for (auto& w : workers) {
        LoopWorker* worker = w.get();
        worker->loop().post([worker] { worker->close_all(); });
      }
    });
  }

  void worker_drained() {
    if (++drained == workers.size()) acceptor.stop();
  }

  HttpServerOptions options;
  Metrics& metrics;
  http::Routes routes;
  ConnectionShared shared;
  TlsContext tls;
  EventLoop acceptor;
  int listen_fd = -1;
  int reserve_fd = -1;
  std::vector<std::unique_ptr<LoopWorker>> workers;
  std::size_t next_worker = 0;
  std::atomic<bool> stop_requested{false};
  bool shutting_down = false;
  std::size_t drained = 0;
};

HttpServer::HttpServer(HttpServerOptions options, const jsonrpc::Dispatcher& dispatcher,
                       Metrics& metrics, std::function<http::Health()> health_body,
                       std::function<Metrics::Gauges()> gauges)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher, metrics, std::move(health_body),
                                   std::move(gauges))) {}

HttpServer::~HttpServer() = default;

void HttpServer::add_route(std::string path, http::RouteHandler handler) {
  impl_->routes.add(std::move(path), std::move(handler));
}

std::optional<std::string> HttpServer::bind() {
  Impl& s = *impl_;
  const HttpServerOptions& o = s.options;
  if (!o.tls_cert.empty()) {
    auto made = http::make_tls_context(o.tls_cert, o.tls_key, o.tls_ciphers);
    if (!made) return made.error();
    s.tls = std::move(made).value();
  }
  const std::string where = o.host + ":" + std::to_string(o.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(o.port);
  // Each failure names the call that failed and why, as the C library says it.
  if (const int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return "cannot listen on " + where + ": getaddrinfo: " +
           (rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc));
  }
  std::string why;
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only: SO_REUSEPORT would let a second daemon bind the
    // same port and silently take half the traffic.
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const bool bound = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (bound && ::listen(fd, SOMAXCONN) == 0) break;
    why = std::string(bound ? "listen: " : "bind: ") + std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    std::string reason = "cannot listen on " + where;
    if (!why.empty()) reason += ": " + why;
    return reason;
  }
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  bound_port_ = address.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port)
                    : ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  s.listen_fd = fd;
  s.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return std::nullopt;
}

void HttpServer::serve() {
  Impl& s = *impl_;
  if (s.listen_fd < 0) return;
  const std::size_t loops = s.options.event_loops != 0
                                ? s.options.event_loops
                                : std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < loops; ++i) {
    s.workers.push_back(std::make_unique<LoopWorker>(s.shared, [&s] {
      s.acceptor.post([&s] { s.worker_drained(); });
    }));
  }
  for (auto& w : s.workers) w->start();
  s.acceptor.watch(s.listen_fd, EventLoop::kReadable, &s);
  s.acceptor.add_timer(EventLoop::Clock::now() + kTrimEvery, [&s] { s.trim_memory(); });
  s.acceptor.run();
  for (auto& w : s.workers) w->loop().stop();
  for (auto& w : s.workers) w->join();
  s.workers.clear();
}

void HttpServer::set_access(AccessPolicy access) { impl_->routes.set_access(std::move(access)); }

void HttpServer::set_access_log(bool on) { impl_->routes.set_access_log(on); }

std::optional<std::string> HttpServer::reload_tls(const std::string& cert, const std::string& key,
                                                  const std::string& ciphers) {
  Impl* s = impl_.get();
  if (s->options.tls_cert.empty()) return std::string("the server speaks plain HTTP");
  auto made = http::make_tls_context(cert, key, ciphers);
  if (!made) return made.error();
  // The acceptor alone reads `tls`: the swap is its task, like every accept.
  s->acceptor.post([s, context = std::move(made).value()]() mutable { s->tls = std::move(context); });
  return std::nullopt;
}

void HttpServer::stop() {
  if (!impl_ || impl_->stop_requested.exchange(true)) return;
  Impl* s = impl_.get();
  s->acceptor.post([s] { s->begin_shutdown(); });
}

}  // namespace gemstone::registry
