#pragma once
// The etcd backend as the daemon runs it: the gateway to the configured
// members, the local view, the thread that keeps it current, and the Store
// over them, made from the configuration in one place.

#include <memory>
#include <string>

#include "gemstone/result.hpp"
#include "registry/daemon/config.hpp"
#include "registry/http/http_message.hpp"
#include "registry/metrics.hpp"
#include "registry/store/etcd/etcd_gateway.hpp"
#include "registry/store/etcd/etcd_store.hpp"
#include "registry/store/etcd/etcd_view.hpp"
#include "registry/store/etcd/etcd_view_sync.hpp"

namespace gemstone::registry {

class EtcdBackend {
 public:
  /// From backend = "etcd" and the etcd_* options; the error is one line
  /// (an unreadable TLS file, say). Connects to nothing yet.
  static Result<std::unique_ptr<EtcdBackend>, std::string> open(const Config& config);

  Store& store() { return *store_; }
  /// Starts following etcd (list, then watch); retried until etcd answers.
  /// Call once the store's change listener is set.
  void start() { sync_->start(); }
  void stop() { sync_->stop(); }

  /// "starting" until the first list (then /health says 503), "ok" while
  /// the view follows etcd, "unreachable" while it cannot.
  const char* state() const;
  bool ready() const { return sync_->ready(); }
  void add_gauges(Metrics::Gauges& gauges) const;

 private:
  EtcdBackend() = default;

  std::unique_ptr<etcd::EtcdGateway> gateway_;
  std::unique_ptr<etcd::EtcdView> view_;
  std::unique_ptr<etcd::EtcdStore> store_;
  std::unique_ptr<etcd::EtcdViewSync> sync_;
};

}  // namespace gemstone::registry
