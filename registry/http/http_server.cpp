#include "registry/http/http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "registry/http/elastic_task_queue.hpp"

namespace gemstone::registry {
namespace {

constexpr const char* kJson = "application/json";

// JSON-RPC over HTTP has used three media types; accept them all, with
// parameters such as "; charset=utf-8".
// `lower` is lowercase already.
bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != lower[i]) return false;
  }
  return true;
}

bool is_json_content_type(std::string_view value) {
  const std::size_t semi = value.find(';');
  std::string_view type = value.substr(0, semi);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  return equals_ignoring_case(type, "application/json") ||
         equals_ignoring_case(type, "application/json-rpc") ||
         equals_ignoring_case(type, "application/jsonrequest");
}

// ---------------------------------------------------------------------------
// The connection layer for plain HTTP (TLS keeps httplib's own).
//
// cpp-httplib 0.11 gives every connection a thread for its whole keep-alive
// life and spends 11 system calls on a small request (a poll before every
// read and every write, getpeername, getsockname, head and body sent apart),
// and its SocketStream, new for every request, drops pipelined requests. On
// the 2-core benchmark machine that cost 34-49 us of CPU per request (nginx:
// 8), and 128 keep-alive connections were 128 threads taking turns. Here a
// few event loops (one per core) own the connections: each loop waits in
// epoll for the connections that have bytes, runs the requests it finds
// complete in its buffer through httplib's own parser, router and writer
// (Server::process_request), and sends each batch of answers in one call: a
// request costs one recv and one send, and a loop that has work never sleeps
// (14-17 us of CPU per request; tests/bench/RESULTS.md).
//
// A loop must never wait for a client. A request whose end is not in the
// buffer yet simply waits in epoll; one that would make httplib wait for the
// client (a chunked or length-less body, `Expect: 100-continue`, a head or
// body too large for the buffer: see RequestFramer) is handed, with its
// connection, to a thread of an ElasticTaskQueue, where httplib reads it the
// blocking way, as before; the connection comes back to its loop after.

using SteadyClock = std::chrono::steady_clock;

std::chrono::microseconds to_duration(time_t sec, time_t usec) {
  return std::chrono::seconds(sec) + std::chrono::microseconds(usec);
}

std::string_view trim_spaces_and_tabs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class Framing {
  kComplete,    ///< the whole request is buffered: httplib can run without waiting
  kIncomplete,  ///< its end has not arrived yet
  kBlocking,    ///< httplib must read it the blocking way, on a thread of its own
};
struct Frame {
  Framing framing;
  std::size_t size = 0;  ///< of the request, head and body, when kComplete
};

// Where the request at the start of `in` ends, read the way httplib 0.11
// reads it: the request line up to '\n', header lines ending in "\r\n" up to
// an empty one, then Content-Length bytes of body for POST, PUT, PATCH and
// DELETE. Whatever it is not sure of is kBlocking, so that httplib, not
// this code, decides what such a request means. It resumes where it stopped
// as bytes arrive (a head trickled a byte at a time is read once, not once
// per byte); reset() it when a request has been consumed.
class RequestFramer {
 public:
  void reset() { *this = RequestFramer(); }

  Frame frame(std::string_view in, std::size_t limit) {
    while (!head_done_) {
      const std::size_t eol = in.find('\n', pos_);
      if (eol == std::string_view::npos) return more(in, limit);
      std::string_view line = in.substr(pos_, eol - pos_);
      pos_ = eol + 1;
      if (!line_seen_) {
        line_seen_ = true;
        const std::string_view method = line.substr(0, line.find(' '));
        with_body_ = method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
        if (!with_body_ && method != "GET" && method != "HEAD" && method != "OPTIONS") {
          return {Framing::kBlocking};
        }
        continue;
      }
      if (line.empty() || line.back() != '\r') return {Framing::kBlocking};  // httplib skips such lines
      line.remove_suffix(1);
      if (line.empty()) {
        head_done_ = true;  // pos_ is now the size of the head
        break;
      }
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;  // not a header to httplib either
      const std::string_view name = line.substr(0, colon);
      if (equals_ignoring_case(name, "transfer-encoding") || equals_ignoring_case(name, "expect")) {
        return {Framing::kBlocking};
      }
      if (equals_ignoring_case(name, "content-length")) {
        const std::string_view value = trim_spaces_and_tabs(line.substr(colon + 1));
        if (length_ || value.empty() || value.size() > 18 ||
            value.find_first_not_of("0123456789") != std::string_view::npos) {
          return {Framing::kBlocking};  // repeated, or not plain digits
        }
        length_ = std::stoull(std::string(value));
      }
    }
    if (!with_body_) {
      if (length_.value_or(0) != 0) return {Framing::kBlocking};
      return {Framing::kComplete, pos_};
    }
    if (!length_ || *length_ > limit - pos_) return {Framing::kBlocking};  // no length: read to the end
    if (in.size() - pos_ < *length_) return more(in, limit);
    return {Framing::kComplete, pos_ + static_cast<std::size_t>(*length_)};
  }

 private:
  static Frame more(std::string_view in, std::size_t limit) {
    return {in.size() >= limit ? Framing::kBlocking : Framing::kIncomplete};
  }

  std::size_t pos_ = 0;  // the first byte not examined yet: the start of a line
  bool line_seen_ = false;
  bool with_body_ = false;
  bool head_done_ = false;
  std::optional<std::uint64_t> length_;
};

// The bytes of one connection, as httplib's Stream. An event loop fills the
// input and drains the output without waiting ("event mode"); on a blocking
// thread it reads and writes the socket itself, like httplib's SocketStream
// but keeping one buffer for the life of the connection.
class ConnectionStream final : public httplib::Stream {
 public:
  static constexpr std::size_t kFirstInput = 4 * 1024;
  static constexpr std::size_t kMaxInput = 64 * 1024;  ///< larger requests go to a thread
  static constexpr std::size_t kBlockingOutput = 16 * 1024;

  enum class Flush { kDone, kPending, kFailed };

  ConnectionStream(socket_t sock, std::chrono::microseconds read_timeout,
                   std::chrono::microseconds write_timeout)
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), in_(kFirstInput) {}

  void set_blocking(bool blocking) {
    if (blocking && !timeouts_set_) {
      set_timeout(SO_RCVTIMEO, read_timeout_);
      set_timeout(SO_SNDTIMEO, write_timeout_);
      timeouts_set_ = true;
    }
    blocking_ = blocking;
  }

  std::string_view input() const { return {in_.data() + in_begin_, in_end_ - in_begin_}; }
  std::size_t output_size() const { return out_.size() - out_begin_; }

  /// Event mode: what the socket holds, without waiting. >0 bytes read,
  /// 0 end of stream, -1 error, kWouldBlock nothing there (or no room).
  static constexpr ssize_t kWouldBlock = -2;
  ssize_t receive_some() {
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (in_end_ == in_.size()) {
      if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
      } else if (in_.size() < kMaxInput) {
        in_.resize(std::min(kMaxInput, in_.size() * 2));
      } else {
        return kWouldBlock;  // full: RequestFramer says kBlocking
      }
    }
    for (;;) {
      const ssize_t n = ::recv(sock_, in_.data() + in_end_, in_.size() - in_end_, MSG_DONTWAIT);
      if (n > 0) in_end_ += static_cast<std::size_t>(n);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : -1;
    }
  }

  /// Event mode: sends what the socket takes now. `progress`: bytes went out.
  Flush flush_some(bool& progress) {
    progress = false;
    while (out_begin_ < out_.size()) {
      const ssize_t n = ::send(sock_, out_.data() + out_begin_, out_.size() - out_begin_,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Flush::kPending : Flush::kFailed;
      }
      out_begin_ += static_cast<std::size_t>(n);
      progress = true;
    }
    clear_output();
    return Flush::kDone;
  }

  /// Blocking mode: sends everything; fails when the client takes nothing
  /// for the write timeout.
  bool flush() { return output_size() == 0 || send_all(nullptr, 0); }

  bool is_readable() const override {
    return in_begin_ < in_end_ || (blocking_ && wait_for(POLLIN, read_timeout_));
  }
  bool is_writable() const override { return !blocking_ || wait_for(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (in_begin_ == in_end_) {
      // In event mode the request was framed as complete: httplib never asks
      // for more, and if it did, waiting here would stall the whole loop.
      if (!blocking_) return -1;
      // What was written must reach the client before waiting for it: a
      // "100 Continue" is what makes it send the body.
      if (!flush()) return -1;
      const auto deadline = SteadyClock::now() + read_timeout_;
      if (size >= in_.size()) return receive(ptr, size, deadline);
      const ssize_t n = receive(in_.data(), in_.size(), deadline);
      in_begin_ = 0;
      in_end_ = n > 0 ? static_cast<std::size_t>(n) : 0;
      if (n <= 0) return n;
    }
    const std::size_t n = std::min(size, in_end_ - in_begin_);
    std::memcpy(ptr, in_.data() + in_begin_, n);
    in_begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!blocking_ || output_size() + size <= kBlockingOutput) {
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

  // Blocking mode: recv until data, end of stream, an error or `deadline`
  // (SO_RCVTIMEO wakes it up to look).
  ssize_t receive(char* buffer, std::size_t size, SteadyClock::time_point deadline) {
    for (;;) {
      const ssize_t n = ::recv(sock_, buffer, size, 0);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (SteadyClock::now() >= deadline) return -1;
    }
  }

  // Blocking mode: the buffered output, then `extra`, in one call when the
  // socket takes it all.
  bool send_all(const char* extra, std::size_t extra_size) {
    iovec parts[2] = {{out_.data() + out_begin_, output_size()},
                      {const_cast<char*>(extra), extra_size}};
    msghdr message{};
    message.msg_iov = output_size() == 0 ? parts + 1 : parts;
    message.msg_iovlen = (output_size() == 0 || extra_size == 0) ? 1 : 2;
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
    clear_output();
    return ok;
  }

  void clear_output() {
    out_begin_ = 0;
    if (out_.capacity() > 1024 * 1024) {
      std::string().swap(out_);  // a huge answer's buffer is not kept for the next ones
    } else {
      out_.clear();
    }
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
  const std::chrono::microseconds read_timeout_;
  const std::chrono::microseconds write_timeout_;
  bool blocking_ = false;
  bool timeouts_set_ = false;
  std::vector<char> in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  std::string out_;
  std::size_t out_begin_ = 0;
  mutable std::string remote_ip_;
  mutable int remote_port_ = -1;
  mutable std::string local_ip_;
  mutable int local_port_ = -1;
};

class EventLoop;

struct Connection {
  // What the connection waits for; each has one timeout, so each loop keeps
  // a list per kind in deadline order and looks only at the fronts.
  enum class Wait { kIdle, kReading, kWriting };

  Connection(socket_t s, std::chrono::microseconds read_timeout,
             std::chrono::microseconds write_timeout, std::size_t max_requests)
      : sock(s), stream(s, read_timeout, write_timeout), requests_left(max_requests) {}

  const socket_t sock;
  ConnectionStream stream;
  RequestFramer framer;       ///< of the request at the start of the input
  std::size_t requests_left;  ///< keep-alive max count
  bool closing = false;       ///< close once the output is sent
  bool peer_closed = false;   ///< the client sent end of stream
  Wait wait = Wait::kIdle;
  SteadyClock::time_point since;  ///< start of the wait, or its last progress
  std::list<Connection*>* list = nullptr;  ///< the loop's list for `wait`; null while away
  std::list<Connection*>::iterator position;
  std::uint32_t events = 0;  ///< registered epoll interest; 0 when not registered
};

class EventLoopServer;

// One thread and one epoll set; it alone touches the connections it owns.
class EventLoop {
 public:
  explicit EventLoop(EventLoopServer& server);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start() { thread_ = std::thread([this] { run(); }); }
  /// From any thread. False once the loop has ended: the caller closes `c`.
  bool adopt(Connection* c);
  /// Closes idle connections, lets requests in flight finish (bounded by the
  /// read timeout), then ends the thread.
  void stop();
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run();
  void take_inbox();
  void on_readable(Connection& c);
  void on_writable(Connection& c);
  void serve(Connection& c);
  void wait_for(Connection& c, Connection::Wait wait);
  void detach(Connection& c);
  void close(Connection& c);
  std::list<Connection*>& list_of(Connection::Wait wait);
  std::chrono::microseconds timeout_of(Connection::Wait wait) const;
  int next_timeout_ms(SteadyClock::time_point now) const;
  void expire(SteadyClock::time_point now);
  bool owns_nothing() const { return idle_.empty() && reading_.empty() && writing_.empty(); }

  EventLoopServer& server_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: adopt() and stop()
  std::thread thread_;
  std::list<Connection*> idle_, reading_, writing_;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;  // loop thread only
  SteadyClock::time_point stop_deadline_;

  std::mutex inbox_mutex_;
  std::vector<Connection*> inbox_;
  bool woken_ = false;  // a wake-up is pending; guarded by inbox_mutex_
  bool ended_ = false;  // guarded by inbox_mutex_
};

void close_connection(Connection* c) {
  ::shutdown(c->sock, SHUT_RDWR);
  ::close(c->sock);
  delete c;
}

// Runs httplib's accept loop; hands each accepted socket to an event loop
// instead of giving it a thread.
class EventLoopServer final : public httplib::Server {
 public:
  EventLoopServer(std::size_t loops, std::size_t min_threads, std::size_t max_threads)
      : loop_count_(std::max<std::size_t>(1, loops)), blocking_(min_threads, max_threads) {
    // The accept loop gives each socket to an event loop at once; nothing
    // runs long enough to deserve a thread hop.
    new_task_queue = [] { return new InlineTaskQueue; };
  }
  ~EventLoopServer() override { stop_loops(); }

  // httplib listens with a backlog of 5 (fixed in the compiled library): 16
  // clients connecting at once overflowed it, and waited for a SYN or data
  // retransmit (200 ms, 1 s, doubling). Linux lets listen() raise it.
  void raise_backlog() {
    const socket_t sock = svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
  }

  void start_loops() {
    std::lock_guard lock(loops_mutex_);
    if (!loops_.empty()) return;
    for (std::size_t i = 0; i < loop_count_; ++i) loops_.push_back(std::make_unique<EventLoop>(*this));
    for (auto& loop : loops_) loop->start();
  }

  /// After the accept loop has ended: requests in flight finish, every
  /// connection is closed, every thread joined.
  void stop_loops() {
    std::lock_guard lock(loops_mutex_);
    for (auto& loop : loops_) loop->stop();
    for (auto& loop : loops_) loop->join();
    blocking_.shutdown();
    loops_.clear();
  }

  std::chrono::microseconds read_timeout() const {
    return to_duration(read_timeout_sec_, read_timeout_usec_);
  }
  std::chrono::microseconds write_timeout() const {
    return to_duration(write_timeout_sec_, write_timeout_usec_);
  }
  std::chrono::microseconds keep_alive_timeout() const {
    return std::chrono::seconds(keep_alive_timeout_sec_);
  }

  /// One request through httplib (parse, route, handler, response). False
  /// when the connection must close after its answer.
  bool serve_request(Connection& c) {
    const bool last = c.requests_left <= 1;
    if (c.requests_left > 0) --c.requests_left;
    bool connection_closed = false;
    const bool ok = process_request(c.stream, last, connection_closed, setup_request_);
    return ok && !connection_closed && !last;
  }

  /// Serves the next request of `c` on a thread that may wait for the
  /// client, then gives the connection back to `home`.
  void serve_blocking(Connection* c, EventLoop* home) {
    blocking_.enqueue([this, c, home] {
      c->stream.set_blocking(true);
      const bool keep = serve_request(*c) && !c->peer_closed;
      const bool sent = c->stream.flush();
      c->stream.set_blocking(false);
      if (!keep || !sent || !home->adopt(c)) close_connection(c);
    });
  }

 private:
  class InlineTaskQueue final : public httplib::TaskQueue {
   public:
    void enqueue(std::function<void()> task) override { task(); }
    void shutdown() override {}
  };

  bool process_and_close_socket(socket_t sock) override {
    auto* c = new Connection(sock, read_timeout(), write_timeout(), keep_alive_max_count_);
    {
      std::lock_guard lock(loops_mutex_);
      if (!loops_.empty() && loops_[next_loop_++ % loops_.size()]->adopt(c)) return true;
    }
    close_connection(c);  // not serving (yet, or any more)
    return false;
  }

  // JSON-RPC answers are small and wanted fast: httplib compressed them for
  // any client that accepts gzip or br (Python's requests, Go's net/http,
  // curl --compressed), which halved throughput with gzip and cut it to 1/25
  // with brotli (quality 11), for a few bytes saved. /api answers go out
  // uncompressed, as any client must accept; /metrics keeps httplib's gzip.
  static void drop_accept_encoding(httplib::Request& req) {
    if (req.path == "/api") req.headers.erase("Accept-Encoding");
  }

  const std::size_t loop_count_;
  std::mutex loops_mutex_;  // accept thread vs start/stop; never on a request's path
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::size_t next_loop_ = 0;
  ElasticTaskQueue blocking_;  // threads for requests that wait for their client
  const std::function<void(httplib::Request&)> setup_request_ = drop_accept_encoding;
};

EventLoop::EventLoop(EventLoopServer& server) : server_(server) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wake_ < 0) throw std::system_error(errno, std::generic_category(), "epoll");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

EventLoop::~EventLoop() {
  join();
  ::close(wake_);
  ::close(epoll_);
}

bool EventLoop::adopt(Connection* c) {
  {
    std::lock_guard lock(inbox_mutex_);
    if (ended_) return false;
    inbox_.push_back(c);
    if (woken_) return true;
    woken_ = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
  return true;
}

void EventLoop::stop() {
  stop_requested_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
}

std::list<Connection*>& EventLoop::list_of(Connection::Wait wait) {
  switch (wait) {
    case Connection::Wait::kReading: return reading_;
    case Connection::Wait::kWriting: return writing_;
    case Connection::Wait::kIdle: break;
  }
  return idle_;
}

std::chrono::microseconds EventLoop::timeout_of(Connection::Wait wait) const {
  switch (wait) {
    case Connection::Wait::kReading: return server_.read_timeout();
    case Connection::Wait::kWriting: return server_.write_timeout();
    case Connection::Wait::kIdle: break;
  }
  return server_.keep_alive_timeout();
}

void EventLoop::run() {
  std::array<epoll_event, 64> events;
  for (;;) {
    const auto now = SteadyClock::now();
    expire(now);
    if (stop_requested_ && !stopping_) {
      stopping_ = true;
      stop_deadline_ = now + server_.read_timeout();
      while (!idle_.empty()) close(*idle_.front());
    }
    if (stopping_) {
      if (owns_nothing()) break;
      if (now >= stop_deadline_) break;  // stragglers are closed below
    }
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                             next_timeout_ms(now));
    if (n < 0 && errno != EINTR) {
      spdlog::error("event loop: epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        std::uint64_t count;
        [[maybe_unused]] const ssize_t r = ::read(wake_, &count, sizeof count);
        take_inbox();
        continue;
      }
      Connection& c = *static_cast<Connection*>(events[i].data.ptr);
      if (c.wait == Connection::Wait::kWriting) {
        on_writable(c);
      } else {
        on_readable(c);
      }
    }
  }
  std::vector<Connection*> left;
  {
    std::lock_guard lock(inbox_mutex_);
    ended_ = true;
    left.swap(inbox_);
  }
  for (auto* list : {&idle_, &reading_, &writing_}) {
    while (!list->empty()) close(*list->front());
  }
  for (Connection* c : left) close_connection(c);
}

void EventLoop::take_inbox() {
  std::vector<Connection*> arrived;
  {
    std::lock_guard lock(inbox_mutex_);
    arrived.swap(inbox_);
    woken_ = false;
  }
  // New connections, and connections back from a blocking thread with
  // perhaps a pipelined request already buffered.
  for (Connection* c : arrived) serve(*c);
}

void EventLoop::on_readable(Connection& c) {
  const ssize_t n = c.stream.receive_some();
  if (n == ConnectionStream::kWouldBlock) {
    // Spurious, or the buffer is full: RequestFramer will say kBlocking.
    if (c.stream.input().size() < ConnectionStream::kMaxInput) return;
  } else if (n < 0) {
    return close(c);
  } else if (n == 0) {
    c.peer_closed = true;  // answer what is complete, then close
  }
  serve(c);
}

void EventLoop::on_writable(Connection& c) {
  bool progress = false;
  switch (c.stream.flush_some(progress)) {
    case ConnectionStream::Flush::kFailed:
      return close(c);
    case ConnectionStream::Flush::kPending:
      if (progress) wait_for(c, Connection::Wait::kWriting);  // a fresh write timeout
      return;
    case ConnectionStream::Flush::kDone:
      return serve(c);  // requests may be waiting behind the answer
  }
}

void EventLoop::serve(Connection& c) {
  // Answers stop piling up past this (pipelined `locate_service("*")`s);
  // the rest waits until they are sent.
  constexpr std::size_t kOutputHighWater = 256 * 1024;
  for (;;) {
    Framing next = Framing::kIncomplete;
    while (!c.closing && c.stream.output_size() < kOutputHighWater) {
      const Frame frame = c.framer.frame(c.stream.input(), ConnectionStream::kMaxInput);
      next = frame.framing;
      if (next == Framing::kIncomplete) break;
      if (next == Framing::kBlocking) {
        c.framer.reset();
        detach(c);
        server_.serve_blocking(&c, this);
        return;
      }
      const std::size_t before = c.stream.input().size();
      c.framer.reset();
      if (!server_.serve_request(c)) c.closing = true;
      // httplib stopped elsewhere than where the request ends (a malformed
      // head it refused early): the rest cannot be trusted as a request.
      if (before - c.stream.input().size() != frame.size) c.closing = true;
    }
    if (c.peer_closed) c.closing = true;
    if (c.stream.output_size() > 0) {
      bool progress = false;
      switch (c.stream.flush_some(progress)) {
        case ConnectionStream::Flush::kFailed:
          return close(c);
        case ConnectionStream::Flush::kPending:
          return wait_for(c, Connection::Wait::kWriting);
        case ConnectionStream::Flush::kDone:
          break;
      }
    }
    const bool buffered = !c.stream.input().empty();
    if (c.closing || (stopping_ && !buffered)) return close(c);
    if (next != Framing::kComplete) {
      return wait_for(c, buffered ? Connection::Wait::kReading : Connection::Wait::kIdle);
    }
    // Stopped at the high-water mark with requests still buffered: go on.
  }
}

void EventLoop::wait_for(Connection& c, Connection::Wait wait) {
  const std::uint32_t interest = wait == Connection::Wait::kWriting ? EPOLLOUT : EPOLLIN;
  if (c.events != interest) {
    epoll_event ev{};
    ev.events = interest;
    ev.data.ptr = &c;
    if (epoll_ctl(epoll_, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.sock, &ev) != 0) {
      return close(c);
    }
    c.events = interest;
  }
  std::list<Connection*>& list = list_of(wait);
  if (c.list == nullptr) {
    c.position = list.insert(list.end(), &c);
  } else {
    list.splice(list.end(), *c.list, c.position);
  }
  c.list = &list;
  c.wait = wait;
  c.since = SteadyClock::now();
}

// The loop lets go of `c` (to a blocking thread, or to close it).
void EventLoop::detach(Connection& c) {
  if (c.list != nullptr) {
    c.list->erase(c.position);
    c.list = nullptr;
  }
  if (c.events != 0) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.sock, nullptr);
    c.events = 0;
  }
}

void EventLoop::close(Connection& c) {
  detach(c);
  close_connection(&c);
}

int EventLoop::next_timeout_ms(SteadyClock::time_point now) const {
  std::optional<SteadyClock::time_point> first;
  if (stopping_) first = stop_deadline_;
  const auto consider = [&](const std::list<Connection*>& list, Connection::Wait wait) {
    if (list.empty()) return;
    const auto deadline = list.front()->since + timeout_of(wait);
    if (!first || deadline < *first) first = deadline;
  };
  consider(idle_, Connection::Wait::kIdle);
  consider(reading_, Connection::Wait::kReading);
  consider(writing_, Connection::Wait::kWriting);
  if (!first) return -1;
  if (*first <= now) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(*first - now).count());
}

void EventLoop::expire(SteadyClock::time_point now) {
  for (const auto wait : {Connection::Wait::kIdle, Connection::Wait::kReading, Connection::Wait::kWriting}) {
    std::list<Connection*>& list = list_of(wait);
    const auto timeout = timeout_of(wait);
    while (!list.empty() && list.front()->since + timeout <= now) close(*list.front());
  }
}

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
                  ? std::unique_ptr<httplib::Server>(std::make_unique<EventLoopServer>(
                        options_.event_loops != 0 ? options_.event_loops
                                                  : std::max(1u, std::thread::hardware_concurrency()),
                        options_.min_threads, options_.max_threads))
                  : std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(),
                                                         options_.tls_key.c_str())) {
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
  httplib::Server& s = *server_;
  const std::size_t min_threads = options_.min_threads;
  const std::size_t max_threads = options_.max_threads;
  if (dynamic_cast<EventLoopServer*>(server_.get()) == nullptr) {
    // TLS keeps httplib's connection loop: a thread per connection.
    s.new_task_queue = [min_threads, max_threads] {
      return new ElasticTaskQueue(min_threads, max_threads);
    };
  }
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
    const jsonrpc::Guard guard = make_guard(options_.access, token);
    std::string body = dispatcher_.handle(req.body, guard);
    if (body.empty()) {
      res.status = 204;  // only notifications: nothing to answer
    } else {
      // What set_content does, without its copy (httplib 0.11 has no
      // set_content(std::string&&)): an answer can be megabytes.
      res.body = std::move(body);
      res.set_header("Content-Type", kJson);
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

  // cpp-httplib bounds each header line (8 KiB, compiled in) but not their
  // number; this bounds them altogether, before any route runs.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::size_t bytes = 0;
    for (const auto& [name, value] : req.headers) bytes += name.size() + value.size() + 4;
    if (bytes <= options_.max_header_bytes) return httplib::Server::HandlerResponse::Unhandled;
    metrics_.record_rejection(Rejection::kHeaderTooLarge);
    res.status = 431;
    res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                        "headers larger than " + std::to_string(options_.max_header_bytes) +
                        " bytes")),
                    kJson);
    return httplib::Server::HandlerResponse::Handled;
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
  if (auto* plain = dynamic_cast<EventLoopServer*>(server_.get()); plain && bound_port_ > 0) {
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

void HttpServer::serve() {
  auto* events = dynamic_cast<EventLoopServer*>(server_.get());
  if (events != nullptr) events->start_loops();
  server_->listen_after_bind();
  if (events != nullptr) events->stop_loops();  // requests in flight finish here
}

void HttpServer::stop() {
  if (server_) server_->stop();
}

}  // namespace gemstone::registry
