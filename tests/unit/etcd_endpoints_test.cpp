#include "registry/store/etcd/etcd_endpoints.hpp"

#include <gtest/gtest.h>

namespace gemstone::registry::etcd {
namespace {

TEST(EtcdEndpointsTest, ParsesEachUrlWithEtcdsPortByDefault) {
  auto endpoints = parse_endpoints("http://10.0.0.1:2379, http://[::1]:12379/ ,http://etcd3");
  ASSERT_TRUE(endpoints.ok()) << endpoints.error();
  ASSERT_EQ(endpoints.value().size(), 3u);
  EXPECT_EQ(endpoints.value()[0].host, "10.0.0.1");
  EXPECT_EQ(endpoints.value()[0].port, 2379);
  EXPECT_EQ(endpoints.value()[1].host, "::1");
  EXPECT_EQ(endpoints.value()[1].port, 12379);
  EXPECT_EQ(endpoints.value()[2].host, "etcd3");
  EXPECT_EQ(endpoints.value()[2].port, 2379);
  EXPECT_FALSE(endpoints.value()[0].tls);
  auto secure = parse_endpoints("https://e1:2379");
  ASSERT_TRUE(secure.ok());
  EXPECT_TRUE(secure.value()[0].tls);
}

TEST(EtcdEndpointsTest, RefusesWhatIsNoEndpointList) {
  for (const char* text : {"", " ", "http://h:1,", "etcd:2379", "ftp://h", "http://h:1/v3/kv",
                           "http://user@h:1", "http://h:0", "http://a,https://b", "http://h 1"}) {
    EXPECT_FALSE(parse_endpoints(text).ok()) << text;
  }
}

}  // namespace
}  // namespace gemstone::registry::etcd
