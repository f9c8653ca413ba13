#pragma once
// What a route sees and gives back: a parsed request and a response, with
// no socket or TLS in sight. A route may also answer later, from any
// thread, through a Completion (the seam for long polls).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "registry/http/request_parser.hpp"

namespace gemstone::registry::http {

struct Response {
  int status = 200;
  std::string_view content_type;  ///< static text; empty: no Content-Type
  std::string body;
  std::string_view allow;  ///< the Allow header of a 405; static text
  std::string headers;     ///< any other header lines, each ending in CRLF
  bool close = false;      ///< close the connection once this is sent
  /// What the access log adds about the request (its JSON-RPC calls); set
  /// only while access logging is on.
  std::string log_note;
};

/// What GET /health answers: 200 while the daemon serves, 503 while it
/// cannot yet (its backend not loaded), with a small JSON body.
struct Health {
  int status = 200;
  std::string body;
};

/// Delivers the response of a deferred request, once. Copyable; every copy
/// is the same completion. Calls after the first, and calls made after the
/// connection went away, do nothing.
class Completion {
 public:
  Completion() = default;
  explicit Completion(std::function<void(Response)> deliver)
      : state_(std::make_shared<State>(std::move(deliver))) {}

  /// From any thread.
  void complete(Response response) const {
    if (!state_ || state_->done.exchange(true)) return;
    state_->deliver(std::move(response));
  }
  explicit operator bool() const { return state_ != nullptr; }

  /// True once the connection is gone (the client hung up while waiting):
  /// whoever holds the completion may drop it without answering.
  bool abandoned() const { return state_ && state_->abandoned.load(std::memory_order_relaxed); }
  /// The carrier's side: the answer can no longer be delivered.
  void abandon() const {
    if (state_) state_->abandoned.store(true, std::memory_order_relaxed);
  }

 private:
  struct State {
    explicit State(std::function<void(Response)> d) : deliver(std::move(d)) {}
    std::function<void(Response)> deliver;
    std::atomic<bool> done{false};
    std::atomic<bool> abandoned{false};
  };
  std::shared_ptr<State> state_;
};

/// Implemented by whatever carries the request (a connection).
class Deferral {
 public:
  virtual ~Deferral() = default;
  virtual Completion defer() = 0;
};

struct Request {
  const RequestHead& head;
  std::string_view body;
  std::string_view peer;  ///< "address:port" when access logging is on, else empty
  Deferral* deferral = nullptr;

  /// Answers later: the response a route fills in after this call is
  /// ignored; the connection reads nothing more until the completion runs.
  /// The request has no deadline while parked: the route answers it in
  /// time (a long poll keeps its own timeout). The request's views are
  /// gone once the route returns: copy what the answer will need.
  Completion defer() const { return deferral != nullptr ? deferral->defer() : Completion(); }
};

/// A route: fills in `response`, or calls request.defer().
using RouteHandler = std::function<void(const Request& request, Response& response)>;

}  // namespace gemstone::registry::http
