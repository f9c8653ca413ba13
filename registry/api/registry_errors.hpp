#pragma once
// The registry's own JSON-RPC errors (-32000..-32099). Codes and messages
// are stable: clients may match on either.

#include "gemstone/jsonrpc/error.hpp"

namespace gemstone::registry {

inline constexpr int kAccessDenied = -32001;
inline constexpr int kRegistryFull = -32002;

inline jsonrpc::Error access_denied() { return {kAccessDenied, "Access denied", {}}; }
inline jsonrpc::Error registry_full() { return {kRegistryFull, "Registry full", {}}; }

}  // namespace gemstone::registry
