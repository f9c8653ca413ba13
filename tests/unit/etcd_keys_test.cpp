#include "registry/store/etcd/etcd_keys.hpp"

#include <gtest/gtest.h>

namespace gemstone::registry::etcd {
namespace {

TEST(EtcdKeysTest, InstanceKeysLiveUnderThePrefix) {
  const KeyLayout keys("/reg/");
  EXPECT_EQ(keys.instance_key("svc.a", "10.0.0.5", 8080), "/reg/instances/svc.a/10.0.0.5/8080");
  EXPECT_EQ(keys.instances(), "/reg/instances/");
  EXPECT_EQ(keys.marker(), "/reg/unregistered");
}

TEST(EtcdKeysTest, EveryIdentityComesBackWhateverTheNameHolds) {
  const KeyLayout keys("/reg/");
  struct Case {
    const char* name;
    const char* host;
    std::uint16_t port;
  };
  for (const Case& c : {Case{"svc", "h", 1}, Case{"a/b/c", "host.example", 65535},
                        Case{"svc/10.0.0.1/80", "::1", 8000}, Case{"x", "fe80::1:2", 443},
                        Case{"ünïcode.name", "h", 2}}) {
    auto id = keys.identity(keys.instance_key(c.name, c.host, c.port));
    ASSERT_TRUE(id) << c.name;
    EXPECT_EQ(id->name, c.name);
    EXPECT_EQ(id->host, c.host);
    EXPECT_EQ(id->port, c.port);
  }
}

TEST(EtcdKeysTest, OtherKeysAreNoInstances) {
  const KeyLayout keys("/reg/");
  for (const char* key : {"/reg/unregistered", "/reg/instances/", "/reg/instances/svc/h",
                          "/reg/instances/svc/h/0", "/reg/instances/svc/h/65536",
                          "/reg/instances/svc/h/08", "/reg/instances/svc/h/8x",
                          "/reg/instances//h/80", "/reg/instances/svc//80",
                          "/reg/instances/svc/h/", "/other/instances/svc/h/80"}) {
    EXPECT_FALSE(keys.identity(key)) << key;
  }
}

}  // namespace
}  // namespace gemstone::registry::etcd
