// gemstone call / call_raw -v: each HTTP request and response on stderr as
// it went and came (curl -v style, tokens masked), stdout unchanged.

#include <gtest/gtest.h>

#include <string>

#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

const std::string kToken = "tok-verbose-5b1c-DO-NOT-PRINT";

TEST(Verbose, CallRawShowsRequestAndResponseAndLeavesStdoutAlone) {
  TestServiceProcess service;
  auto plain = run_gemstone({"call_raw", "-q", service.api_url(), "add", "a:=1", "b:=2"});
  auto r = run_gemstone({"call_raw", "-q", "-v", service.api_url(), "add", "a:=1", "b:=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
  EXPECT_EQ(r.out, "3\n");
  // Two exchanges: get_service_specs, then the call.
  EXPECT_EQ(count(r.err, "> POST /api HTTP/1.1\n"), 2u) << r.err;
  EXPECT_EQ(count(r.err, "< HTTP/1.1 200 OK\n"), 2u) << r.err;
  EXPECT_TRUE(contains(r.err, "* POST " + service.api_url() + "\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "> Host: 127.0.0.1:" + std::to_string(service.port()) + "\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "> Content-Type: application/json\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "< Content-Type: application/json")) << r.err;
  // Bodies as indented JSON, the request's params included.
  EXPECT_TRUE(contains(r.err, "  \"method\": \"add\",\n  \"params\": {\n    \"a\": 1,\n    \"b\": 2\n  },"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "  \"result\": 3,")) << r.err;
  EXPECT_TRUE(contains(r.err, "* answered in ")) << r.err;
}

TEST(Verbose, TokensAreMasked) {
  TestServiceProcess service({"--require-token", kToken});
  auto r = run_gemstone({"call_raw", "-q", "-v", "--token", kToken, "-H", "X-Api-Token: " + kToken,
                         service.api_url(), "add", "a:=1", "b:=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.err, kToken)) << r.err;
  EXPECT_FALSE(contains(r.out, kToken)) << r.out;
  EXPECT_TRUE(contains(r.err, "> X-Api-Token: ****\n")) << r.err;
  // -H gives no Authorization here, so --token's goes, masked but for its scheme.
  EXPECT_TRUE(contains(r.err, "> Authorization: Bearer ****\n")) << r.err;
}

TEST(Verbose, CallShowsTheRegistryExchangeToo) {
  RegistryProcess registry;
  TestServiceProcess service;
  ASSERT_TRUE(registry.call("ping", "{\"name\":\"calc\",\"url\":\"" + service.api_url() + "\"}").HasMember("result"));
  auto r = run_gemstone({"call", "-v", "--registry", registry.api_url(), "calc", "add", "a:=2", "b:=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "4\n");
  EXPECT_TRUE(contains(r.err, "* POST " + registry.api_url() + "\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "\"method\": \"locate_service\"")) << r.err;
  EXPECT_TRUE(contains(r.err, "* POST " + service.api_url() + "\n")) << r.err;
  // The [!] lines still come, between the exchanges.
  EXPECT_TRUE(contains(r.err, "[!] Result:")) << r.err;
}

TEST(Verbose, AFailedRequestSaysWhy) {
  const std::string down = closed_port_url();
  auto r = run_gemstone({"call_raw", "-v", down, "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_TRUE(contains(r.err, "> POST /api HTTP/1.1\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "* " + down + ": connection refused (after ")) << r.err;
  EXPECT_FALSE(contains(r.err, "< HTTP/1.1")) << r.err;
}

TEST(Verbose, AnErrorStatusIsShownAsItCame) {
  TestServiceProcess service({"--status", "503"});
  auto r = run_gemstone({"call_raw", "-v", service.api_url(), "add"});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "< HTTP/1.1 503")) << r.err;
}

}  // namespace
}  // namespace gemstone::testing
