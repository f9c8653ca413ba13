// The etcd test harness itself: members start, answer the v3 gateway, and a
// cluster of three keeps serving with one member killed.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "etcd_cluster.hpp"

namespace gemstone::testing {
namespace {

TEST(EtcdCluster, OneMemberStoresAndReturnsAKey) {
  REQUIRE_ETCD();
  auto etcd = EtcdCluster::start(1);
  const std::string put = R"({"key":")" + base64("/t/k") + R"(","value":")" + base64("v") + "\"}";
  ASSERT_TRUE(etcd->gateway(0, "/v3/kv/put", put)) << etcd->log(0);
  auto range = etcd->gateway(0, "/v3/kv/range", R"({"key":")" + base64("/t/k") + "\"}");
  ASSERT_TRUE(range);
  EXPECT_NE(range->find(base64("v")), std::string::npos) << *range;
}

TEST(EtcdCluster, ThreeMembersServeWithOneKilledAndTakeItBack) {
  REQUIRE_ETCD();
  auto etcd = EtcdCluster::start(3);
  const std::string endpoints = etcd->endpoints();
  EXPECT_EQ(2, std::count(endpoints.begin(), endpoints.end(), ','));
  etcd->kill(0);
  EXPECT_FALSE(etcd->running(0));
  const std::string put = R"({"key":")" + base64("/t/k") + R"(","value":")" + base64("w") + "\"}";
  bool stored = false;
  for (int attempt = 0; attempt < 50 && !stored; ++attempt) {  // a new leader may be elected first
    stored = etcd->gateway(1, "/v3/kv/put", put).has_value();
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(stored) << etcd->log(1);
  etcd->restart(0);
  EXPECT_TRUE(etcd->healthy(0));
}

}  // namespace
}  // namespace gemstone::testing
