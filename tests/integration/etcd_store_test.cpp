// The Store contract (support/store_contract_tests.cpp) on the etcd store,
// on one real etcd member shared by the suite; each store gets a prefix of
// its own, so each starts empty.

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "etcd_cluster.hpp"
#include "registry/store/etcd/etcd_endpoints.hpp"
#include "registry/store/etcd/etcd_gateway.hpp"
#include "registry/store/etcd/etcd_store.hpp"
#include "registry/store/etcd/etcd_view.hpp"
#include "registry/store/etcd/etcd_view_sync.hpp"
#include "eventually.hpp"
#include "store_contract.hpp"

namespace gemstone::testing {
namespace {

namespace etcd = registry::etcd;
using registry::Clock;

EtcdCluster& shared_etcd() {
  static std::unique_ptr<EtcdCluster> cluster = EtcdCluster::start(1);
  return *cluster;
}

class EtcdStoreUnderTest final : public StoreUnderTest {
 public:
  explicit EtcdStoreUnderTest(std::size_t capacity) {
    static std::atomic<int> stores{0};
    etcd::GatewayOptions options;
    options.endpoints = etcd::parse_endpoints(shared_etcd().endpoints()).value();
    gateway_ = std::make_unique<etcd::EtcdGateway>(options);
    const std::string prefix = "/contract/" + std::to_string(++stores) + "/";
    view_ = std::make_unique<etcd::EtcdView>(etcd::KeyLayout(prefix), std::chrono::seconds(90));
    etcd::EtcdStoreOptions store;
    store.capacity = capacity;
    store_ = std::make_unique<etcd::EtcdStore>(*gateway_, *view_, store);
    sync_ = std::make_unique<etcd::EtcdViewSync>(*gateway_, *view_);
    sync_->start();
    EXPECT_TRUE(eventually([this] { return sync_->ready(); }));
  }
  ~EtcdStoreUnderTest() override { sync_->stop(); }

  registry::Store& store() override { return *store_; }
  Clock::time_point now() const override { return Clock::now(); }

 private:
  std::unique_ptr<etcd::EtcdGateway> gateway_;
  std::unique_ptr<etcd::EtcdView> view_;
  std::unique_ptr<etcd::EtcdStore> store_;
  std::unique_ptr<etcd::EtcdViewSync> sync_;
};

void require_etcd() { REQUIRE_ETCD(); }

}  // namespace

INSTANTIATE_STORE_CONTRACT(Etcd, ::testing::Values(StoreBackend{
                                     "etcd",
                                     [](std::size_t capacity) {
                                       return std::unique_ptr<StoreUnderTest>(
                                           new EtcdStoreUnderTest(capacity));
                                     },
                                     require_etcd}));

}  // namespace gemstone::testing
