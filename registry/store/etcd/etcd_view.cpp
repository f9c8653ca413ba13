#include "registry/store/etcd/etcd_view.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace gemstone::registry::etcd {

EtcdView::EtcdView(KeyLayout keys, Clock::duration ttl, std::function<Clock::time_point()> now)
    : keys_(std::move(keys)), ttl_(ttl), now_(std::move(now)) {}

std::optional<EtcdView::Entry> EtcdView::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::optional<EtcdView::Decoded> EtcdView::decode(const KeyValue& kv) const {
  auto id = keys_.identity(kv.key);
  if (!id) return std::nullopt;
  auto value = parse_instance_value(kv.value);
  if (!value.ok()) {
    spdlog::warn("etcd key {} skipped: {}", kv.key, value.error());
    return std::nullopt;
  }
  Decoded out;
  out.id = std::move(*id);
  out.entry.lease = kv.lease;
  out.entry.url = std::move(value.value().url);
  out.entry.meta = std::move(value.value().meta);
  out.ttl = value.value().ttl;
  return out;
}

void EtcdView::put(Decoded decoded, std::int64_t revision,
                   std::vector<MemoryStore::ReplicaOp>& ops) {
  const Clock::duration ttl = decoded.ttl > 0 ? std::chrono::seconds(decoded.ttl) : ttl_;
  Instance instance{decoded.id.name, decoded.id.host, decoded.id.port, decoded.entry.url,
                    now_() + ttl, decoded.entry.meta};
  entries_[keys_.instance_key(decoded.id.name, decoded.id.host, decoded.id.port)] =
      std::move(decoded.entry);
  MemoryStore::ReplicaOp op;
  op.instance = std::move(instance);
  op.index = static_cast<std::uint64_t>(revision);
  ops.push_back(std::move(op));
}

namespace {
MemoryStore::ReplicaOp removal(Identity id, std::int64_t revision, RemovalReason reason) {
  MemoryStore::ReplicaOp op;
  op.instance.name = std::move(id.name);
  op.instance.host = std::move(id.host);
  op.instance.port = id.port;
  op.index = static_cast<std::uint64_t>(revision);
  op.remove = true;
  op.reason = reason;
  return op;
}
}  // namespace

// Applies `ops` to the store in one step and moves the view to `revision`.
void EtcdView::advance(std::vector<MemoryStore::ReplicaOp> ops, std::int64_t revision) {
  const std::int64_t to = std::max(revision, revision_);
  store_.apply(std::move(ops), static_cast<std::uint64_t>(to));
  if (to == revision_) return;
  revision_ = to;
  advanced_.notify_all();
}

void EtcdView::apply(const WatchMessage& message) {
  std::lock_guard lock(mutex_);
  // An unregister writes the marker in the revision of its delete.
  std::unordered_set<std::string> unregistered;
  for (const WatchEvent& event : message.events) {
    if (!event.deleted && event.kv.key == keys_.marker()) {
      unregistered.insert(event.kv.value + '\0' + std::to_string(event.kv.mod_revision));
    }
  }
  std::vector<MemoryStore::ReplicaOp> ops;
  for (const WatchEvent& event : message.events) {
    const std::int64_t revision = event.kv.mod_revision > 0 ? event.kv.mod_revision : message.revision;
    if (!event.deleted) {
      if (auto decoded = decode(event.kv)) put(std::move(*decoded), revision, ops);
      continue;
    }
    auto id = keys_.identity(event.kv.key);
    if (!id) continue;
    entries_.erase(event.kv.key);
    const bool by_unregister = unregistered.count(event.kv.key + '\0' + std::to_string(revision)) > 0;
    ops.push_back(removal(std::move(*id), revision,
                          by_unregister ? RemovalReason::kUnregistered : RemovalReason::kExpired));
  }
  advance(std::move(ops), message.revision);
}

void EtcdView::reconcile(const std::vector<KeyValue>& kvs, std::int64_t revision) {
  std::lock_guard lock(mutex_);
  std::vector<MemoryStore::ReplicaOp> ops;
  std::unordered_set<std::string> listed;
  listed.reserve(kvs.size());
  for (const KeyValue& kv : kvs) {
    auto decoded = decode(kv);
    if (!decoded) continue;
    listed.insert(kv.key);
    put(std::move(*decoded), revision, ops);  // no change when url and meta are the same
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (listed.count(it->first) > 0) {
      ++it;
      continue;
    }
    if (auto id = keys_.identity(it->first)) {
      ops.push_back(removal(std::move(*id), revision, RemovalReason::kExpired));
    }
    it = entries_.erase(it);
  }
  advance(std::move(ops), revision);
}

std::int64_t EtcdView::revision() const {
  std::lock_guard lock(mutex_);
  return revision_;
}

bool EtcdView::wait_for(std::int64_t revision, Clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return advanced_.wait_until(lock, deadline, [&] { return revision_ >= revision; });
}

}  // namespace gemstone::registry::etcd
