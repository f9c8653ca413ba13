#include "registry/daemon/etcd_backend.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "registry/store/etcd/etcd_endpoints.hpp"
#include "registry/store/etcd/etcd_keys.hpp"

namespace gemstone::registry {
namespace {

std::optional<std::string> unreadable(const char* option, const std::string& path) {
  if (path.empty()) return std::nullopt;
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return std::string(option) + ": cannot read " + path + ": " + std::strerror(errno);
  std::fclose(f);
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<EtcdBackend>, std::string> EtcdBackend::open(const Config& config) {
  auto endpoints = etcd::parse_endpoints(config.etcd_endpoints);
  if (!endpoints.ok()) return "etcd_endpoints " + endpoints.error();
  for (auto [option, path] : {std::pair{"etcd_cacert", &config.etcd_cacert},
                              std::pair{"etcd_cert", &config.etcd_cert},
                              std::pair{"etcd_key", &config.etcd_key}}) {
    if (auto why = unreadable(option, *path)) return *why;
  }
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(config.etcd_timeout * 1000));
  std::unique_ptr<EtcdBackend> backend(new EtcdBackend());
  etcd::GatewayOptions gateway;
  gateway.endpoints = std::move(endpoints).value();
  gateway.timeout = timeout;
  gateway.cacert = config.etcd_cacert;
  gateway.cert = config.etcd_cert;
  gateway.key = config.etcd_key;
  backend->gateway_ = std::make_unique<etcd::EtcdGateway>(std::move(gateway));
  const auto ttl = std::chrono::seconds(etcd::EtcdStore::lease_ttl(config.ttl));
  backend->view_ = std::make_unique<etcd::EtcdView>(etcd::KeyLayout(config.etcd_prefix), ttl);
  etcd::EtcdStoreOptions store;
  store.capacity = config.max_instances;
  store.ttl_seconds = config.ttl;
  store.timeout = timeout;
  backend->store_ = std::make_unique<etcd::EtcdStore>(*backend->gateway_, *backend->view_, store);
  backend->sync_ = std::make_unique<etcd::EtcdViewSync>(*backend->gateway_, *backend->view_);
  return backend;
}

const char* EtcdBackend::state() const {
  if (!sync_->ready()) return "starting";
  return sync_->connected() ? "ok" : "unreachable";
}

void EtcdBackend::add_gauges(Metrics::Gauges& gauges) const {
  gauges.remote = true;
  gauges.backend_up = sync_->connected();
  gauges.backend_requests = gateway_->requests();
  gauges.backend_failures = gateway_->failures();
  gauges.backend_lists = sync_->lists();
}

}  // namespace gemstone::registry
