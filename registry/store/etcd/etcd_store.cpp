#include "registry/store/etcd/etcd_store.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "registry/store/etcd/etcd_codec.hpp"

namespace gemstone::registry::etcd {
namespace {

// The view holds no expired instance: reads ask it as of the earliest time.
constexpr Clock::time_point kAlways = Clock::time_point::min();

// A lease found gone while its key is still there (etcd revokes expired
// leases every 500 ms): the next try waits this long.
constexpr auto kRetryPause = std::chrono::milliseconds(50);

}  // namespace

struct EtcdStore::Attempt {
  const Instance& instance;
  std::string key;
  std::string value;
  Clock::time_point deadline;
  std::int64_t ttl = 0;       // the lease's TTL, as etcd last answered
  std::int64_t revision = 0;  // the view must reach it before the answer (0: no change made)
};

std::int64_t EtcdStore::lease_ttl(double ttl_seconds) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(ttl_seconds - 1e-9)));
}

EtcdStore::EtcdStore(EtcdGateway& gateway, EtcdView& view, EtcdStoreOptions options)
    : gateway_(gateway), view_(view), options_(options), lease_ttl_(lease_ttl(options.ttl_seconds)) {}

namespace {

enum class Answer { kOk, kNotFound, kFailed };

// A gateway answer: 200, a "not found" error (a lease gone), or a failure
// (unreachable, or an error the registry cannot act on, logged).
Answer classify(const Result<GatewayAnswer, std::string>& answer, const char* what) {
  if (!answer.ok()) {
    spdlog::debug("etcd {}: {}", what, answer.error());
    return Answer::kFailed;
  }
  if (answer.value().status == 200) return Answer::kOk;
  auto error = parse_error(answer.value().body);
  if (error && error->code == kNotFound) return Answer::kNotFound;
  spdlog::warn("etcd {}: HTTP {} {}", what, answer.value().status, answer.value().body);
  return Answer::kFailed;
}

}  // namespace

EtcdStore::Outcome EtcdStore::keep_alive(Attempt& a, std::int64_t lease) {
  auto answer = gateway_.post("/v3/lease/keepalive", lease_id_request(lease));
  switch (classify(answer, "keepalive")) {
    case Answer::kFailed:
      return Outcome::kUnavailable;
    case Answer::kNotFound:
      return Outcome::kRetry;
    case Answer::kOk:
      break;
  }
  auto renewed = parse_keepalive(answer.value().body);
  if (!renewed.ok()) {
    spdlog::warn("etcd keepalive: {}", renewed.error());
    return Outcome::kUnavailable;
  }
  if (renewed.value().ttl <= 0) return Outcome::kRetry;  // the lease is gone
  a.ttl = renewed.value().ttl;
  return Outcome::kDone;
}

EtcdStore::Outcome EtcdStore::renew(Attempt& a, const EtcdView::Entry& known) {
  const Outcome renewed = keep_alive(a, known.lease);
  // A renewal that found its lease gone: the instance was lost (an etcd
  // outage longer than the ttl, say); it is made again at once.
  return renewed == Outcome::kRetry ? create(a) : renewed;
}

EtcdStore::Outcome EtcdStore::replace(Attempt& a, const EtcdView::Entry& known) {
  auto answer = gateway_.post("/v3/kv/put", put_request(a.key, a.value, known.lease));
  switch (classify(answer, "put")) {
    case Answer::kFailed:
      return Outcome::kUnavailable;
    case Answer::kNotFound:
      return create(a);
    case Answer::kOk:
      break;
  }
  auto revision = parse_put(answer.value().body);
  if (revision.ok()) a.revision = revision.value();
  // A put does not renew the lease; the ping does.
  const Outcome renewed = keep_alive(a, known.lease);
  return renewed == Outcome::kRetry ? create(a) : renewed;
}

EtcdStore::Outcome EtcdStore::create(Attempt& a) {
  auto granted = gateway_.post("/v3/lease/grant", lease_grant_request(lease_ttl_));
  if (classify(granted, "lease grant") != Answer::kOk) return Outcome::kUnavailable;
  auto lease = parse_lease_grant(granted.value().body);
  if (!lease.ok() || lease.value().id == 0) {
    spdlog::warn("etcd lease grant: {}", lease.ok() ? std::string("no ID") : lease.error());
    return Outcome::kUnavailable;
  }
  const std::int64_t ours = lease.value().id;
  a.ttl = lease.value().ttl > 0 ? lease.value().ttl : lease_ttl_;

  auto answer = gateway_.post("/v3/kv/txn", create_if_absent_request(a.key, a.value, ours));
  if (classify(answer, "create") != Answer::kOk) return Outcome::kUnavailable;
  auto txn = parse_txn(answer.value().body);
  if (!txn.ok()) {
    spdlog::warn("etcd create: {}", txn.error());
    return Outcome::kUnavailable;
  }
  if (txn.value().succeeded) {
    a.revision = txn.value().revision;
    return Outcome::kDone;
  }
  if (!txn.value().existing) return Outcome::kRetry;  // deleted in between
  const KeyValue& existing = *txn.value().existing;
  a.revision = existing.mod_revision;
  if (existing.lease == ours) return Outcome::kDone;  // our own, made by a retried request
  // Another node made it first: one instance, one lease, theirs.
  (void)gateway_.post("/v3/lease/revoke", lease_id_request(ours));
  auto value = parse_instance_value(existing.value);
  if (value.ok() && value.value().url == a.instance.url && value.value().meta == a.instance.meta) {
    return keep_alive(a, existing.lease);
  }
  return replace(a, EtcdView::Entry{existing.lease, {}, {}});
}

void EtcdStore::settle(std::int64_t revision, Clock::time_point deadline) const {
  if (revision > 0 && !view_.wait_for(revision, deadline)) {
    spdlog::debug("etcd: the view did not reach revision {} in time", revision);
  }
}

Result<Instance, StoreError> EtcdStore::ping(Instance instance, Clock::time_point now) {
  const auto started = Clock::now();
  Attempt a{instance, view_.keys().instance_key(instance.name, instance.host, instance.port),
            instance_value(instance.url, instance.meta, lease_ttl_), started + options_.timeout};
  while (true) {
    Outcome outcome;
    if (auto known = view_.find(a.key)) {
      const bool same = known->url == instance.url && known->meta == instance.meta;
      outcome = same ? renew(a, *known) : replace(a, *known);
    } else {
      if (options_.capacity != 0 && view_.store().size() >= options_.capacity) return StoreError::kFull;
      outcome = create(a);
    }
    if (outcome == Outcome::kDone) break;
    if (outcome == Outcome::kUnavailable || Clock::now() + kRetryPause >= a.deadline) {
      return StoreError::kUnavailable;
    }
    std::this_thread::sleep_for(kRetryPause);
  }
  settle(a.revision, a.deadline);
  instance.expires_at = (now == kAlways ? Clock::now() : now) + std::chrono::seconds(a.ttl);
  view_.renewed(instance);
  return instance;
}

Result<bool, StoreError> EtcdStore::unregister(std::string_view name, std::string_view host,
                                               std::uint16_t port, Clock::time_point) {
  const auto deadline = Clock::now() + options_.timeout;
  const std::string key = view_.keys().instance_key(name, host, port);
  const auto known = view_.find(key);
  auto answer = gateway_.post("/v3/kv/txn", delete_with_marker_request(key, view_.keys().marker()));
  if (classify(answer, "unregister") != Answer::kOk) return StoreError::kUnavailable;
  auto txn = parse_txn(answer.value().body);
  if (!txn.ok()) {
    spdlog::warn("etcd unregister: {}", txn.error());
    return StoreError::kUnavailable;
  }
  if (!txn.value().succeeded) return false;
  // The lease held only this key: it would run out anyway, but need not.
  if (known && known->lease != 0) (void)gateway_.post("/v3/lease/revoke", lease_id_request(known->lease));
  settle(txn.value().revision, deadline);
  return txn.value().deleted > 0;
}

std::uint64_t EtcdStore::locate(const Glob& pattern, Clock::time_point,
                                 const std::function<void(const Instance&)>& visit) const {
  return view_.store().locate(pattern, kAlways, visit);
}

std::vector<ServiceSummary> EtcdStore::list(const Glob& pattern, Clock::time_point) const {
  return view_.store().list(pattern, kAlways);
}

std::vector<Instance> EtcdStore::snapshot(Clock::time_point, std::uint64_t* index) const {
  return view_.store().snapshot(kAlways, index);
}

}  // namespace gemstone::registry::etcd
