#pragma once
// The registry's side of the wire, in one place: the names of its methods
// and its own JSON-RPC errors. The daemon serves these, the client library
// and the `gemstone` command call and recognise them; a method or an error
// added here is known to both.
//
// Codes and messages are stable: clients may match on either.

#include <array>
#include <string_view>

#include "gemstone/jsonrpc/error.hpp"

namespace gemstone::registry_protocol {

// Method names.
inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kLocateService = "locate_service";
inline constexpr std::string_view kUnregister = "unregister";
inline constexpr std::string_view kListServices = "list_services";
inline constexpr std::string_view kGetServiceSpecs = "get_service_specs";
inline constexpr std::string_view kWatchServices = "watch_services";

/// Every method the registry serves, in the order get_service_specs lists them.
inline constexpr std::array<std::string_view, 6> kMethods = {
    kPing, kLocateService, kUnregister, kListServices, kWatchServices, kGetServiceSpecs};

// The registry's own errors (-32000..-32099).
inline constexpr int kAccessDenied = -32001;
inline constexpr int kRegistryFull = -32002;
inline constexpr int kBackendUnavailable = -32003;
inline constexpr int kTooManyWatchers = -32004;

inline jsonrpc::Error access_denied() { return {kAccessDenied, "Access denied", {}}; }
inline jsonrpc::Error registry_full() { return {kRegistryFull, "Registry full", {}}; }
/// A write the registry's backend (etcd) did not accept in time: retry later.
inline jsonrpc::Error backend_unavailable() {
  return {kBackendUnavailable, "Backend unavailable", {}};
}

/// The endpoint path of every gemstone service, the registry's included.
inline constexpr std::string_view kApiPath = "/api";

}  // namespace gemstone::registry_protocol
