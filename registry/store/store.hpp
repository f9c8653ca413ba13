#pragma once
// The storage interface of the registry. It deals in plain data and time
// only (no JSON, no HTTP), so that another engine (a replicated store, say)
// can replace the in-memory one without touching the method layer.
// Implementations are safe to call from many threads at once.

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "gemstone/glob.hpp"
#include "gemstone/result.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry {

enum class StoreError {
  kFull,  ///< a new instance would exceed the configured capacity
};

class Store {
 public:
  virtual ~Store() = default;

  /// Adds the instance identified by (name, host, port), or renews it: the
  /// stored url and expiry are replaced. Renewing always succeeds, even when
  /// the store is full.
  virtual Result<Instance, StoreError> ping(Instance instance) = 0;

  /// Removes (name, host, port). Returns whether it was there (and live at `now`).
  virtual bool unregister(std::string_view name, std::string_view host, std::uint16_t port,
                          Clock::time_point now) = 0;

  /// Calls `visit` for each instance live at `now` whose name matches, in
  /// name order. `visit` runs under the store's lock: it must be quick and
  /// must not call back into the store.
  virtual void locate(const Glob& pattern, Clock::time_point now,
                      const std::function<void(const Instance&)>& visit) const = 0;

  /// Service names matching `pattern` with their live instance counts, sorted by name.
  virtual std::vector<ServiceSummary> list(const Glob& pattern, Clock::time_point now) const = 0;

  /// Removes up to `max` instances expired at `now` and returns how many it
  /// removed; a sweeper calls it repeatedly so that no single call holds the
  /// store for long.
  virtual std::size_t expire(Clock::time_point now, std::size_t max) = 0;

  /// Instances held, including expired ones not yet swept.
  virtual std::size_t size() const = 0;

  /// Distinct service names held, including expired ones not yet swept.
  virtual std::size_t service_count() const = 0;

  /// Every instance live at `now` (for persistence).
  virtual std::vector<Instance> snapshot(Clock::time_point now) const = 0;
};

}  // namespace gemstone::registry
