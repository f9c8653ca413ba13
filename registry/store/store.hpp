#pragma once
// The storage interface of the registry. It deals in plain data and time
// only (no JSON, no HTTP), so that another engine (a replicated store, say)
// can replace the in-memory one without touching the method layer.
// Implementations are safe to call from many threads at once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "gemstone/glob.hpp"
#include "gemstone/result.hpp"
#include "registry/store/change.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry {

enum class StoreError {
  kFull,         ///< a new instance would exceed the configured capacity
  kUnavailable,  ///< a remote backend (etcd) did not accept the write in time
};

class Store {
 public:
  virtual ~Store() = default;

  /// Adds the instance identified by (name, host, port), or renews it: the
  /// stored url, meta and expiry are replaced. Renewing always succeeds, even
  /// when the store is full. A ping of an instance expired at `now` (but not
  /// swept yet) is an addition; a renewal that keeps url and meta is no change.
  virtual Result<Instance, StoreError> ping(Instance instance, Clock::time_point now) = 0;
  /// ping() for an instance live until its own expiry (restores, tests).
  Result<Instance, StoreError> ping(Instance instance) {
    return ping(std::move(instance), Clock::time_point::min());
  }

  /// Removes (name, host, port). Returns whether it was there (and live at
  /// `now`), or kUnavailable when a remote backend could not be told.
  virtual Result<bool, StoreError> unregister(std::string_view name, std::string_view host,
                                              std::uint16_t port, Clock::time_point now) = 0;

  /// Calls `visit` for each instance live at `now` whose name matches, in
  /// name order. `visit` runs under the store's lock: it must be quick and
  /// must not call back into the store.
  /// Returns the change index the visited instances are the state of.
  virtual std::uint64_t locate(const Glob& pattern, Clock::time_point now,
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

  /// Every instance live at `now` (for persistence); `index`, when given,
  /// gets the change index of that state.
  virtual std::vector<Instance> snapshot(Clock::time_point now,
                                         std::uint64_t* index = nullptr) const = 0;

  /// The change index: it only grows, by one per change (an instance added,
  /// removed, or its url or meta replaced).
  virtual std::uint64_t index() const = 0;
  /// Raises the index to at least `at_least` (it never goes back): so that
  /// it keeps growing across restarts.
  virtual void raise_index(std::uint64_t at_least) = 0;
  /// Told of every change from now on; set before the store is shared.
  virtual void set_change_listener(ChangeListener listener) = 0;
};

}  // namespace gemstone::registry
