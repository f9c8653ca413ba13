#include "registry/store/memory_store.hpp"

#include <mutex>

namespace gemstone::registry {

MemoryStore::MemoryStore(std::size_t capacity) : capacity_(capacity) {}

Result<Instance, StoreError> MemoryStore::ping(Instance instance) {
  std::unique_lock lock(mutex_);
  auto bucket = names_.find(instance.name);
  if (bucket != names_.end()) {
    auto entry = bucket->second.find(Endpoint(instance.host, instance.port));
    if (entry != bucket->second.end()) {
      Instance& stored = *entry->second;
      stored.url = std::move(instance.url);
      stored.expires_at = instance.expires_at;
      reposition(entry->second);
      return stored;
    }
  }
  if (capacity_ != 0 && expiry_.size() >= capacity_) return StoreError::kFull;

  if (bucket == names_.end()) {
    bucket = names_.emplace(instance.name, Bucket{}).first;
    sorted_names_.emplace(bucket->first, &bucket->second);
  }
  Endpoint endpoint(instance.host, instance.port);
  expiry_.push_back(std::move(instance));
  auto it = std::prev(expiry_.end());
  reposition(it);
  bucket->second.emplace(std::move(endpoint), it);
  return *it;
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

bool MemoryStore::unregister(std::string_view name, std::string_view host, std::uint16_t port,
                             Clock::time_point now) {
  std::unique_lock lock(mutex_);
  auto bucket = names_.find(std::string(name));
  if (bucket == names_.end()) return false;
  auto entry = bucket->second.find(Endpoint(std::string(host), port));
  if (entry == bucket->second.end()) return false;
  const bool live = entry->second->expires_at > now;
  erase(bucket, entry);
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

void MemoryStore::locate(const Glob& pattern, Clock::time_point now,
                         const std::function<void(const Instance&)>& visit) const {
  std::shared_lock lock(mutex_);
  for_each_matching_bucket(pattern, [&](std::string_view, const Bucket& bucket) {
    for (const auto& [endpoint, it] : bucket) {
      if (it->expires_at > now) visit(*it);
    }
  });
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
  std::unique_lock lock(mutex_);
  std::size_t removed = 0;
  while (removed < max && !expiry_.empty() && expiry_.front().expires_at <= now) {
    const Instance& victim = expiry_.front();
    auto bucket = names_.find(victim.name);
    erase(bucket, bucket->second.find(Endpoint(victim.host, victim.port)));
    ++removed;
  }
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

std::vector<Instance> MemoryStore::snapshot(Clock::time_point now) const {
  std::vector<Instance> out;
  std::shared_lock lock(mutex_);
  out.reserve(expiry_.size());
  for (const Instance& instance : expiry_) {
    if (instance.expires_at > now) out.push_back(instance);
  }
  return out;
}

}  // namespace gemstone::registry
