#pragma once
// RemoteService: a JSON-RPC service seen from a client, as gemstone's
// Python RemoteService was: ask it what it is (get_service_specs: name and
// methods), then call its methods by name or by position, send
// notifications, call asynchronously, or send a batch.
//
//   auto calc = gemstone::RemoteService::connect("http://127.0.0.1:9000/api");
//   if (!calc) { std::cerr << calc.error().describe() << "\n"; return 4; }
//   auto sum = calc.value().call("add", gemstone::CallParams::named().add("a", 1).add("b", 2));
//   if (sum) std::cout << sum.value().GetInt() << "\n";
//
// All calls go over one keep-alive HTTP connection, each bounded by a
// Deadline (by default ClientOptions::timeout from the start of the call).
// Answers are accepted in both the gemstone and the strict style.

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <rapidjson/document.h>

#include "gemstone/call_params.hpp"
#include "gemstone/client_error.hpp"
#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/jsonrpc/error.hpp"
#include "gemstone/result.hpp"

namespace gemstone {

/// What a service says of itself: the result of its get_service_specs.
struct ServiceSpecs {
  /// False when the service answered get_service_specs with a JSON-RPC
  /// error (typically -32601: it has no such method); it can still be called.
  bool available = false;
  std::string name;                  ///< the "name" it gave, or empty
  std::vector<std::string> methods;  ///< the keys of its "methods", in its order
  rapidjson::Document raw;           ///< the whole result; null when not available
  std::optional<jsonrpc::Error> error;  ///< when not available: the error it answered with
};

/// A call's result: its own document, independent of the client.
using CallResult = Result<rapidjson::Document, ClientError>;

/// One member of a batch.
struct BatchCall {
  std::string method;
  CallParams params;
  bool notification = false;  ///< no answer expected
};

/// Copies share the connection and what identify() learned.
class RemoteService {
 public:
  /// A client for the service at `url` (see parse_url). No network yet.
  static Result<RemoteService, ClientError> open(std::string_view url, ClientOptions options = {});

  /// open() and identify(): what `RemoteService(url)` did in Python. Fails
  /// only when the service cannot be reached or does not speak JSON-RPC;
  /// a service without get_service_specs is returned unidentified.
  static Result<RemoteService, ClientError> connect(std::string_view url, ClientOptions options = {},
                                                    std::optional<Deadline> deadline = std::nullopt);

  /// Calls get_service_specs and keeps the answer (see specs()). Returns
  /// whether the service described itself; a JSON-RPC error is not a
  /// failure here, it makes specs().available false.
  Result<bool, ClientError> identify(std::optional<Deadline> deadline = std::nullopt);

  /// Calls `method` and waits for its result. A JSON-RPC error answer is a
  /// kRpc ClientError carrying the server's error object.
  CallResult call(std::string_view method, const CallParams& params = {},
                  std::optional<Deadline> deadline = std::nullopt);

  /// Sends `method` as a notification: no id, no answer expected. Succeeds
  /// on any 2xx HTTP status, whatever the body.
  Result<std::monostate, ClientError> notify(std::string_view method, const CallParams& params = {},
                                             std::optional<Deadline> deadline = std::nullopt);

  /// call() on another thread. Calls made through one RemoteService share
  /// its connection and so are sent one after the other; use one
  /// RemoteService per thread for parallel calls. The future stays valid
  /// even if this RemoteService is destroyed first.
  std::future<CallResult> call_async(std::string method, CallParams params = {},
                                     std::optional<Deadline> deadline = std::nullopt);

  /// Sends `calls` as one batch request. On success, one CallResult per
  /// call in the same order (a notification's is a null document), each
  /// its own result or JSON-RPC error; a server that refused the whole
  /// batch with one error object gives that error to every call. The outer
  /// error is for the exchange as a whole (transport, malformed answer).
  Result<std::vector<CallResult>, ClientError> batch(const std::vector<BatchCall>& calls,
                                                     std::optional<Deadline> deadline = std::nullopt);

  /// The endpoint, as given (with "/api" added when it had no path).
  const std::string& url() const;
  /// What identify() learned; `available` is false before it ran.
  const ServiceSpecs& specs() const;
  /// The service's name from get_service_specs, or empty.
  const std::string& name() const { return specs().name; }
  /// The service's methods from get_service_specs, or empty.
  const std::vector<std::string>& methods() const { return specs().methods; }
  /// Whether get_service_specs listed `method`.
  bool has_method(std::string_view method) const;
  const ClientOptions& options() const;
  /// TCP connections opened so far (1 while the server keeps it alive).
  std::size_t connections_opened() const;

 private:
  struct State;
  explicit RemoteService(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace gemstone
