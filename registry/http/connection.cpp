#include "registry/http/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "registry/http/http_response.hpp"

namespace gemstone::registry::http {
namespace {

using Clock = EventLoop::Clock;

constexpr std::size_t kFirstInput = 16 * 1024;
constexpr std::size_t kReadChunk = 4 * 1024;
// Buffers above these are freed rather than kept for the next request: a
// few large answers must not pin their memory for the life of a connection.
constexpr std::size_t kKeptOutput = 64 * 1024;
constexpr std::size_t kKeptInput = 64 * 1024;
// How often a connection stopped by the global output cap looks again.
constexpr std::chrono::milliseconds kCapRecheck{50};

std::size_t max_input(const ParseLimits& limits) {
  // A chunked body carries its sizes and line ends besides the data.
  return limits.max_head_bytes + 2 * limits.max_body_bytes + 64 * 1024;
}

}  // namespace

std::size_t Connection::InputBuffer::make_room(std::size_t want, std::size_t limit) {
  if (capacity_ - end_ >= want) return capacity_ - end_;
  if (begin_ > 0) {
    std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (capacity_ - end_ >= want) return capacity_ - end_;
  }
  if (capacity_ >= limit) return capacity_ - end_;
  const std::size_t grown = std::min(limit, std::max({kFirstInput, capacity_ * 2, end_ + want}));
  auto bigger = std::make_unique<char[]>(grown);
  if (end_ > 0) std::memcpy(bigger.get(), data_.get(), end_);
  data_ = std::move(bigger);
  capacity_ = grown;
  return capacity_ - end_;
}

void Connection::InputBuffer::consume(std::size_t n) {
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

std::size_t Connection::InputBuffer::release() {
  const std::size_t held = capacity_;
  data_.reset();
  capacity_ = begin_ = end_ = 0;
  return held;
}

Connection::Connection(EventLoop& loop, ConnectionShared& shared, ConnectionOwner& owner,
                       std::unique_ptr<Transport> transport, std::string peer, bool handshake)
    : loop_(loop),
      shared_(shared),
      owner_(owner),
      transport_(std::move(transport)),
      peer_(std::move(peer)),
      phase_(handshake ? Phase::kHandshake : Phase::kOpen),
      parser_(shared.limits.parse) {}

Connection::~Connection() {
  if (phase_ == Phase::kParked) parked_.abandon();
  if (phase_ != Phase::kClosed) {
    // Destroyed with its loop: nothing else will run for it.
    loop_.unwatch(transport_->fd());
    ::close(transport_->fd());
    shared_.queued_output.fetch_sub(accounted_, std::memory_order_relaxed);
  }
  if (timer_ != 0) loop_.cancel_timer(timer_);
}

void Connection::start() {
  const auto now = loop_.now();
  idle_since_ = now;
  request_start_ = now;  // the handshake's deadline
  serve();
}

void Connection::on_io(std::uint32_t events) {
  // Reset, or shut both ways: nothing can be sent any more, and epoll would
  // report it again and again even to a connection that waits for nothing.
  if ((events & EventLoop::kHangup) != 0) return close();
  // A client that hangs up while its request is parked will not read the
  // answer: let the connection, and the completion's holder, go now.
  if (phase_ == Phase::kParked && (events & EventLoop::kPeerClosed) != 0) return close();
  switch (phase_) {
    case Phase::kClosed: return;
    case Phase::kHandshake:
      handshake();
      if (phase_ != Phase::kOpen) return;
      events |= EventLoop::kReadable;  // the first request may have come with it
      break;
    case Phase::kLingering: return linger_read();
    default: break;
  }
  const bool readable = (events & EventLoop::kReadable) != 0 ||
                        (read_wants_write_ && (events & EventLoop::kWritable) != 0);
  if (readable && reading_wanted() && !receive()) return;
  serve();
}

void Connection::handshake() {
  const IoResult r = transport_->handshake();
  switch (r.kind) {
    case IoResult::kDone:
      phase_ = Phase::kOpen;
      idle_since_ = loop_.now();
      return;
    case IoResult::kWantRead: handshake_wants_write_ = false; break;
    case IoResult::kWantWrite: handshake_wants_write_ = true; break;
    default: return close();
  }
  update_interest();
  arm_timer();
}

bool Connection::reading_wanted() const {
  return phase_ == Phase::kOpen && !peer_ended_ && !stopped_for_output_ && !paused_global_ &&
         pending_output() < shared_.limits.output_high_water;
}

// One read per readiness (a TLS record may hold more than the socket shows:
// those bytes are read too). False when the connection closed.
bool Connection::receive() {
  const std::size_t limit = max_input(shared_.limits.parse);
  for (;;) {
    const std::size_t room = in_.make_room(kReadChunk, limit);
    if (room == 0) {
      // The parser refuses a request before it can grow this large.
      refuse(shared_.routes.refuse(ParseError{413, ""}));
      return true;
    }
    const IoResult r = transport_->read(in_.end(), room);
    switch (r.kind) {
      case IoResult::kDone:
        if (!request_started_) {
          request_started_ = true;
          request_start_ = loop_.now();
        }
        in_.produced(r.bytes);
        read_wants_write_ = false;
        if (transport_->has_buffered_input()) continue;
        return true;
      case IoResult::kWantRead: read_wants_write_ = false; return true;
      case IoResult::kWantWrite: read_wants_write_ = true; return true;
      case IoResult::kEnd: peer_ended_ = true; return true;
      case IoResult::kError: close(); return false;
    }
  }
}

void Connection::serve() {
  for (;;) {
    if (phase_ == Phase::kHandshake) {
      handshake();
      if (phase_ != Phase::kOpen) return;
    }
    process_requests();
    if (phase_ == Phase::kClosed || phase_ == Phase::kLingering) return;
    if (pending_output() > 0) flush();
    if (phase_ == Phase::kClosed) return;
    if (pending_output() == 0) {
      if (phase_ == Phase::kClosing) return begin_lingering();
      // Everything answered, and the client sent its last byte (a partial
      // request will never end) or the server is stopping.
      if (phase_ == Phase::kOpen && (peer_ended_ || (draining_ && !request_started_))) return close();
    }
    // Requests waited behind answers that are now sent, or TLS holds bytes
    // the socket will not announce: go on without waiting for epoll.
    if (stopped_for_output_ && pending_output() < shared_.limits.output_high_water) continue;
    if (paused_global_ && pending_output() == 0) {
      paused_global_ = false;  // its client took everything: the others' backlog is theirs
      continue;
    }
    if (reading_wanted() && transport_->has_buffered_input()) {
      if (!receive()) return;
      continue;
    }
    break;
  }
  update_interest();
  arm_timer();
}

void Connection::process_requests() {
  stopped_for_output_ = false;
  while (phase_ == Phase::kOpen && !in_.empty()) {
    if (pending_output() >= shared_.limits.output_high_water) {
      stopped_for_output_ = true;
      return;
    }
    // Over the cap for all connections together, only those still holding
    // unsent answers of their own wait: a client that reads what it is sent
    // is never starved by the ones that do not.
    if (pending_output() > 0 &&
        shared_.queued_output.load(std::memory_order_relaxed) > shared_.limits.global_output_cap) {
      paused_global_ = true;
      return;
    }
    const RequestParser::Status status = parser_.parse(in_.view());
    if (status == RequestParser::Status::kError) {
      return refuse(shared_.routes.refuse(parser_.error()));
    }
    if (!head_checked_ && parser_.head_complete()) {
      head_checked_ = true;
      if (auto refusal = shared_.routes.check_head(parser_.head())) return refuse(*refusal);
    }
    if (status == RequestParser::Status::kIncomplete) {
      if (parser_.head_complete() && parser_.head().expect_continue && !continue_sent_) {
        continue_sent_ = true;
        // Only while the client waits for it: once body bytes came, it did not.
        const std::string_view input = in_.view();
        const std::size_t head_end = input.find("\r\n\r\n");
        if (head_end != std::string_view::npos && head_end + 4 == input.size()) {
          out_.append(kContinueResponse);
        }
      }
      return;
    }
    run_request();
  }
}

void Connection::run_request() {
  const RequestHead& head = parser_.head();
  keep_alive_ = head.keep_alive && head.minor_version >= 1 && !draining_ && !peer_ended_;
  head_only_ = head.method == "HEAD";
  const std::string_view body = parser_.body();
  Response response;
  deferred_ = false;
  shared_.routes.handle(Request{head, body, peer_, this}, response);
  const bool log = shared_.routes.access_log();
  if (deferred_) {
    if (log) {
      parked_method_ = std::string(head.method);
      parked_path_ = std::string(head.path());
      parked_body_size_ = body.size();
      parked_note_ = std::move(response.log_note);
      parked_since_ = request_start_;
    }
    phase_ = Phase::kParked;
  } else {
    if (log) {
      shared_.routes.log_access(peer_, head.method, head.path(), response, body.size(),
                                Clock::now() - request_start_);
    }
    answer(response, keep_alive_ && !response.close, head_only_);
  }
  in_.consume(parser_.consumed());
  parser_.reset();
  head_checked_ = false;
  continue_sent_ = false;
  request_started_ = !in_.empty();
  request_start_ = idle_since_ = loop_.now();
  if (in_.empty() && in_.capacity() > kKeptInput) {
    shared_.released_bytes.fetch_add(in_.release(), std::memory_order_relaxed);
  }
  // Long polls park thousands of connections at once: a parked one keeps
  // no buffer it does not need.
  if (phase_ == Phase::kParked) {
    if (in_.empty()) in_.release();
    if (pending_output() == 0) std::string().swap(out_);
  }
}

void Connection::answer(const Response& response, bool keep_alive, bool head_only) {
  append_response(out_, response, keep_alive, head_only);
  if (!keep_alive) phase_ = Phase::kClosing;
}

// Nothing after a refused request is read as a request: its answer is the
// connection's last.
void Connection::refuse(const Response& response) {
  if (shared_.routes.access_log() && parser_.head_complete()) {
    shared_.routes.log_access(peer_, parser_.head().method, parser_.head().path(), response, 0,
                              Clock::now() - request_start_);
  }
  parser_.reset();
  in_.consume(in_.size());
  request_started_ = false;
  answer(response, false, false);
}

Completion Connection::defer() {
  deferred_ = true;
  const std::uint64_t generation = ++generation_;
  std::weak_ptr<Connection> self = weak_from_this();
  std::shared_ptr<Mailbox> mailbox = loop_.mailbox();
  parked_ = Completion([self = std::move(self), mailbox = std::move(mailbox), generation](Response r) {
    mailbox->post([self, generation, r = std::move(r)]() mutable {
      if (auto c = self.lock()) c->finish_deferred(generation, std::move(r));
    });
  });
  return parked_;
}

void Connection::finish_deferred(std::uint64_t generation, Response response) {
  if (phase_ != Phase::kParked || generation != generation_) return;
  phase_ = Phase::kOpen;
  parked_ = Completion();
  if (shared_.routes.access_log() && !parked_method_.empty()) {
    response.log_note = std::move(parked_note_);
    shared_.routes.log_access(peer_, parked_method_, parked_path_, response, parked_body_size_,
                              Clock::now() - parked_since_);
  }
  parked_method_.clear();
  answer(response, keep_alive_ && !response.close && !draining_, head_only_);
  idle_since_ = loop_.now();
  serve();
}

void Connection::flush() {
  if (accounted_ == 0) write_progress_ = loop_.now();  // a fresh answer: its clock starts now
  while (out_pos_ < out_.size()) {
    const IoResult r = transport_->write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (r.kind == IoResult::kDone) {
      out_pos_ += r.bytes;
      write_progress_ = loop_.now();
      write_wants_read_ = false;
      continue;
    }
    if (r.kind == IoResult::kWantWrite || r.kind == IoResult::kWantRead) {
      write_wants_read_ = r.kind == IoResult::kWantRead;
      break;
    }
    return close();
  }
  if (out_pos_ == out_.size()) {
    out_pos_ = 0;
    if (out_.capacity() > kKeptOutput) {
      shared_.released_bytes.fetch_add(out_.capacity(), std::memory_order_relaxed);
      std::string().swap(out_);
    } else {
      out_.clear();
    }
  }
  account_output();
}

// Only output left behind by a write counts: the common case (everything
// sent at once) touches no shared counter.
void Connection::account_output() {
  const std::size_t pending = pending_output();
  if (pending == accounted_) return;
  if (pending > accounted_) {
    shared_.queued_output.fetch_add(pending - accounted_, std::memory_order_relaxed);
  } else {
    shared_.queued_output.fetch_sub(accounted_ - pending, std::memory_order_relaxed);
  }
  accounted_ = pending;
}

void Connection::begin_lingering() {
  transport_->shutdown();
  ::shutdown(transport_->fd(), SHUT_WR);
  if (peer_ended_) return close();
  if (draining_) {
    // Stopping: drop what already arrived (closing with unread bytes would
    // reset the connection) but wait for nothing more.
    char sink[4096];
    while (::recv(transport_->fd(), sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    return close();
  }
  phase_ = Phase::kLingering;
  linger_start_ = loop_.now();
  shared_.released_bytes.fetch_add(in_.release(), std::memory_order_relaxed);
  update_interest();
  arm_timer();
}

void Connection::linger_read() {
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    const ssize_t n = ::recv(transport_->fd(), sink, sizeof sink, 0);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    return close();  // end of stream, or an error
  }
}

void Connection::drain() {
  draining_ = true;
  switch (phase_) {
    case Phase::kHandshake:
    case Phase::kLingering: return close();
    case Phase::kOpen:
      if (!request_started_ && pending_output() == 0) return close();
      // A request in flight or an answer on its way: serve() closes after it.
      if (!request_started_) keep_alive_ = false;
      return;
    default: return;
  }
}

void Connection::close() {
  if (phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kParked) parked_.abandon();
  parked_ = Completion();
  phase_ = Phase::kClosed;
  if (timer_ != 0) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  loop_.unwatch(transport_->fd());
  ::close(transport_->fd());
  shared_.queued_output.fetch_sub(accounted_, std::memory_order_relaxed);
  accounted_ = 0;
  std::size_t released = in_.release();
  if (out_.capacity() > kKeptOutput) released += out_.capacity();
  std::string().swap(out_);
  out_pos_ = 0;
  if (released > kKeptInput) shared_.released_bytes.fetch_add(released, std::memory_order_relaxed);
  owner_.on_closed(*this);
}

std::optional<Clock::time_point> Connection::deadline() const {
  const ConnectionLimits& limits = shared_.limits;
  std::optional<Clock::time_point> at;
  const auto consider = [&at](Clock::time_point t) {
    if (!at || t < *at) at = t;
  };
  switch (phase_) {
    case Phase::kClosed: return std::nullopt;
    case Phase::kHandshake: return request_start_ + limits.request_timeout;
    case Phase::kLingering: return linger_start_ + limits.linger_timeout;
    case Phase::kParked: break;
    case Phase::kOpen:
      if (request_started_) {
        consider(request_start_ + limits.request_timeout);
      } else if (pending_output() == 0) {
        consider(idle_since_ + limits.keep_alive_timeout);
      }
      break;
    case Phase::kClosing: break;
  }
  if (pending_output() > 0) consider(write_progress_ + limits.write_timeout);
  if (paused_global_) consider(loop_.now() + kCapRecheck);
  return at;
}

void Connection::update_interest() {
  std::uint32_t want = 0;
  switch (phase_) {
    case Phase::kClosed: return;
    case Phase::kHandshake:
      want = handshake_wants_write_ ? EventLoop::kWritable : EventLoop::kReadable;
      break;
    case Phase::kLingering: want = EventLoop::kReadable; break;
    case Phase::kParked:
      want = pending_output() > 0 ? EventLoop::kWritable : EventLoop::kPeerClosed;
      break;
    default:
      if (pending_output() > 0) want |= write_wants_read_ ? EventLoop::kReadable : EventLoop::kWritable;
      if (reading_wanted()) want |= read_wants_write_ ? EventLoop::kWritable : EventLoop::kReadable;
      break;
  }
  if (want == interest_) return;
  if (!loop_.watch(transport_->fd(), want, this)) return close();
  interest_ = want;
}

// Lazy: a timer that fires before the deadline just sets the next one, so
// the usual request (deadline moving later) never touches the timer heap.
void Connection::arm_timer() {
  const auto at = deadline();
  if (!at) return;
  if (timer_ != 0 && timer_at_ <= *at) return;
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_at_ = *at;
  timer_ = loop_.add_timer(*at, [this] { on_timer(); });
}

void Connection::on_timer() {
  timer_ = 0;
  if (paused_global_ &&
      shared_.queued_output.load(std::memory_order_relaxed) <= shared_.limits.global_output_cap) {
    paused_global_ = false;
    return serve();
  }
  const auto at = deadline();
  if (at && *at <= loop_.now()) return expire();
  arm_timer();
}

void Connection::expire() {
  if (phase_ == Phase::kOpen && request_started_ && pending_output() == 0) {
    // Too slow a request: say so, then close.
    refuse(shared_.routes.timed_out(
        std::chrono::duration<double>(shared_.limits.request_timeout).count()));
    return serve();
  }
  close();
}

}  // namespace gemstone::registry::http
