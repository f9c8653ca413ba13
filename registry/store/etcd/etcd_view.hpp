#pragma once
// The local view of the instances etcd holds, which every read is served
// from: a MemoryStore (the same read path as the memory backend) whose
// index is etcd's revision, plus what writes need to know of each
// instance's key (its lease). It changes only by what etcd says: watch
// events, or a complete list that replaces it (reconcile). Nothing in it
// expires by itself: an instance leaves when etcd deletes its key.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/store/etcd/etcd_codec.hpp"
#include "registry/store/etcd/etcd_keys.hpp"
#include "registry/store/memory_store.hpp"

namespace gemstone::registry::etcd {

class EtcdView {
 public:
  /// `ttl`: the expiry shown for an instance whose value names none;
  /// `now`: the clock expiries are shown on.
  EtcdView(KeyLayout keys, Clock::duration ttl,
           std::function<Clock::time_point()> now = [] { return Clock::now(); });

  MemoryStore& store() { return store_; }
  const MemoryStore& store() const { return store_; }
  const KeyLayout& keys() const { return keys_; }

  /// What a write needs of an instance's key.
  struct Entry {
    std::int64_t lease = 0;
    std::string url;
    Meta meta;
  };
  std::optional<Entry> find(const std::string& key) const;

  /// Applies one watch message: its events at their revisions, then the
  /// revision of its header; readers see all of it or none.
  void apply(const WatchMessage& message);
  /// Makes the view what a complete list at `revision` says: what it lacks
  /// is added, what it holds in excess is removed (as expired: the delete
  /// was missed), what differs is updated, all at `revision` and in one
  /// step: a reader never sees the additions without the removals.
  void reconcile(const std::vector<KeyValue>& kvs, std::int64_t revision);

  /// Sets the shown expiry of an instance renewed through this node.
  void renewed(const Instance& instance) { store_.renew(instance); }

  /// The revision the view is the state of (0 before the first list).
  std::int64_t revision() const;
  /// Waits until the view is the state of `revision` or later, at most until
  /// `deadline`; whether it is.
  bool wait_for(std::int64_t revision, Clock::time_point deadline) const;

 private:
  struct Decoded {
    Identity id;
    Entry entry;
    std::int64_t ttl = 0;
  };
  std::optional<Decoded> decode(const KeyValue& kv) const;
  // Records `decoded` and queues its put into the store (under mutex_).
  void put(Decoded decoded, std::int64_t revision, std::vector<MemoryStore::ReplicaOp>& ops);
  void advance(std::vector<MemoryStore::ReplicaOp> ops, std::int64_t revision);  // under mutex_

  const KeyLayout keys_;
  const Clock::duration ttl_;
  const std::function<Clock::time_point()> now_;
  MemoryStore store_;

  mutable std::mutex mutex_;  // writes of entries_ and revision_; the store has its own lock
  mutable std::condition_variable advanced_;
  std::unordered_map<std::string, Entry> entries_;  // by key
  std::int64_t revision_ = 0;
};

}  // namespace gemstone::registry::etcd
