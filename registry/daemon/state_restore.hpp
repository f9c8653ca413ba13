#pragma once
// Reads the state file into the store at start. Whatever is wrong with the
// file is logged and the registry starts empty: a bad file must never keep
// it down. A file that cannot be understood is renamed to `<path>.corrupt`
// for a post-mortem, since the next save would overwrite it.

#include <cstddef>
#include <optional>
#include <string>

#include "registry/metrics.hpp"
#include "registry/store/state_file.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

/// What the store took from the state file, and why the other entries stayed out.
struct RestoreReport {
  std::size_t restored = 0;       ///< instances the store holds from the file
  std::size_t duplicates = 0;     ///< repeated entries for one instance (the last one counts)
  std::size_t over_capacity = 0;  ///< new instances refused because the store was full
  std::size_t expired = 0;        ///< entries whose time ran out while the registry was down
  std::size_t invalid = 0;        ///< entries with a missing or wrong field
  /// Set when the file gave nothing at all (then every count is 0).
  std::optional<state_file::LoadFailure> failure;
};

/// Pings every live instance of the state file at `path` into `store`,
/// none with more than `ttl_seconds` left; records the number restored in
/// `metrics` and logs one line saying what happened.
RestoreReport restore_state(const std::string& path, double ttl_seconds, Store& store,
                            Metrics& metrics);

}  // namespace gemstone::registry
