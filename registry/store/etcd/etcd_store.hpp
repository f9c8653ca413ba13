#pragma once
// The Store kept in etcd, shared by every registry on the same endpoints
// and prefix. Reads are served by the local view (EtcdView, kept current by
// EtcdViewSync) and never wait on etcd; writes go to etcd and return once
// etcd accepted them and the view shows them (so a ping is located at once
// on this node), or kUnavailable when etcd did not answer in time.
//
// Writes block: call them off the event loop (the daemon marks ping and
// unregister blocking, and its dispatcher runs them on a worker pool).
//
// One lease per instance, of the registry's ttl rounded up to whole seconds
// (etcd raises it to its minimum, 2 s by default). A renewal with the same
// url and meta is one keepalive of the lease; a keepalive that finds the
// lease gone makes the instance anew. A new instance is a lease grant and a
// create-if-absent txn: when another node made the key first, its lease is
// kept alive and ours revoked, so two nodes never make two. Nothing expires
// here: etcd deletes the key when its lease runs out.

#include <chrono>
#include <cstdint>
#include <string>

#include "registry/store/etcd/etcd_gateway.hpp"
#include "registry/store/etcd/etcd_view.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry::etcd {

struct EtcdStoreOptions {
  std::size_t capacity = 0;  ///< most instances; 0: no limit
  double ttl_seconds = 90;
  std::chrono::milliseconds timeout{2000};  ///< a whole write, retries included
};

class EtcdStore final : public Store {
 public:
  EtcdStore(EtcdGateway& gateway, EtcdView& view, EtcdStoreOptions options);

  using Store::ping;
  Result<Instance, StoreError> ping(Instance instance, Clock::time_point now) override;
  Result<bool, StoreError> unregister(std::string_view name, std::string_view host,
                                      std::uint16_t port, Clock::time_point now) override;
  std::uint64_t locate(const Glob& pattern, Clock::time_point now,
                       const std::function<void(const Instance&)>& visit) const override;
  std::vector<ServiceSummary> list(const Glob& pattern, Clock::time_point now) const override;
  std::size_t expire(Clock::time_point, std::size_t) override { return 0; }
  std::size_t size() const override { return view_.store().size(); }
  std::size_t service_count() const override { return view_.store().service_count(); }
  std::vector<Instance> snapshot(Clock::time_point now, std::uint64_t* index = nullptr) const override;
  std::uint64_t index() const override { return view_.store().index(); }
  /// The index is etcd's revision: nothing to raise.
  void raise_index(std::uint64_t) override {}
  void set_change_listener(ChangeListener listener) override {
    view_.store().set_change_listener(std::move(listener));
  }

  /// The lease TTL asked of etcd for `ttl_seconds`: rounded up, at least 1
  /// (etcd raises it to its own minimum).
  static std::int64_t lease_ttl(double ttl_seconds);

 private:
  enum class Outcome { kDone, kRetry, kUnavailable };
  struct Attempt;
  Outcome renew(Attempt& a, const EtcdView::Entry& known);
  Outcome replace(Attempt& a, const EtcdView::Entry& known);
  Outcome create(Attempt& a);
  Outcome keep_alive(Attempt& a, std::int64_t lease);
  void settle(std::int64_t revision, Clock::time_point deadline) const;

  EtcdGateway& gateway_;
  EtcdView& view_;
  const EtcdStoreOptions options_;
  const std::int64_t lease_ttl_;
};

}  // namespace gemstone::registry::etcd
