#pragma once
// The server side of JSON-RPC 2.0 as a pure function of bytes:
// `handle(body) -> body`. It knows nothing of HTTP or sockets; batches,
// notifications, parameter binding and every error the specification defines
// are decided here, so that methods only see well-formed, bound parameters.

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <rapidjson/document.h>

#include "gemstone/jsonrpc/error.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/result.hpp"

namespace gemstone::jsonrpc {

using Allocator = rapidjson::MemoryPoolAllocator<>;

/// The most parameters a method may declare.
inline constexpr std::size_t kMaxParams = 8;

/// The parameters of one call, bound to the names the method declared:
/// `params[i]` is the i-th declared parameter whether the caller sent it by
/// name or by position, or nullptr when it was not sent.
class Params {
 public:
  const rapidjson::Value* operator[](std::size_t i) const { return values_[i]; }
  /// True when the caller sent an array (positional form).
  bool positional() const { return positional_; }
  /// How many parameters the caller sent.
  std::size_t given() const { return given_; }

 private:
  friend class Dispatcher;
  std::array<const rapidjson::Value*, kMaxParams> values_{};
  bool positional_ = false;
  std::size_t given_ = 0;
};

/// A result a method wrote itself as JSON text: one valid JSON value (not
/// checked again), which the response carries as is. For answers that are
/// mostly copies of data the method holds, where building a rapidjson::Value
/// only for the dispatcher to write it out again costs more than the rest
/// of the request.
struct JsonText {
  std::string text;
};

/// What a method returns: a result value (allocated with the allocator it is
/// handed) or JsonText, or a JSON-RPC error.
class MethodResult {
 public:
  MethodResult(rapidjson::Value value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  MethodResult(JsonText json) : v_(std::in_place_index<1>, std::move(json)) {}  // NOLINT: implicit by design
  MethodResult(Error error) : v_(std::in_place_index<2>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() != 2; }
  explicit operator bool() const { return ok(); }
  /// The result value, or nullptr when the result is JsonText (or an error).
  const rapidjson::Value* value() const { return std::get_if<0>(&v_); }
  /// The result as JSON text, or nullptr when it is a value (or an error).
  const JsonText* json() const { return std::get_if<1>(&v_); }
  const Error& error() const& { return std::get<2>(v_); }
  Error&& error() && { return std::get<2>(std::move(v_)); }

 private:
  std::variant<rapidjson::Value, JsonText, Error> v_;
};
using Handler = std::function<MethodResult(const Params&, Allocator&)>;

/// Answers one call that was parked (see DeferredHandler), later and from
/// any thread. Copies share one answer: only the first one given is sent.
class Responder {
 public:
  Responder() = default;
  /// Answers with a result given as JSON text (a valid JSON value).
  void result_json(std::string_view json) const;
  /// Answers with an error.
  void error(const Error& error) const;
  /// True once the caller is gone (it hung up): the Responder may be dropped.
  bool abandoned() const;
  explicit operator bool() const { return state_ != nullptr; }

 private:
  friend class Dispatcher;
  struct State;
  std::shared_ptr<State> state_;
};

/// Handed to a deferred handler when its call may wait: parks the call and
/// returns the Responder that answers it. Empty when the call must be answered
/// at once (a batch, a notification, or a caller that cannot wait).
using Park = std::function<Responder()>;

/// A method that may answer later: returns the answer, or nothing once it
/// has called `park` and keeps the Responder to answer with.
using DeferredHandler =
    std::function<std::optional<MethodResult>(const Params&, Allocator&, const Park& park)>;

/// What a method does to the server's state, for a Guard to decide on (the
/// dispatcher itself gives it no meaning). A method that does not say is a
/// write: forgetting the scope must protect a method, never expose it.
enum class Scope { kRead, kWrite };

struct Method {
  std::string name;
  /// Parameter names in positional order; named params bind by these names.
  std::vector<std::string> params;
  /// The first `required` parameters must be given, else -32602 naming the first missing one.
  std::size_t required = 0;
  std::string description;  ///< shown to users, e.g. by get_service_specs
  Handler handler;  ///< unused when `deferred` is set
  Scope scope = Scope::kWrite;
  /// Set for a method that may wait before answering (a long poll).
  DeferredHandler deferred = {};
  /// The handler waits on I/O (a remote store): with an offload set, a
  /// request calling it is handled on the offload's threads (see set_offload).
  bool blocking = false;
};

/// Decides, per call, whether a method may run for this request (access
/// control). Returns the error to answer instead, or nothing to proceed.
/// Runs after the method is found and before its params are bound, so a
/// refused caller learns nothing about valid params.
using Guard = std::function<std::optional<Error>(const Method&)>;

/// How a response spells the member it does not need.
enum class ResponseStyle {
  /// Also writes `"error": null` on success and `"result": null` on error:
  /// the original gemstone clients read `response["error"]` on every response.
  kGemstone,
  /// Exactly what JSON-RPC 2.0 allows: `result` xor `error`.
  kStrict,
};

/// A result that would make the response body larger than
/// DispatcherOptions::max_response_bytes is answered with this error instead
/// (message "Response too large", data {"limit": bytes}).
inline constexpr int kResponseTooLarge = -32005;

struct DispatcherOptions {
  ResponseStyle style = ResponseStyle::kGemstone;
  unsigned max_depth = kDefaultMaxDepth;  ///< JSON nesting limit of a request body
  std::size_t max_batch = 100;            ///< larger batches get one -32600 error
  /// The most bytes one response body may take; 0: no limit. In a batch,
  /// every result past the limit becomes a kResponseTooLarge error (the
  /// calls still run), so one small request cannot make a huge answer.
  std::size_t max_response_bytes = 16 * 1024 * 1024;
};

/// CallRecord::index of a call that named no method the dispatcher has.
inline constexpr std::size_t kNoMethod = static_cast<std::size_t>(-1);

/// What one call came to, for metrics and access logs.
struct CallRecord {
  std::string_view method;  ///< empty when the request had no usable method name
  int code = 0;             ///< 0 on success, else the JSON-RPC error code
  /// The method's position in Dispatcher::methods() (kNoMethod: none), so
  /// that a counter can be picked by index instead of by name.
  std::size_t index = kNoMethod;
};

/// Told of the calls of one request as they are handled, on the thread that
/// handles it (see handle_async): what a per-request access log or latency
/// histogram needs, where the observer sees all requests at once.
class CallSink {
 public:
  /// A call answered (or a notification handled); `code` as CallRecord's.
  virtual void called(const CallRecord& call) = 0;
  /// A call parked (a long poll) or handed to the offload with its request:
  /// it is answered later, from another thread, and only the observer is
  /// told of that answer.
  virtual void parked(const CallRecord& call) = 0;

 protected:
  ~CallSink() = default;
};

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options = {});

  /// Registers a method; a later method of the same name replaces it.
  /// Throws std::invalid_argument when it declares more than kMaxParams
  /// parameters (a programming error, caught at start-up).
  void add(Method method);

  /// Handles one request body: a single request or a batch. Returns the
  /// response body, or an empty string when nothing is to be sent back
  /// (only notifications). Never throws: an exception escaping a handler
  /// becomes -32603. A request object with a member named twice (at any
  /// depth) is refused: -32600 when the request's own members repeat, -32602
  /// inside its params. Numeric ids are echoed as sent, digit for digit.
  std::string handle(std::string_view body, const Guard& guard = {}) const;

  /// Where a parked call's response body goes, and how to tell that nobody
  /// waits for it any more.
  struct Parked {
    std::function<void(std::string)> deliver;
    std::function<bool()> abandoned;
  };
  /// Parks the request being handled (called at most once).
  using Parker = std::function<Parked()>;

  /// handle(), where a single call of a deferred method may wait: then
  /// `park` is called once (and only then), the result is nothing, and the
  /// callback it returned gets the response body later, from any thread.
  /// `calls`, when given, is told of each call of this request too.
  std::optional<std::string> handle_async(std::string_view body, const Guard& guard,
                                          const Parker& park, CallSink* calls = nullptr) const;

  /// Runs `work` later on another thread (a pool).
  using Offload = std::function<void(std::function<void()> work)>;
  /// With an offload, handle_async() hands a request that calls a blocking
  /// method (in a batch too, or as a notification) to `offload` whole, and
  /// answers it from there through `park`, so that the caller's thread (an
  /// event loop) never waits on it. The request's guard is called on the
  /// offload's thread then: it must not refer to the request's buffers.
  /// Without one (the default), blocking methods run where they are called.
  void set_offload(Offload offload) { offload_ = std::move(offload); }
  bool offloads() const { return static_cast<bool>(offload_); }

  /// A response body carrying `error` with a null id, in this dispatcher's
  /// style: for refusals made before the body is read (HTTP verb, size, type).
  std::string error_response(const Error& error) const;

  /// Called once per request (batch members included), after it was handled.
  /// Must be thread-safe: handle() runs on many threads at once.
  void set_observer(std::function<void(const CallRecord&)> observer);

  const std::vector<Method>& methods() const { return methods_; }
  const DispatcherOptions& options() const { return options_; }

 private:
  class Writer;
  // `park` and `parked` only for a single request that may wait.
  void handle_one(const rapidjson::Value& request, std::string_view id_text, const Guard& guard,
                  Writer& out, CallSink* sink, const Parker* park = nullptr,
                  bool* parked = nullptr) const;
  std::string handle_body(std::string_view body, const Guard& guard, const Parker* park,
                          bool* parked, CallSink* sink) const;
  Result<Params, Error> bind(const Method& method, const rapidjson::Value* params) const;
  bool calls_blocking(const rapidjson::Value& request) const;
  void observe(CallSink* sink, const CallRecord& call) const;
  // Tells `sink` of the calls of a request handed to the offload.
  void tell_offloaded(const rapidjson::Value& request, CallSink& sink) const;

  DispatcherOptions options_;
  std::vector<Method> methods_;
  std::unordered_map<std::string, std::size_t> index_;
  std::function<void(const CallRecord&)> observer_;
  Offload offload_;
  std::vector<std::string> blocking_;  // names of the blocking methods
};

}  // namespace gemstone::jsonrpc
