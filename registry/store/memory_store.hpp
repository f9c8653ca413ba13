#pragma once
// The embedded store: everything in memory, one reader-writer lock.
//
// Layout, chosen for the registry's hot paths:
// - `names_` hashes a service name to its instances, so ping and an exact
//   locate cost the same at 10 or 100,000 instances;
// - `sorted_names_` orders the names, so a pattern with a literal prefix
//   (`svc.123.*`) scans only the names that start with it;
// - `expiry_` lists instances by expiry time. The TTL is one value for all,
//   so a renewal moves an instance to the back in O(1) and the sweeper only
//   ever looks at the front.

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "registry/store/store.hpp"

namespace gemstone::registry {

class MemoryStore final : public Store {
 public:
  /// `capacity`: most instances held at once; 0 means no limit.
  explicit MemoryStore(std::size_t capacity = 0);

  using Store::ping;
  Result<Instance, StoreError> ping(Instance instance, Clock::time_point now) override;
  Result<bool, StoreError> unregister(std::string_view name, std::string_view host,
                                      std::uint16_t port, Clock::time_point now) override;
  std::uint64_t locate(const Glob& pattern, Clock::time_point now,
                       const std::function<void(const Instance&)>& visit) const override;
  std::vector<ServiceSummary> list(const Glob& pattern, Clock::time_point now) const override;
  std::size_t expire(Clock::time_point now, std::size_t max) override;
  std::size_t size() const override;
  std::size_t service_count() const override;
  std::vector<Instance> snapshot(Clock::time_point now,
                                 std::uint64_t* index = nullptr) const override;
  std::uint64_t index() const override;
  void raise_index(std::uint64_t at_least) override;
  void set_change_listener(ChangeListener listener) override;

  // A replica of a store kept elsewhere (etcd) applies that store's changes
  // with the index they took there; nothing in it expires by itself.

  /// Adds `instance` or replaces its url, meta and expiry, at `index`: a
  /// change (told to the listener with that index) unless url and meta stay.
  /// No capacity check: the replica holds what the other store holds.
  void apply_put(Instance instance, std::uint64_t index);
  /// Removes (name, host, port) at `index`; whether it was there.
  bool apply_remove(std::string_view name, std::string_view host, std::uint16_t port,
                    std::uint64_t index, RemovalReason reason);
  /// One change of a replica, for apply(): a put of `instance`, or (with
  /// `remove`) the removal of its (name, host, port), at `index`.
  struct ReplicaOp {
    Instance instance;
    std::uint64_t index = 0;
    bool remove = false;
    RemovalReason reason = RemovalReason::kExpired;
  };
  /// Applies `ops` in order as one step, then raises the index to `index`:
  /// readers (and watchers woken by the first change) see the state before
  /// all of them or after all of them, never one in between that the other
  /// store never held. The listener hears all their changes at once.
  void apply(std::vector<ReplicaOp> ops, std::uint64_t index);
  /// Sets the expiry of (name, host, port) when it is held with this url
  /// and meta (a renewal seen locally); no change. Whether it was.
  bool renew(const Instance& instance);

 private:
  using ExpiryList = std::list<Instance>;
  using Endpoint = std::pair<std::string, std::uint16_t>;  // (host, port)
  using Bucket = std::map<Endpoint, ExpiryList::iterator>;  // one service name

  // Adds an instance not held yet; `bucket` is its name's, or names_.end().
  ExpiryList::iterator insert(std::unordered_map<std::string, Bucket>::iterator bucket,
                              Instance instance);
  // Places `it` in expiry order; O(1) when it expires last, the common case.
  void reposition(ExpiryList::iterator it);
  void erase(std::unordered_map<std::string, Bucket>::iterator bucket, Bucket::iterator entry);
  // apply_put / apply_remove under mutex_, their change appended to `changes`.
  void put_locked(Instance instance, std::uint64_t index, std::vector<Change>& changes);
  bool remove_locked(std::string_view name, std::string_view host, std::uint16_t port,
                     std::uint64_t index, RemovalReason reason, std::vector<Change>& changes);
  void tell(std::vector<Change>&& changes) const {
    if (listener_ && !changes.empty()) listener_(std::move(changes));
  }
  template <class Visit>
  void for_each_matching_bucket(const Glob& pattern, Visit&& visit) const;

  const std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  ExpiryList expiry_;
  std::unordered_map<std::string, Bucket> names_;
  // The names of names_ in order, each with its bucket: views and pointers
  // into names_' nodes, which stay put while the entry lives (a rehash moves
  // no node), so a prefix scan needs no second hash lookup per name.
  std::map<std::string_view, const Bucket*> sorted_names_;
  std::uint64_t index_ = 0;  // under mutex_
  ChangeListener listener_;
};

}  // namespace gemstone::registry
