// Access control, capacity and TLS against the real daemon.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
using rapidjson::Document;

// ctest runs tests in parallel processes that share TempDir(): the pid
// keeps one test's files from being rewritten under another's daemon.
std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name + "." + std::to_string(getpid());
  std::ofstream(path) << text;
  return path;
}

httplib::Result post_with(RegistryProcess& registry, const std::string& body, const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", registry.port());
  client.set_read_timeout(10);
  client.set_tcp_nodelay(true);
  return client.Post("/api", headers, body, "application/json");
}

const std::string kPing = R"({"jsonrpc":"2.0","method":"ping","params":["payments","10.0.0.9",443],"id":1})";
const std::string kLocate = R"({"jsonrpc":"2.0","method":"locate_service","params":["*"],"id":2})";

class WriteTokenTest : public ::testing::Test {
 protected:
  std::string tokens_ = write_file("write_tokens", "# deployers\nw-token-1\nw-token-2\n");
  RegistryProcess registry_{{"--write-token-file", tokens_}};
};

TEST_F(WriteTokenTest, PingWithoutTokenIsDeniedAndChangesNothing) {
  auto res = post_with(registry_, kPing, {});
  ASSERT_TRUE(res);
  EXPECT_EQ(error_code_of(res->body), -32001);
  EXPECT_NE(res->body.find("Access denied"), std::string::npos);
  auto located = post_with(registry_, kLocate, {});
  ASSERT_TRUE(located);
  EXPECT_NE(located->body.find("\"result\":[]"), std::string::npos) << "reads stay open: " << located->body;
}

TEST_F(WriteTokenTest, WrongTokenIsDenied) {
  for (const httplib::Headers& h : {httplib::Headers{{"Authorization", "Bearer nope"}},
                                    httplib::Headers{{"X-Api-Token", "w-token-"}},
                                    httplib::Headers{{"Authorization", "Basic dy10b2tlbi0x"}}}) {
    auto res = post_with(registry_, kPing, h);
    ASSERT_TRUE(res);
    EXPECT_EQ(error_code_of(res->body), -32001);
  }
}

TEST_F(WriteTokenTest, BearerAndApiTokenHeadersAreAccepted) {
  auto bearer = post_with(registry_, kPing, {{"Authorization", "Bearer w-token-1"}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(error_code_of(bearer->body), 0) << bearer->body;
  auto api = post_with(registry_, R"({"jsonrpc":"2.0","method":"unregister","params":["payments","10.0.0.9",443],"id":3})",
                       {{"X-Api-Token", "w-token-2"}});
  ASSERT_TRUE(api);
  EXPECT_NE(api->body.find("\"result\":true"), std::string::npos) << api->body;
}

TEST_F(WriteTokenTest, BatchIsJudgedPerCall) {
  auto res = post_with(registry_, "[" + kPing + "," + kLocate + "]", {});
  ASSERT_TRUE(res);
  Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsArray()) << res->body;
  EXPECT_EQ(doc[0]["error"]["code"].GetInt(), -32001);
  EXPECT_TRUE(doc[1]["result"].IsArray());
}

TEST_F(WriteTokenTest, DenialsAreCountedAndTokensNeverLogged) {
  post_with(registry_, kPing, {{"Authorization", "Bearer w-token-1"}});
  post_with(registry_, kPing, {});
  auto metrics = registry_.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("method=\"ping\",outcome=\"access_denied\"} 1"), std::string::npos);
  EXPECT_EQ(registry_.stop(), 0);
  EXPECT_EQ(registry_.process().err().find("w-token"), std::string::npos) << registry_.process().err();
}

TEST(ReadTokenTest, ReadsNeedAReadOrWriteToken) {
  const std::string reads = write_file("read_tokens", "r-token\n");
  const std::string writes = write_file("write_tokens2", "w-token\n");
  RegistryProcess registry({"--read-token-file", reads, "--write-token-file", writes});
  auto none = post_with(registry, kLocate, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(error_code_of(none->body), -32001);
  auto reader = post_with(registry, kLocate, {{"Authorization", "Bearer r-token"}});
  ASSERT_TRUE(reader);
  EXPECT_EQ(error_code_of(reader->body), 0);
  auto writer = post_with(registry, kLocate, {{"Authorization", "Bearer w-token"}});
  ASSERT_TRUE(writer);
  EXPECT_EQ(error_code_of(writer->body), 0);
  auto reader_writes = post_with(registry, kPing, {{"Authorization", "Bearer r-token"}});
  ASSERT_TRUE(reader_writes);
  EXPECT_EQ(error_code_of(reader_writes->body), -32001);
  auto health = registry.get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << "health stays open for probes";
}

TEST(TokenFileTest, MissingOrEmptyTokenFileStopsTheStart) {
  const std::string empty = write_file("empty_tokens", "# none yet\n\n");
  for (const std::string& file : {std::string("/nonexistent/tokens"), empty}) {
    auto result = run(registry_binary(), {"--port", "0", "--write-token-file", file},
                      with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_NE(result.err.find(file), std::string::npos) << result.err;
  }
}

TEST(CapacityTest, FullRegistryRefusesNewInstancesButRenewsOld) {
  RegistryProcess registry({"--max-instances", "2"});
  EXPECT_EQ(error_code_of(registry.post(R"({"jsonrpc":"2.0","method":"ping","params":["a","h",1],"id":1})")->body), 0);
  EXPECT_EQ(error_code_of(registry.post(R"({"jsonrpc":"2.0","method":"ping","params":["a","h",2],"id":1})")->body), 0);
  auto full = registry.post(R"({"jsonrpc":"2.0","method":"ping","params":["b","h",1],"id":1})");
  ASSERT_TRUE(full);
  EXPECT_EQ(error_code_of(full->body), -32002);
  EXPECT_NE(full->body.find("Registry full"), std::string::npos);
  EXPECT_EQ(error_code_of(registry.post(R"({"jsonrpc":"2.0","method":"ping","params":["a","h",1],"id":1})")->body), 0)
      << "renewals still work";
  auto metrics = registry.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("method=\"ping\",outcome=\"registry_full\"} 1"), std::string::npos);
}

TEST(LimitsTest, NameAndHostLengthLimitsAreConfigurable) {
  RegistryProcess registry({"--max-name-length", "10", "--max-host-length", "12"});
  auto name = registry.call("ping", R"(["abcdefghijk","h",1])");
  EXPECT_EQ(name["error"]["code"].GetInt(), -32602);
  EXPECT_STREQ(name["error"]["data"]["field"].GetString(), "name");
  EXPECT_NE(std::string(name["error"]["message"].GetString()).find("at most 10 characters"), std::string::npos);
  auto host = registry.call("ping", R"(["svc","host.example.org",1])");
  EXPECT_STREQ(host["error"]["data"]["field"].GetString(), "host");
  auto url = registry.call("ping", R"(["svc","http://host.example.org:1/api"])");
  EXPECT_STREQ(url["error"]["data"]["field"].GetString(), "url");
  EXPECT_TRUE(registry.call("ping", R"(["abcdefghij","host.example",1])")["result"].IsObject());
}

TEST(LimitsTest, OversizedHeadersGet431AndAreCounted) {
  RegistryProcess registry({"--max-header-bytes", "1024"});
  httplib::Headers many;
  for (int i = 0; i < 20; ++i) many.emplace("X-Filler-" + std::to_string(i), std::string(100, 'f'));
  auto res = post_with(registry, kLocate, many);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(error_code_of(res->body), -32600);
  auto ok = post_with(registry, kLocate, {{"X-Small", "1"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto metrics = registry.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rejected_requests_total{reason=\"header_too_large\"} 1"), std::string::npos);
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = ::testing::TempDir() + "tls." + std::to_string(getpid()) + ".";
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir_ + "tls_key.pem -out " +
                            dir_ + "tls_cert.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  }
  static std::string dir_;
};
std::string TlsTest::dir_;

TEST_F(TlsTest, ServesHttpsWithTheGivenCertificate) {
  RegistryProcess registry({"--tls-cert", dir_ + "tls_cert.pem", "--tls-key", dir_ + "tls_key.pem"});
  EXPECT_NE(registry.process().err().find("listening on https://"), std::string::npos);
  httplib::SSLClient client("127.0.0.1", registry.port());
  client.set_ca_cert_path((dir_ + "tls_cert.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(10);
  auto res = client.Post("/api", kPing, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(error_code_of(res->body), 0) << res->body;

  httplib::SSLClient untrusting("127.0.0.1", registry.port());
  untrusting.set_ca_cert_path("/dev/null");
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_read_timeout(10);
  EXPECT_FALSE(untrusting.Post("/api", kPing, "application/json")) << "an unknown certificate is refused";

  httplib::Client plain("127.0.0.1", registry.port());
  plain.set_read_timeout(5);
  auto cleartext = plain.Post("/api", kPing, "application/json");
  EXPECT_TRUE(!cleartext || cleartext->status >= 400) << "plain HTTP is not served";
}

TEST_F(TlsTest, BadCertificateStopsTheStart) {
  const std::string bogus = write_file("bogus.pem", "not a certificate\n");
  auto result = run(registry_binary(), {"--port", "0", "--tls-cert", bogus, "--tls-key", bogus},
                    with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.status, -1);
  EXPECT_NE(result.err.find("TLS"), std::string::npos) << result.err;
  auto half = run(registry_binary(), {"--port", "0", "--tls-cert", bogus},
                  with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
  EXPECT_EQ(half.status, 2);
  EXPECT_NE(half.err.find("together"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace gemstone::testing
