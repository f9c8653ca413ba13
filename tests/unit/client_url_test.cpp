// gemstone/url.hpp: the http(s) URLs clients connect to and services register.

#include <optional>
#include <string>

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

TEST_P(ClientUrlInvalid, IsRefusedWithAReason) {
  auto u = parse_url(GetParam());
  ASSERT_FALSE(u.ok()) << GetParam();
  EXPECT_FALSE(u.error().empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, ClientUrlInvalid,
                         ::testing::Values("", "localhost:8000", "ftp://h/x", "http://", "http:///api",
                                           "http://h:0/", "http://h:65536/", "http://h:x/",
                                           "http://h:/", "http://[::1/", "http://u:p@h/",
                                           "http://h/a b", "http://[h]/",
                                           "http://[10.0.0.1]/", "http://h/#a b", "http://h:123456/"));

// Control characters could end up in a request line or a header.
TEST(ClientUrl, RefusesControlCharactersAnywhere) {
  using namespace std::string_literals;
  for (const std::string& url : {"http://h\0/api"s, "http://10.0.0.1\0\r\nX-Evil: 1/"s, "http://h/a\rb"s,
                                 "http://h/a\nb"s, "http://h/api?\x01"s, "http://h/api#\x7f"s}) {
    auto u = parse_url(url);
    EXPECT_FALSE(u.ok()) << "accepted " << url.size() << " bytes: " << url;
  }
}

TEST(ClientUrl, QueryWithoutPathGetsASlash) {
  auto u = parse_url("http://h?x=1");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u.value().path, "/?x=1");
}

TEST(ClientUrl, PortsAreOneToFiveDigits) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("08080"), 8080);
  EXPECT_EQ(parse_port("65535"), 65535);
  for (const char* text : {"", "0", "65536", "008080", "-1", "+1", "1 ", "x"}) {
    EXPECT_EQ(parse_port(text), std::nullopt) << "\"" << text << "\"";
  }
}

TEST(ClientUrl, BracketsOnlyIpv6Hosts) {
  EXPECT_EQ(bracket_host("::1"), "[::1]");
  EXPECT_EQ(bracket_host("[::1]"), "[::1]");
  EXPECT_EQ(bracket_host("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(bracket_host("example.com"), "example.com");
  EXPECT_EQ(url_authority("2001:db8::1", 8000), "[2001:db8::1]:8000");
  EXPECT_EQ(url_authority("h", 1), "h:1");
}

TEST(ClientUrl, MakeUrlRoundTripsThroughParseUrl) {
  EXPECT_EQ(make_url(false, "::1", 8000, "/api"), "http://[::1]:8000/api");
  EXPECT_EQ(make_url(true, "h.example", 443, "/rpc"), "https://h.example:443/rpc");
  for (const char* host : {"h", "10.0.0.1", "::1", "2001:db8::5"}) {
    auto u = parse_url(make_url(true, host, 4321, "/x"));
    ASSERT_TRUE(u.ok()) << host << ": " << u.error();
    EXPECT_TRUE(u.value().tls);
    EXPECT_EQ(u.value().host, host);
    EXPECT_EQ(u.value().port, 4321);
    EXPECT_EQ(u.value().path, "/x");
  }
}

}  // namespace
}  // namespace gemstone
