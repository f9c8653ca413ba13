#pragma once
// The registry's JSON-RPC methods: validate the bound parameters, call the
// store, shape the results. Nothing here knows of sockets or HTTP.

#include <functional>
#include <string>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/api/watch_hub.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

/// What locate_service answers: instance objects, or only their url strings
/// (what gemstone 0.5 to 0.12 clients pass straight to RemoteService).
enum class LocateResult { kInstances, kUrls };

/// What the methods need to know. The configurable fields have no defaults
/// here: the daemon fills them from its configuration
/// (methods_options_from in registry/daemon/options_from_config.hpp).
struct MethodsOptions {
  double ttl_seconds{};
  std::string host;  ///< where the registry listens, for get_service_specs
  int port{};
  std::size_t max_name_length{};  ///< characters; at most the protocol's 255
  std::size_t max_host_length{};  ///< characters; at most the protocol's 253
  LocateResult locate_result{};
  std::string backend = "memory";  ///< for get_service_specs
  /// The store's writes wait on I/O (etcd): ping and unregister are marked
  /// blocking, for the dispatcher to run them off the event loop.
  bool writes_block = false;
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  Clock::time_point started = Clock::now();  ///< for get_service_specs' uptime_seconds
};

/// Counters the methods keep up to date (for /metrics); optional.
struct MethodEvents {
  std::function<void()> on_ping;
  std::function<void()> on_unregister;
};

/// The longest a watch_services call waits, in seconds; longer is clamped.
inline constexpr double kMaxWatchTimeout = 300;

/// Registers ping, unregister, locate_service, list_services,
/// watch_services and get_service_specs on `dispatcher`. `store` (and
/// `hub`) must outlive it. ping and unregister have Scope::kWrite, the
/// others Scope::kRead (see access_control.hpp). Without a `hub`,
/// watch_services answers at once; with one, it also sets the hub's answer.
void add_registry_methods(jsonrpc::Dispatcher& dispatcher, Store& store, MethodsOptions options,
                          MethodEvents events = {}, WatchHub* hub = nullptr);

}  // namespace gemstone::registry
