// TLS to etcd: members that speak only https and want a client certificate
// (--client-cert-auth). With etcd_cacert, etcd_cert and etcd_key the node
// lists, pings and watches through them; without the CA or without a client
// certificate it never says ready, and says why.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "etcd_cluster.hpp"
#include "eventually.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

class EtcdTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_ETCD();
    char tmpl[] = "/tmp/gemstone-etcd-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    tls_ = make_etcd_tls(dir_);
    etcd_ = EtcdCluster::start(1, tls_);
  }
  void TearDown() override {
    etcd_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  std::vector<std::string> args(bool ca, bool client_cert) const {
    std::vector<std::string> out = {"--backend", "etcd", "--etcd-endpoints", etcd_->endpoints(),
                                    "--etcd-prefix", "/tls/", "--etcd-timeout", "1"};
    if (ca) out.insert(out.end(), {"--etcd-cacert", tls_.ca});
    if (client_cert) out.insert(out.end(), {"--etcd-cert", tls_.client_cert, "--etcd-key", tls_.client_key});
    return out;
  }
  static int health_status(RegistryProcess& node) {
    auto res = node.get("/health");
    return res ? res->status : 0;
  }

  std::string dir_;
  EtcdTls tls_;
  std::unique_ptr<EtcdCluster> etcd_;
};

TEST_F(EtcdTlsTest, WithTheCaAndAClientCertificateTwoNodesShareOneView) {
  ASSERT_EQ(etcd_->endpoints().rfind("https://", 0), 0u) << etcd_->endpoints();
  RegistryProcess a(args(true, true));
  RegistryProcess b(args(true, true));
  ASSERT_TRUE(eventually([&] { return health_status(a) == 200 && health_status(b) == 200; }, 10s))
      << a.process().err();
  auto pinged = a.call("ping", R"({"name":"secure.svc","host":"127.0.0.1","port":9001})");
  ASSERT_TRUE(pinged.HasMember("result")) << a.process().err();
  EXPECT_TRUE(eventually([&] { return located_count(b, "secure.*") == 1; }, 2s));
  // What the nodes wrote is in etcd, under the prefix.
  auto range = etcd_->gateway(0, "/v3/kv/range",
                              R"({"key":")" + base64("/tls/") + R"(","range_end":")" + base64("/tls0") +
                                  R"(","count_only":true})");
  ASSERT_TRUE(range);
  EXPECT_NE(range->find("\"count\":\"1\""), std::string::npos) << *range;
}

TEST_F(EtcdTlsTest, WithoutAClientCertificateOrTheCaTheNodeIsNeverReady) {
  RegistryProcess no_cert(args(true, false));
  RegistryProcess no_ca(args(false, true));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(health_status(no_cert), 503);
  EXPECT_EQ(health_status(no_ca), 503);
  auto refused = no_cert.call("ping", R"({"name":"x","host":"127.0.0.1","port":1})");
  ASSERT_TRUE(refused.HasMember("error"));
  EXPECT_EQ(refused["error"]["code"].GetInt(), -32003);
  EXPECT_NE(no_ca.process().err().find("etcd"), std::string::npos) << no_ca.process().err();
}

}  // namespace
}  // namespace gemstone::testing
