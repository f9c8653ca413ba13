#pragma once
// Registrar: keeps one instance registered in several registries, the way
// gemstone's services did it: every interval, a ping to every registry.
// Each registry has its own thread and its own timeout, so one that is down
// or hangs delays only its own pings, and a registry that comes back (empty,
// after a restart) has the instance again at its next ping. stop()
// unregisters it from every registry that had it.
//
//   gemstone::RegistrarOptions options;
//   options.interval = std::chrono::seconds(10);
//   auto registrar = gemstone::Registrar::start(
//       {"http://10.0.0.5:8000/api", "http://10.0.0.6:8000/api"},
//       gemstone::Registration::at("calculator", "10.0.0.7", 9000), options,
//       [](const gemstone::RegistrarEvent& e) { std::clog << describe(e) << "\n"; });
//   if (!registrar) return 2;      // a registry URL that cannot be used
//   ... serve ...
//   registrar.value().stop();      // unregisters everywhere
//
// Several independent registries differ from one registry over etcd: each
// holds its own view, and the views agree only within one ping interval
// (a registry restarted empty knows nothing until the next ping).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gemstone/client_error.hpp"
#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/result.hpp"

namespace gemstone {

/// The instance to keep registered: by (name, host, port), or by (name,
/// url), the form gemstone >= 0.5 pings with.
struct Registration {
  std::string name;
  std::string host;
  int port = 0;
  std::string url;  ///< when not empty, pinged as ping(name, url)
  /// Sent with every ping (each ping's metadata replaces what the registry
  /// held); empty: the ping the original gemstone registry understands too.
  InstanceMeta meta;

  static Registration at(std::string name, std::string host, int port) {
    return {std::move(name), std::move(host), port, {}, {}};
  }
  static Registration by_url(std::string name, std::string url) {
    return {std::move(name), {}, 0, std::move(url), {}};
  }
  Registration with_meta(InstanceMeta m) && {
    meta = std::move(m);
    return std::move(*this);
  }
};

/// What happened in one registry.
struct RegistrarEvent {
  enum class Kind {
    kRegistered,        ///< the first ping it answered (or the first after failures)
    kRenewed,           ///< a ping it answered, after one it had answered too
    kFailed,            ///< the ping did not get through (down, timeout, ...): retried
    kRefused,           ///< it answered with a JSON-RPC error (access denied, invalid
                        ///< params): retrying cannot help, it is no longer pinged
    kUnregistered,      ///< stop() removed the instance (`removed`: whether it had it)
    kUnregisterFailed,  ///< stop() could not remove it
  };
  Kind kind = Kind::kFailed;
  std::string registry_url;
  std::optional<Instance> instance;  ///< kRegistered, kRenewed: the registry's answer
  std::optional<ClientError> error;  ///< kFailed, kRefused, kUnregisterFailed
  bool removed = false;              ///< kUnregistered
};

/// "registered", "renewed", "failed", "refused", "unregistered",
/// "unregister-failed".
const char* to_string(RegistrarEvent::Kind kind);

/// Whether the event says the registry holds the instance now.
inline bool holds_instance(const RegistrarEvent& event) {
  return event.kind == RegistrarEvent::Kind::kRegistered || event.kind == RegistrarEvent::Kind::kRenewed;
}

struct RegistrarOptions {
  /// Time between two pings to the same registry (gemstone's was 30 s).
  std::chrono::milliseconds interval{30'000};
  /// For every request; `client.timeout` bounds each ping and each
  /// unregister, per registry.
  ClientOptions client;
};

/// Pings every registry once, all at the same time, and returns one event
/// per registry, in the order of `urls`: kRegistered, kFailed or kRefused
/// (a URL that cannot be used is kRefused with a kInvalidUrl error). Takes
/// at most about `options.timeout`. What a Registrar does each interval,
/// for commands that ping once.
std::vector<RegistrarEvent> ping_every_registry(const std::vector<std::string>& urls,
                                                const Registration& registration,
                                                const ClientOptions& options);

/// Unregisters the instance from every registry once, all at the same
/// time, and returns one event per registry, in the order of `urls`:
/// kUnregistered (`removed` says whether it had the instance) or
/// kUnregisterFailed. Takes at most about `options.timeout`.
std::vector<RegistrarEvent> unregister_from_every_registry(const std::vector<std::string>& urls,
                                                           const Registration& registration,
                                                           const ClientOptions& options);

class Registrar {
 public:
  /// Called with each ping's outcome, on the registrar's threads but one
  /// call at a time. Must not call stop().
  using Observer = std::function<void(const RegistrarEvent&)>;

  /// Starts pinging `registration` into every registry of `urls` (at least
  /// one; the first pings go out at once). Fails with kInvalidUrl, before
  /// any network, if a URL cannot be used.
  static Result<Registrar, ClientError> start(const std::vector<std::string>& urls,
                                              Registration registration,
                                              RegistrarOptions options = {}, Observer observer = {});

  Registrar(Registrar&&) noexcept;
  Registrar& operator=(Registrar&&) noexcept;
  /// Stops as stop() does, if still running.
  ~Registrar();

  /// Stops pinging and unregisters the instance from every registry that
  /// ever answered a ping (and did not refuse it), each registry on its
  /// own: one that hangs holds back no other, and stop() returns within
  /// about two timeouts (a ping in flight, then the unregister). Returns
  /// one kUnregistered or kUnregisterFailed event per such registry, in
  /// the order of the URLs (they do not go to the observer). Once stopped,
  /// a second call returns nothing.
  std::vector<RegistrarEvent> stop();

  /// True when every registry has refused the instance (kRefused), e.g.
  /// because each denies access: nothing is being pinged any more.
  bool all_refused() const;

  /// The registry URLs, in the order given.
  std::vector<std::string> urls() const;

 private:
  struct State;
  explicit Registrar(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace gemstone
