#pragma once
// What one change of the store was: the index it took and the instance
// before and after. Watchers are woken by these; renewals are not changes.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "registry/store/instance.hpp"

namespace gemstone::registry {

enum class ChangeKind { kAdded, kUpdated, kRemoved };

/// Why an instance went, when it went.
enum class RemovalReason { kNone, kUnregistered, kExpired };

struct Change {
  std::uint64_t index = 0;  ///< the store's index after this change
  ChangeKind kind = ChangeKind::kAdded;
  RemovalReason reason = RemovalReason::kNone;
  std::optional<Instance> before;  ///< absent when added
  std::optional<Instance> after;   ///< absent when removed

  const Instance& instance() const { return after ? *after : *before; }
};

/// Told of the changes of one store operation, in index order, after the
/// store's lock is released (so it may read the store).
using ChangeListener = std::function<void(std::vector<Change>&&)>;

}  // namespace gemstone::registry
