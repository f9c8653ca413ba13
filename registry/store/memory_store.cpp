#include "registry/store/memory_store.hpp"

#include <algorithm>
#include <mutex>

namespace gemstone::registry {

MemoryStore::MemoryStore(std::size_t capacity) : capacity_(capacity) {}

Result<Instance, StoreError> MemoryStore::ping(Instance instance, Clock::time_point now) {
  std::vector<Change> changes;
  std::unique_lock lock(mutex_);
  auto bucket = names_.find(instance.name);
  if (bucket != names_.end()) {
    auto entry = bucket->second.find(Endpoint(instance.host, instance.port));
    if (entry != bucket->second.end()) {
      Instance& stored = *entry->second;
      // An instance already expired but not swept yet was gone for every
      // reader: its return is an addition (the sweep will not report it).
      const bool revived = stored.expires_at <= now;
      const bool replaced = stored.url != instance.url || stored.meta != instance.meta;
      if (revived || replaced) {
        Change change;
        change.index = ++index_;
        change.kind = revived ? ChangeKind::kAdded : ChangeKind::kUpdated;
        if (!revived) change.before = stored;
        changes.push_back(std::move(change));
      }
      stored.url = std::move(instance.url);
      stored.meta = std::move(instance.meta);
      stored.expires_at = instance.expires_at;
      reposition(entry->second);
      Instance result = stored;
      lock.unlock();
      if (!changes.empty()) {
        changes.back().after = result;
        tell(std::move(changes));
      }
      return result;
    }
  }
  if (capacity_ != 0 && expiry_.size() >= capacity_) return StoreError::kFull;

  auto it = insert(bucket, std::move(instance));
  Change change;
  change.index = ++index_;
  change.kind = ChangeKind::kAdded;
  change.after = *it;
  Instance result = *it;
  lock.unlock();
  changes.push_back(std::move(change));
  tell(std::move(changes));
  return result;
}

MemoryStore::ExpiryList::iterator MemoryStore::insert(
    std::unordered_map<std::string, Bucket>::iterator bucket, Instance instance) {
  if (bucket == names_.end()) {
    bucket = names_.emplace(instance.name, Bucket{}).first;
    sorted_names_.emplace(bucket->first, &bucket->second);
  }
  Endpoint endpoint(instance.host, instance.port);
  expiry_.push_back(std::move(instance));
  auto it = std::prev(expiry_.end());
  reposition(it);
  bucket->second.emplace(std::move(endpoint), it);
  return it;
}

void MemoryStore::reposition(ExpiryList::iterator it) {
  // Walk back from the end past every other instance that expires later;
  // with one TTL for all, the first step already stops.
  auto pos = expiry_.end();
  while (pos != expiry_.begin()) {
    auto before = std::prev(pos);
    if (before != it && before->expires_at <= it->expires_at) break;
    pos = before;
  }
  expiry_.splice(pos, expiry_, it);  // no-op when it is already there
}

Result<bool, StoreError> MemoryStore::unregister(std::string_view name, std::string_view host,
                                                 std::uint16_t port, Clock::time_point now) {
  std::unique_lock lock(mutex_);
  auto bucket = names_.find(std::string(name));
  if (bucket == names_.end()) return false;
  auto entry = bucket->second.find(Endpoint(std::string(host), port));
  if (entry == bucket->second.end()) return false;
  const bool live = entry->second->expires_at > now;
  std::vector<Change> changes;
  // An expired one was already gone for every reader: no change to report.
  if (live) {
    Change change;
    change.index = ++index_;
    change.kind = ChangeKind::kRemoved;
    change.reason = RemovalReason::kUnregistered;
    change.before = std::move(*entry->second);
    changes.push_back(std::move(change));
  }
  erase(bucket, entry);
  lock.unlock();
  tell(std::move(changes));
  return live;
}

void MemoryStore::erase(std::unordered_map<std::string, Bucket>::iterator bucket,
                        Bucket::iterator entry) {
  expiry_.erase(entry->second);
  bucket->second.erase(entry);
  if (bucket->second.empty()) {
    sorted_names_.erase(bucket->first);
    names_.erase(bucket);
  }
}

template <class Visit>
void MemoryStore::for_each_matching_bucket(const Glob& pattern, Visit&& visit) const {
  if (pattern.is_literal()) {
    auto bucket = names_.find(pattern.pattern());
    if (bucket != names_.end()) visit(bucket->first, bucket->second);
    return;
  }
  const std::string& prefix = pattern.literal_prefix();
  for (auto it = sorted_names_.lower_bound(prefix); it != sorted_names_.end(); ++it) {
    const std::string_view name = it->first;
    if (name.compare(0, prefix.size(), prefix) != 0) break;
    if (pattern.matches(name)) visit(name, *it->second);
  }
}

std::uint64_t MemoryStore::locate(const Glob& pattern, Clock::time_point now,
                                  const std::function<void(const Instance&)>& visit) const {
  std::shared_lock lock(mutex_);
  for_each_matching_bucket(pattern, [&](std::string_view, const Bucket& bucket) {
    for (const auto& [endpoint, it] : bucket) {
      if (it->expires_at > now) visit(*it);
    }
  });
  return index_;
}

std::vector<ServiceSummary> MemoryStore::list(const Glob& pattern, Clock::time_point now) const {
  std::vector<ServiceSummary> out;
  std::shared_lock lock(mutex_);
  for_each_matching_bucket(pattern, [&](std::string_view name, const Bucket& bucket) {
    std::size_t live = 0;
    for (const auto& [endpoint, it] : bucket) live += it->expires_at > now ? 1 : 0;
    if (live > 0) out.push_back({std::string(name), live});
  });
  return out;
}

std::size_t MemoryStore::expire(Clock::time_point now, std::size_t max) {
  std::vector<Change> changes;
  std::unique_lock lock(mutex_);
  if (listener_ && !expiry_.empty() && expiry_.front().expires_at <= now) {
    changes.reserve(std::min<std::size_t>(max, 1024));
  }
  std::size_t removed = 0;
  while (removed < max && !expiry_.empty() && expiry_.front().expires_at <= now) {
    Instance& victim = expiry_.front();
    auto bucket = names_.find(victim.name);
    auto entry = bucket->second.find(Endpoint(victim.host, victim.port));
    ++index_;
    if (listener_) {
      // Moved, not copied: the lock is held, and the instance goes anyway.
      Change change;
      change.index = index_;
      change.kind = ChangeKind::kRemoved;
      change.reason = RemovalReason::kExpired;
      change.before = std::move(victim);
      changes.push_back(std::move(change));
    }
    erase(bucket, entry);
    ++removed;
  }
  lock.unlock();
  tell(std::move(changes));
  return removed;
}

std::size_t MemoryStore::size() const {
  std::shared_lock lock(mutex_);
  return expiry_.size();
}

std::size_t MemoryStore::service_count() const {
  std::shared_lock lock(mutex_);
  return names_.size();
}

std::vector<Instance> MemoryStore::snapshot(Clock::time_point now, std::uint64_t* index) const {
  std::vector<Instance> out;
  std::shared_lock lock(mutex_);
  out.reserve(expiry_.size());
  for (const Instance& instance : expiry_) {
    if (instance.expires_at > now) out.push_back(instance);
  }
  if (index != nullptr) *index = index_;
  return out;
}

std::uint64_t MemoryStore::index() const {
  std::shared_lock lock(mutex_);
  return index_;
}

void MemoryStore::raise_index(std::uint64_t at_least) {
  std::unique_lock lock(mutex_);
  index_ = std::max(index_, at_least);
}

void MemoryStore::set_change_listener(ChangeListener listener) {
  std::unique_lock lock(mutex_);
  listener_ = std::move(listener);
}

void MemoryStore::apply_put(Instance instance, std::uint64_t index) {
  std::vector<Change> changes;
  std::unique_lock lock(mutex_);
  index_ = std::max(index_, index);
  put_locked(std::move(instance), index, changes);
  lock.unlock();
  tell(std::move(changes));
}

bool MemoryStore::apply_remove(std::string_view name, std::string_view host, std::uint16_t port,
                               std::uint64_t index, RemovalReason reason) {
  std::vector<Change> changes;
  std::unique_lock lock(mutex_);
  index_ = std::max(index_, index);
  const bool removed = remove_locked(name, host, port, index, reason, changes);
  lock.unlock();
  tell(std::move(changes));
  return removed;
}

void MemoryStore::apply(std::vector<ReplicaOp> ops, std::uint64_t index) {
  std::vector<Change> changes;
  std::unique_lock lock(mutex_);
  for (ReplicaOp& op : ops) {
    if (op.remove) {
      remove_locked(op.instance.name, op.instance.host, op.instance.port, op.index, op.reason,
                    changes);
    } else {
      put_locked(std::move(op.instance), op.index, changes);
    }
    index_ = std::max(index_, op.index);
  }
  index_ = std::max(index_, index);
  lock.unlock();
  tell(std::move(changes));
}

void MemoryStore::put_locked(Instance instance, std::uint64_t index, std::vector<Change>& changes) {
  auto bucket = names_.find(instance.name);
  if (bucket != names_.end()) {
    auto entry = bucket->second.find(Endpoint(instance.host, instance.port));
    if (entry != bucket->second.end()) {
      Instance& stored = *entry->second;
      const bool replaced = stored.url != instance.url || stored.meta != instance.meta;
      Change change;
      if (replaced) {
        change.index = index;
        change.kind = ChangeKind::kUpdated;
        change.before = stored;
      }
      stored.url = std::move(instance.url);
      stored.meta = std::move(instance.meta);
      stored.expires_at = instance.expires_at;
      reposition(entry->second);
      if (replaced) {
        change.after = stored;
        changes.push_back(std::move(change));
      }
      return;
    }
  }
  auto it = insert(bucket, std::move(instance));
  Change change;
  change.index = index;
  change.kind = ChangeKind::kAdded;
  change.after = *it;
  changes.push_back(std::move(change));
}

bool MemoryStore::remove_locked(std::string_view name, std::string_view host, std::uint16_t port,
                                std::uint64_t index, RemovalReason reason,
                                std::vector<Change>& changes) {
  auto bucket = names_.find(std::string(name));
  if (bucket == names_.end()) return false;
  auto entry = bucket->second.find(Endpoint(std::string(host), port));
  if (entry == bucket->second.end()) return false;
  Change change;
  change.index = index;
  change.kind = ChangeKind::kRemoved;
  change.reason = reason;
  change.before = std::move(*entry->second);
  erase(bucket, entry);
  changes.push_back(std::move(change));
  return true;
}

bool MemoryStore::renew(const Instance& instance) {
  std::unique_lock lock(mutex_);
  auto bucket = names_.find(instance.name);
  if (bucket == names_.end()) return false;
  auto entry = bucket->second.find(Endpoint(instance.host, instance.port));
  if (entry == bucket->second.end()) return false;
  Instance& stored = *entry->second;
  if (stored.url != instance.url || stored.meta != instance.meta) return false;
  stored.expires_at = instance.expires_at;
  reposition(entry->second);
  return true;
}

}  // namespace gemstone::registry
