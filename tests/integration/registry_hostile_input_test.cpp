// Requests that are well-formed HTTP and JSON but built to be read two
// ways, to smuggle bytes into what the registry hands out, or to cost far
// more than they weigh. Each against the real daemon: the right error,
// nothing changed, and the daemon still serving.

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "raw_http.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using rapidjson::Document;

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name + "." + std::to_string(getpid());
  std::ofstream(path) << text;
  return path;
}

class RegistryHostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Document doc = registry_.call("ping", R"(["victim.svc","10.0.0.7",7])");
    ASSERT_TRUE(doc["result"].IsObject());
  }
  RegistryProcess registry_;
};

TEST_F(RegistryHostileInputTest, RepeatedMethodMemberRunsNeitherMethod) {
  auto res = registry_.post(
      R"({"jsonrpc":"2.0","method":"unregister","method":"ping","params":["victim.svc","10.0.0.7",7],"id":1})");
  ASSERT_TRUE(res);
  EXPECT_EQ(error_code_of(res->body), -32600) << res->body;
  EXPECT_EQ(located_count(registry_, "victim.*"), 1u);
}

TEST_F(RegistryHostileInputTest, RepeatedParamIsInvalidParamsAndRegistersNothing) {
  auto res = registry_.post(
      R"({"jsonrpc":"2.0","method":"ping","params":{"name":"a.svc","name":"b.svc","host":"h","port":1},"id":1})");
  ASSERT_TRUE(res);
  EXPECT_EQ(error_code_of(res->body), -32602) << res->body;
  EXPECT_NE(res->body.find("name"), std::string::npos) << res->body;
  EXPECT_EQ(located_count(registry_, "*.svc"), 1u);
}

TEST_F(RegistryHostileInputTest, IdsAreEchoedAsSent) {
  for (const std::string id : {"-9223372036854775809", "123456789012345678901234567890", "1e3", "0.5"}) {
    auto res = registry_.post(R"({"jsonrpc":"2.0","method":"list_services","id":)" + id + "}");
    ASSERT_TRUE(res);
    EXPECT_NE(res->body.find("\"id\":" + id + "}"), std::string::npos) << res->body;
  }
}

TEST_F(RegistryHostileInputTest, ControlCharactersAreRefusedInEveryField) {
  const std::string nul = "\\u0000";
  for (const std::string& params : std::vector<std::string>{
           R"(["nul.x","10.0.0.1)" + nul + R"(\r\nX-Evil: 1",80])", R"(["nul)" + nul + R"(.x","10.0.0.1",80])",
        R"(["ctl\u0001.x","10.0.0.1",80])", R"(["nul.x","host\u007f.example",80])",
        R"(["nul.x","http://10.0.0.1)" + nul + R"(/api"])", R"(["nul.x","http://10.0.0.1:80/api\r\nX: 1"])",
        R"(["nul.x","http://10.0.0.1:80/a\tpi"])"}) {
    Document doc = registry_.call("ping", params);
    ASSERT_TRUE(doc.HasMember("error") && doc["error"].IsObject()) << params;
    EXPECT_EQ(doc["error"]["code"].GetInt(), -32602) << params;
  }
  EXPECT_EQ(located_count(registry_, "*"), 1u);
}

TEST_F(RegistryHostileInputTest, OneEndpointIsOneInstanceWhateverItsSpelling) {
  for (const char* host : {"Host.Example", "host.example", "HOST.EXAMPLE."}) {
    Document doc = registry_.call("ping", std::string(R"(["same.dns",")") + host + R"(",80])");
    ASSERT_TRUE(doc["result"].IsObject()) << host;
    EXPECT_STREQ(doc["result"]["host"].GetString(), "host.example");
  }
  for (const char* host : {"::1", "0:0:0:0:0:0:0:1", "[::1]", "0000::0001"}) {
    Document doc = registry_.call("ping", std::string(R"(["same.v6",")") + host + R"(",80])");
    ASSERT_TRUE(doc["result"].IsObject()) << host;
    EXPECT_STREQ(doc["result"]["host"].GetString(), "::1");
    EXPECT_STREQ(doc["result"]["url"].GetString(), "http://[::1]:80/api");
  }
  Document by_url = registry_.call("ping", R"(["same.url","http://HOST.Example.:8080/api"])");
  ASSERT_TRUE(by_url["result"].IsObject());
  EXPECT_STREQ(by_url["result"]["host"].GetString(), "host.example");
  EXPECT_EQ(located_count(registry_, "same.dns"), 1u);
  EXPECT_EQ(located_count(registry_, "same.v6"), 1u);
  Document gone = registry_.call("unregister", R"(["same.dns","HOST.example",80])");
  EXPECT_TRUE(gone["result"].IsTrue());
  EXPECT_EQ(located_count(registry_, "same.dns"), 0u);
}

TEST(RegistryResponseLimitTest, LargeAnswerIsRefusedNamingTheLimit) {
  RegistryProcess registry({"--max-response-bytes", "20000"});
  std::string batch = "[";
  for (int i = 0; i < 100; ++i) {
    batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","method":"ping","params":["big.)" +
             std::to_string(i) + "." + std::string(200, 'n') + R"(","10.0.0.1",80]})";
  }
  auto filled = registry.post(batch + "]");
  ASSERT_TRUE(filled);
  auto res = registry.post(R"({"jsonrpc":"2.0","method":"locate_service","params":["*"],"id":1})");
  ASSERT_TRUE(res);
  EXPECT_LE(res->body.size(), 20000u);
  EXPECT_EQ(error_code_of(res->body), -32005) << res->body.substr(0, 200);
  EXPECT_NE(res->body.find("Response too large"), std::string::npos);
  EXPECT_NE(res->body.find("20000"), std::string::npos);
  // What fits is still answered.
  auto one = registry.post(R"({"jsonrpc":"2.0","method":"locate_service","params":["big.1.*"],"id":2})");
  ASSERT_TRUE(one);
  EXPECT_EQ(error_code_of(one->body), 0) << one->body.substr(0, 200);
}

TEST(RegistryTokenHeadersTest, DisagreeingTokenHeadersAreDenied) {
  const std::string tokens = write_file("hostile_tokens", "good-token\n");
  RegistryProcess registry({"--write-token-file", tokens});
  const std::string ping = R"({"jsonrpc":"2.0","method":"ping","params":["t.svc","10.0.0.1",80],"id":1})";
  auto post = [&](const httplib::Headers& headers) {
    httplib::Client client("127.0.0.1", registry.port());
    client.set_read_timeout(10);
    return client.Post("/api", headers, ping, "application/json");
  };
  auto both_good = post({{"Authorization", "Bearer good-token"}, {"X-Api-Token", "good-token"}});
  ASSERT_TRUE(both_good);
  EXPECT_EQ(error_code_of(both_good->body), 0) << both_good->body;
  for (const httplib::Headers& headers :
       {httplib::Headers{{"Authorization", "Bearer good-token"}, {"X-Api-Token", "other"}},
        httplib::Headers{{"Authorization", "Bearer other"}, {"X-Api-Token", "good-token"}}}) {
    auto res = post(headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(error_code_of(res->body), -32001) << res->body;
  }
  std::remove(tokens.c_str());
}

TEST(RegistryTokenHeadersTest, TokenWithTrailingBytesAfterNulIsDenied) {
  const std::string tokens = write_file("hostile_tokens_nul", "good-token\n");
  RegistryProcess registry({"--write-token-file", tokens});
  const std::string ping = R"({"jsonrpc":"2.0","method":"ping","params":["t.svc","10.0.0.1",80],"id":1})";
  const std::string request = "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Connection: close\r\nX-Api-Token: good-token" + std::string(1, '\0') +
                              "junk\r\nContent-Length: " + std::to_string(ping.size()) + "\r\n\r\n" + ping;
  const int fd = connect_loopback(registry.port());
  ASSERT_TRUE(send_all(fd, request));
  const std::string answer = receive_to_end(fd, std::chrono::seconds(2)).bytes;
  ::close(fd);
  // Refused either by the HTTP parser (a NUL in a header) or by the token check.
  ASSERT_FALSE(answer.empty());
  if (answer.rfind("HTTP/1.1 200", 0) == 0) {
    EXPECT_EQ(error_code_of(answer.substr(answer.find("\r\n\r\n") + 4)), -32001) << answer;
  } else {
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  }
  Document located = registry.call("locate_service", R"(["t.*"])");
  EXPECT_EQ(located["result"].Size(), 0u);
  std::remove(tokens.c_str());
}

TEST(RegistryTokenHeadersTest, TokenFileWithAControlCharacterStopsTheStart) {
  const std::string tokens = write_file("hostile_tokens_ctl", "good\x01token\n");
  auto result = run(registry_binary(), {"--write-token-file", tokens, "--port", "0"}, {},
                    std::chrono::seconds(10));
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_NE(result.err.find("control character"), std::string::npos) << result.err;
  std::remove(tokens.c_str());
}

}  // namespace
}  // namespace gemstone::testing
