#pragma once
// The registry's JSON-RPC methods: validate the bound parameters, call the
// store, shape the results. Nothing here knows of sockets or HTTP.

#include <functional>
#include <string>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

/// What locate_service answers: instance objects, or only their url strings
/// (what gemstone 0.5 to 0.12 clients pass straight to RemoteService).
enum class LocateResult { kInstances, kUrls };

struct MethodsOptions {
  double ttl_seconds = 90.0;
  std::string host = "127.0.0.1";  ///< where the registry listens, for get_service_specs
  int port = 8000;
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  std::size_t max_name_length = 255;  ///< characters; at most the contract's 255
  std::size_t max_host_length = 253;  ///< characters; at most the contract's 253
  LocateResult locate_result = LocateResult::kInstances;
};

/// Counters the methods keep up to date (for /metrics); optional.
struct MethodEvents {
  std::function<void()> on_ping;
  std::function<void()> on_unregister;
};

/// Registers ping, unregister, locate_service, list_services and
/// get_service_specs on `dispatcher`. `store` must outlive it. ping and
/// unregister have Scope::kWrite, the others Scope::kRead (see access_control.hpp).
void add_registry_methods(jsonrpc::Dispatcher& dispatcher, Store& store, MethodsOptions options,
                          MethodEvents events = {});

}  // namespace gemstone::registry
