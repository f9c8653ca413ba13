// parse_url: the endpoints a client accepts.

#include <gtest/gtest.h>

#include "gemstone/url.hpp"

namespace gemstone {
namespace {

TEST(ClientUrl, HttpWithPortAndPath) {
  auto u = parse_url("http://127.0.0.1:8000/api");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u.value().tls);
  EXPECT_EQ(u.value().host, "127.0.0.1");
  EXPECT_EQ(u.value().port, 8000);
  EXPECT_EQ(u.value().path, "/api");
  EXPECT_EQ(u.value().text, "http://127.0.0.1:8000/api");
}

TEST(ClientUrl, DefaultPortsBySchemeAndCaseInsensitiveScheme) {
  EXPECT_EQ(parse_url("http://example.com/x").value().port, 80);
  auto u = parse_url("HTTPS://example.com/x");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u.value().tls);
  EXPECT_EQ(u.value().port, 443);
}

TEST(ClientUrl, NoPathMeansApi) {
  auto u = parse_url("http://example.com:9000");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value().path, "/api");
  EXPECT_EQ(u.value().text, "http://example.com:9000/api");
}

TEST(ClientUrl, QueryIsKeptAndFragmentDropped) {
  auto u = parse_url("http://h/rpc?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value().path, "/rpc?x=1");
}

TEST(ClientUrl, Ipv6Literal) {
  auto u = parse_url("http://[::1]:8000/api");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value().host, "::1");
  EXPECT_EQ(u.value().port, 8000);
}

class ClientUrlInvalid : public ::testing::TestWithParam<const char*> {};

TEST_P(ClientUrlInvalid, IsAnInvalidUrlError) {
  auto u = parse_url(GetParam());
  ASSERT_FALSE(u.ok()) << GetParam();
  EXPECT_EQ(u.error().kind, ErrorKind::kInvalidUrl);
  EXPECT_FALSE(u.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, ClientUrlInvalid,
                         ::testing::Values("", "localhost:8000", "ftp://h/x", "http://", "http:///api",
                                           "http://h:0/", "http://h:65536/", "http://h:x/",
                                           "http://h:/", "http://[::1/", "http://u:p@h/",
                                           "http://h/a b"));

}  // namespace
}  // namespace gemstone
