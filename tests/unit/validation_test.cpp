#include "registry/api/validation.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace gemstone::registry {
namespace {

using namespace std::string_literals;

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// A hostname of exactly `length` characters made of valid labels.
std::string hostname_of_length(std::size_t length) {
  std::string out;
  while (out.size() < length) {
    if (!out.empty()) out += '.';
    const std::size_t room = length - out.size();
    out += std::string(room < 63 ? room : 63, 'a');
  }
  return out;
}

void expect_refused_name(std::string_view name) {
  const auto why = check_service_name(name);
  ASSERT_TRUE(why.has_value()) << "accepted name: \"" << name << "\"";
  EXPECT_FALSE(why->empty());
}

void expect_refused_host(std::string_view host) {
  const auto why = check_host(host);
  ASSERT_TRUE(why.has_value()) << "accepted host: \"" << host << "\"";
  EXPECT_FALSE(why->empty());
}

void expect_refused_url(std::string_view url) {
  const auto parts = parse_service_url(url);
  ASSERT_FALSE(parts.ok()) << "accepted url: \"" << url << "\" as host " << parts.value().host
                           << " port " << parts.value().port;
  EXPECT_FALSE(parts.error().empty());
}

// --- service names ---

TEST(ServiceNameTest, AcceptsOrdinaryNames) {
  EXPECT_EQ(check_service_name("svc"), std::nullopt);
  EXPECT_EQ(check_service_name("gemstone.registry"), std::nullopt);
  EXPECT_EQ(check_service_name("a-b_c.d:1/2"), std::nullopt);
  EXPECT_EQ(check_service_name("x"), std::nullopt);
}

TEST(ServiceNameTest, AcceptsNonAsciiLetters) {
  EXPECT_EQ(check_service_name("caf\xc3\xa9.\xe6\x9c\x8d\xe5\x8a\xa1"), std::nullopt);
}

TEST(ServiceNameTest, RefusesEmptyName) { expect_refused_name(""); }

TEST(ServiceNameTest, Accepts255Characters) {
  EXPECT_EQ(check_service_name(std::string(255, 'a')), std::nullopt);
}

TEST(ServiceNameTest, Refuses256Characters) { expect_refused_name(std::string(256, 'a')); }

TEST(ServiceNameTest, CountsCharactersNotBytes) {
  EXPECT_EQ(check_service_name(repeat("\xc3\xa9", 255)), std::nullopt);
  expect_refused_name(repeat("\xc3\xa9", 256));
}

TEST(ServiceNameTest, RefusesGlobCharacters) {
  expect_refused_name("svc*");
  expect_refused_name("svc?");
  expect_refused_name("svc[1]");
  expect_refused_name("svc[");
  expect_refused_name("svc]");
}

TEST(ServiceNameTest, RefusesWhitespace) {
  expect_refused_name("my svc");
  expect_refused_name("my\tsvc");
  expect_refused_name("svc\n");
  expect_refused_name(" svc");
  expect_refused_name("my\xc2\xa0svc");      // no-break space
  expect_refused_name("my\xe3\x80\x80svc");  // ideographic space
}

TEST(ServiceNameTest, RefusesControlCharacters) {
  expect_refused_name("svc\x01");
  expect_refused_name("svc\x7f");
  expect_refused_name("svc\0x"s);
  expect_refused_name("svc\xc2\x85");  // NEL, a C1 control
}

TEST(ServiceNameTest, RefusesNulCrAndLfAnywhere) {
  for (const std::string& name : {"\0svc"s, "s\0vc"s, "svc\0"s, "svc\r"s, "s\rvc"s, "\nsvc"s,
                                  "svc\r\nX-Evil: 1"s, "svc\x1b[31m"s, "svc\x08"s}) {
    expect_refused_name(name);
  }
}

TEST(ServiceNameTest, RefusesInvalidUtf8) {
  expect_refused_name("svc\x80");          // a stray continuation byte
  expect_refused_name("svc\xc3");          // a truncated sequence
  expect_refused_name("svc\xed\xb0\x80");  // an encoded surrogate
  expect_refused_name("svc\xc0\xae");      // an overlong '.'
}

// --- hosts ---

TEST(HostTest, AcceptsHostnames) {
  EXPECT_EQ(check_host("localhost"), std::nullopt);
  EXPECT_EQ(check_host("example.com"), std::nullopt);
  EXPECT_EQ(check_host("a-b.example.com"), std::nullopt);
  EXPECT_EQ(check_host("example.com."), std::nullopt);
  EXPECT_EQ(check_host("host1"), std::nullopt);
}

TEST(HostTest, AcceptsHostnameWithUnderscore) {
  EXPECT_EQ(check_host("my_service.internal"), std::nullopt);
}

TEST(HostTest, AcceptsIpv4) {
  EXPECT_EQ(check_host("127.0.0.1"), std::nullopt);
  EXPECT_EQ(check_host("10.255.0.3"), std::nullopt);
}

TEST(HostTest, AcceptsIpv6WithOrWithoutBrackets) {
  EXPECT_EQ(check_host("::1"), std::nullopt);
  EXPECT_EQ(check_host("2001:db8::1"), std::nullopt);
  EXPECT_EQ(check_host("[::1]"), std::nullopt);
  EXPECT_EQ(check_host("[2001:db8::1]"), std::nullopt);
}

TEST(HostTest, RefusesEmptyHost) { expect_refused_host(""); }

TEST(HostTest, RefusesBadCharacters) {
  expect_refused_host("bad host");
  expect_refused_host("host/path");
  expect_refused_host("host:80");
  expect_refused_host("h\xc3\xa9");
  expect_refused_host("a@b");
  expect_refused_host("host\n");
}

TEST(HostTest, RefusesMalformedLabels) {
  expect_refused_host("a..b");
  expect_refused_host(".a");
  expect_refused_host("-a.com");
  expect_refused_host("a-.com");
  expect_refused_host(".");
  expect_refused_host(std::string(64, 'a') + ".com");
}

TEST(HostTest, Accepts253Characters) {
  const std::string host = hostname_of_length(253);
  ASSERT_EQ(host.size(), 253u);
  EXPECT_EQ(check_host(host), std::nullopt);
}

TEST(HostTest, Refuses254Characters) {
  const std::string host = hostname_of_length(254);
  ASSERT_EQ(host.size(), 254u);
  expect_refused_host(host);
}

TEST(HostTest, RefusesBracketsAroundAnythingButIpv6) {
  expect_refused_host("[localhost]");
  expect_refused_host("[127.0.0.1]");
  expect_refused_host("[::1");
  expect_refused_host("::1]");
  expect_refused_host("[]");
}

TEST(HostTest, RefusesNumericNamesThatAreNotIpv4) {
  for (const char* host : {"999.1.1.1", "127.1", "0x7f.1", "1.2.3.4.5", "12345"}) {
    expect_refused_host(host);
  }
}

TEST(HostTest, RefusesInvalidIpv6) { expect_refused_host("[1:2:3:4:5:6:7:8:9]"); }

// An address followed by a NUL once passed (the address parser stopped at
// the NUL), and the CR LF after it went back out in every answer.
TEST(HostTest, RefusesControlCharactersAfterAValidAddress) {
  for (const std::string& host :
       {"10.0.0.1\0\r\nX-Evil: 1"s, "10.0.0.1\0"s, "::1\0"s, "[::1\0]"s, "[::1]\0"s,
        "localhost\0"s, "10.0.0.1\r"s, "10.0.0.1\n"s, "\r\n10.0.0.1"s, "h\x01"s, "h\x7f"s, "h\x1b"s}) {
    expect_refused_host(host);
  }
}

TEST(NormalizeHostTest, StripsBracketsOfIpv6) {
  EXPECT_EQ(normalize_host("[::1]"), "::1");
  EXPECT_EQ(normalize_host("::1"), "::1");
  EXPECT_EQ(normalize_host("example.com"), "example.com");
}

// --- ports ---

TEST(PortTextTest, AcceptsOneTo65535) {
  EXPECT_EQ(parse_port_text("1").value(), 1);
  EXPECT_EQ(parse_port_text("8000").value(), 8000);
  EXPECT_EQ(parse_port_text("65535").value(), 65535);
}

TEST(PortTextTest, AcceptsLeadingZeros) { EXPECT_EQ(parse_port_text("08080").value(), 8080); }

TEST(PortTextTest, RefusesZero) { EXPECT_FALSE(parse_port_text("0").ok()); }

TEST(PortTextTest, Refuses65536) { EXPECT_FALSE(parse_port_text("65536").ok()); }

TEST(PortTextTest, RefusesNonDigits) {
  for (const char* text : {"", "abc", "-1", "+1", " 80", "80 ", "1.5", "8o", "0x50", "123456",
                           "99999", "4294967297"}) {
    EXPECT_FALSE(parse_port_text(text).ok()) << "\"" << text << "\"";
  }
}

// --- URLs ---

TEST(ServiceUrlTest, TakesHostAndExplicitPort) {
  auto parts = parse_service_url("http://h.example:8080/api");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().host, "h.example");
  EXPECT_EQ(parts.value().port, 8080);
}

TEST(ServiceUrlTest, DefaultsPortToEightyForHttp) {
  auto parts = parse_service_url("http://h/api");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().host, "h");
  EXPECT_EQ(parts.value().port, 80);
}

TEST(ServiceUrlTest, DefaultsPortTo443ForHttps) {
  auto parts = parse_service_url("https://h/api");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().port, 443);
}

TEST(ServiceUrlTest, AcceptsUrlWithoutPath) {
  auto parts = parse_service_url("http://h:9");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().host, "h");
  EXPECT_EQ(parts.value().port, 9);
}

TEST(ServiceUrlTest, AcceptsUppercaseScheme) {
  auto http = parse_service_url("HTTP://h:1/api");
  ASSERT_TRUE(http.ok()) << http.error();
  EXPECT_EQ(http.value().port, 1);
  auto https = parse_service_url("HttpS://h/api");
  ASSERT_TRUE(https.ok()) << https.error();
  EXPECT_EQ(https.value().port, 443);
}

TEST(ServiceUrlTest, TakesIpv6HostWithoutBrackets) {
  auto parts = parse_service_url("http://[::1]:8000/api");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().host, "::1");
  EXPECT_EQ(parts.value().port, 8000);
  auto default_port = parse_service_url("https://[2001:db8::1]/");
  ASSERT_TRUE(default_port.ok()) << default_port.error();
  EXPECT_EQ(default_port.value().host, "2001:db8::1");
  EXPECT_EQ(default_port.value().port, 443);
}

TEST(ServiceUrlTest, AcceptsPathQueryAndFragment) {
  auto parts = parse_service_url("http://h:1/a/b?x=1&y=:2#frag");
  ASSERT_TRUE(parts.ok()) << parts.error();
  EXPECT_EQ(parts.value().host, "h");
  EXPECT_EQ(parts.value().port, 1);
  auto query_only = parse_service_url("http://h?x=1");
  ASSERT_TRUE(query_only.ok()) << query_only.error();
  EXPECT_EQ(query_only.value().host, "h");
  EXPECT_EQ(query_only.value().port, 80);
}

TEST(ServiceUrlTest, RefusesCredentials) {
  expect_refused_url("http://user:pw@h:1/api");
  expect_refused_url("http://user@h/api");
}

TEST(ServiceUrlTest, RefusesMissingHost) {
  expect_refused_url("http:///api");
  expect_refused_url("http://:80/api");
  expect_refused_url("http://");
  expect_refused_url("https://?x");
}

TEST(ServiceUrlTest, RefusesBadPort) {
  expect_refused_url("http://h:0/api");
  expect_refused_url("http://h:65536/api");
  expect_refused_url("http://h:abc/api");
  expect_refused_url("http://h:-1/api");
  expect_refused_url("http://[::1]:x/api");
}

TEST(ServiceUrlTest, RefusesOtherSchemesAndRelativeUrls) {
  expect_refused_url("ftp://h/api");
  expect_refused_url("ws://h/api");
  expect_refused_url("h:80/api");
  expect_refused_url("//h/api");
  expect_refused_url("/api");
  expect_refused_url("http:/h/api");
  expect_refused_url("");
}

TEST(ServiceUrlTest, RefusesBadHost) {
  expect_refused_url("http://bad_host!/api");
  expect_refused_url("http://a..b/api");
  expect_refused_url("http://[::1/api");
  expect_refused_url("http://[::1]x/api");
  expect_refused_url("http://[notv6]/api");
  expect_refused_url("http://::1/api");
}

TEST(ServiceUrlTest, RefusesWhitespaceAndControlCharacters) {
  expect_refused_url("http://h/a b");
  expect_refused_url("http://h/a\tb");
  expect_refused_url(" http://h/");
  expect_refused_url("http://h/\x7f");
}

TEST(ServiceUrlTest, RefusesNulCrLfAndOtherControlCharactersAnywhere) {
  for (const std::string& url :
       {"http://10.0.0.1\0/api"s, "http://10.0.0.1\0\r\nX-Evil: 1/api"s, "http://h/api\0"s,
        "http://h:80\0/api"s, "http://[::1\0]/api"s, "http://h/api\r\nX-Evil: 1"s, "http://h/a\nb"s,
        "http://h\r/api"s, "http\0://h/api"s, "http://h/api?x=\x01"s, "http://h/api#\n"s,
        "http://h/\x1b[31m"s}) {
    expect_refused_url(url);
  }
}

TEST(ServiceUrlTest, RefusesEmptyPort) {
  expect_refused_url("http://h:/api");
  expect_refused_url("http://[::1]:/api");
}

TEST(ServiceUrlTest, RefusesOverlongUrl) {
  expect_refused_url("http://h/" + std::string(2100, 'a'));
}

TEST(DefaultUrlTest, BuildsWhatTheOldClientBuilds) {
  EXPECT_EQ(default_url("h.example", 8000), "http://h.example:8000/api");
  EXPECT_EQ(default_url("127.0.0.1", 1), "http://127.0.0.1:1/api");
}

TEST(DefaultUrlTest, BracketsIpv6) { EXPECT_EQ(default_url("::1", 8000), "http://[::1]:8000/api"); }

TEST(DefaultUrlTest, RoundTripsThroughParseServiceUrl) {
  for (const char* host : {"h", "10.0.0.1", "::1", "2001:db8::5"}) {
    auto parts = parse_service_url(default_url(host, 4321));
    ASSERT_TRUE(parts.ok()) << host << ": " << parts.error();
    EXPECT_EQ(parts.value().host, host);
    EXPECT_EQ(parts.value().port, 4321);
  }
}

}  // namespace
}  // namespace gemstone::registry
