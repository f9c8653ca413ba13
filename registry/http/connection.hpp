#pragma once
// Connection: one client's bytes on one event loop. It reads into one input
// buffer, lets the RequestParser find each request in it, has the routes
// answer, queues the answers and sends each batch in one write. It keeps
// the deadlines (the whole request, the idle time between requests, write
// progress) and bounds what a client that does not read can make it hold.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "registry/http/event_loop.hpp"
#include "registry/http/http_message.hpp"
#include "registry/http/request_parser.hpp"
#include "registry/http/routes.hpp"
#include "registry/http/transport.hpp"

namespace gemstone::registry::http {

struct ConnectionLimits {
  ParseLimits parse;
  /// From the first byte of a request to its last, whatever the rate.
  std::chrono::milliseconds request_timeout{10000};
  /// Between two requests (and for a new connection's first byte).
  std::chrono::milliseconds keep_alive_timeout{5000};
  /// Pending output that makes no progress for this long: the client is gone.
  std::chrono::milliseconds write_timeout{5000};
  /// After the answer that closes a connection: what the client still sends
  /// is read and dropped for at most this long, so that closing with unread
  /// bytes does not reset the connection before the client read the answer.
  std::chrono::milliseconds linger_timeout{2000};
  /// Queued answers above this stop a connection from serving its
  /// pipelined requests until they are sent.
  std::size_t output_high_water = 256 * 1024;
  /// Queued answers of all connections together above this stop every
  /// connection that still holds unsent answers of its own from serving
  /// more requests until they are sent (the others go on).
  std::size_t global_output_cap = 64 * 1024 * 1024;
};

/// Shared by every connection of every loop of a server.
struct ConnectionShared {
  ConnectionShared(ConnectionLimits l, const Routes& r) : limits(l), routes(r) {}
  const ConnectionLimits limits;
  const Routes& routes;
  /// Bytes of answers written but not yet taken by the clients' sockets.
  std::atomic<std::size_t> queued_output{0};
  /// Bytes of large buffers freed since the allocator was last asked to
  /// give memory back (malloc_trim).
  std::atomic<std::size_t> released_bytes{0};
};

class Connection;

/// Who owns the connections of a loop.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  /// `c` is closed; destroy it once nothing of it is on the stack.
  virtual void on_closed(Connection& c) = 0;
};

class Connection final : public FileHandler,
                         public Deferral,
                         public std::enable_shared_from_this<Connection> {
 public:
  /// Owns `transport` and its descriptor. `peer`: for the access log.
  Connection(EventLoop& loop, ConnectionShared& shared, ConnectionOwner& owner,
             std::unique_ptr<Transport> transport, std::string peer, bool handshake);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Registers with the loop; call once, on the loop thread.
  void start();
  /// The server is stopping: close at once if idle, else after the answer
  /// to the request in flight.
  void drain();
  /// Closes now.
  void close();
  bool closed() const { return phase_ == Phase::kClosed; }

  void on_io(std::uint32_t events) override;
  Completion defer() override;

 private:
  enum class Phase {
    kHandshake,  ///< TLS handshake
    kOpen,       ///< reading and answering requests
    kParked,     ///< a request was deferred: reading stops until it is answered
    kClosing,    ///< the last answer is queued: close once it is sent
    kLingering,  ///< answer sent, write side shut: dropping what still comes
    kClosed,
  };

  class InputBuffer {
   public:
    std::string_view view() const { return {data_.get() + begin_, end_ - begin_}; }
    std::size_t size() const { return end_ - begin_; }
    bool empty() const { return begin_ == end_; }
    std::size_t capacity() const { return capacity_; }
    /// Room for at least `want` bytes at the end, within `limit` in all;
    /// the room there is (0: full).
    std::size_t make_room(std::size_t want, std::size_t limit);
    char* end() { return data_.get() + end_; }
    void produced(std::size_t n) { end_ += n; }
    void consume(std::size_t n);
    /// Frees the memory; returns how much it held.
    std::size_t release();

   private:
    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
  };

  void serve();
  bool receive();
  void process_requests();
  void run_request();
  void answer(const Response& response, bool keep_alive, bool head_only);
  void refuse(const Response& response);
  void flush();
  void begin_lingering();
  void linger_read();
  void handshake();
  void finish_deferred(std::uint64_t generation, Response response);
  bool reading_wanted() const;
  std::size_t pending_output() const { return out_.size() - out_pos_; }
  void account_output();
  std::optional<EventLoop::Clock::time_point> deadline() const;
  void update_interest();
  void arm_timer();
  void on_timer();
  void expire();

  EventLoop& loop_;
  ConnectionShared& shared_;
  ConnectionOwner& owner_;
  std::unique_ptr<Transport> transport_;
  std::string peer_;
  Phase phase_;

  InputBuffer in_;
  RequestParser parser_;
  std::string out_;
  std::size_t out_pos_ = 0;
  std::size_t accounted_ = 0;  ///< share of shared_.queued_output

  bool request_started_ = false;  ///< bytes of a request are buffered
  bool head_checked_ = false;
  bool continue_sent_ = false;
  bool stopped_for_output_ = false;  ///< requests wait behind unsent answers
  bool paused_global_ = false;       ///< all connections hold too much output
  bool peer_ended_ = false;
  bool draining_ = false;
  bool deferred_ = false;       ///< the route running now called defer()
  bool keep_alive_ = true;      ///< of the request being answered
  bool head_only_ = false;      ///< of the request being answered
  bool read_wants_write_ = false;
  bool write_wants_read_ = false;
  bool handshake_wants_write_ = false;
  std::uint32_t interest_ = ~0u;  ///< registered with the loop; ~0: not yet

  EventLoop::Clock::time_point request_start_;
  EventLoop::Clock::time_point idle_since_;
  EventLoop::Clock::time_point write_progress_;
  EventLoop::Clock::time_point linger_start_;
  EventLoop::TimerId timer_ = 0;
  EventLoop::Clock::time_point timer_at_;

  std::uint64_t generation_ = 0;  ///< of the parked request
  Completion parked_;             ///< told when the connection goes first
  std::string parked_method_;     ///< for the access log of a deferred answer
  std::string parked_path_;
  std::size_t parked_body_size_ = 0;
  std::string parked_note_;
  EventLoop::Clock::time_point parked_since_;  ///< its first byte
};

}  // namespace gemstone::registry::http
