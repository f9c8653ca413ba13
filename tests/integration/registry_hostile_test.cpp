// Input an attacker or a broken client might send. Each must get the right
// error, leave the registrations as they were, and leave the daemon serving.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using rapidjson::Document;

class RegistryHostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Document doc = registry_.call("ping", R"(["keeper","h",1])");
    ASSERT_TRUE(doc["result"].IsObject());
  }
  // The daemon still serves and the registration made in SetUp is intact.
  void ExpectUnharmed() {
    Document doc = registry_.call("locate_service", R"(["*"])");
    ASSERT_TRUE(doc["result"].IsArray());
    ASSERT_EQ(doc["result"].Size(), 1u);
    EXPECT_STREQ(doc["result"][0]["name"].GetString(), "keeper");
  }
  static int code_of(const httplib::Result& res) { return error_code_of(res->body); }
  RegistryProcess registry_;
};

TEST_F(RegistryHostileTest, DeepNestingIsAParseErrorNotACrash) {
  for (const std::string& body : {std::string(100000, '['), std::string(100000, '{'),
                                  "{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"params\":" +
                                      std::string(5000, '[') + std::string(5000, ']') + ",\"id\":1}"}) {
    auto res = registry_.post(body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(code_of(res), -32700);
  }
  ExpectUnharmed();
}

TEST_F(RegistryHostileTest, InvalidUtf8IsAParseError) {
  for (const char* bad : {"\xff", "\xc3\x28", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80"}) {
    auto res = registry_.post(std::string(R"({"jsonrpc":"2.0","method":"ping","params":[")") + bad +
                              R"(","h",1],"id":1})");
    ASSERT_TRUE(res);
    EXPECT_EQ(code_of(res), -32700);
  }
  ExpectUnharmed();
}

TEST_F(RegistryHostileTest, MalformedJsonIsAParseError) {
  for (const std::string& body :
       {std::string("{"), std::string(""), std::string("{\"jsonrpc\":\"2.0\"} trailing"),
        std::string("{\"a\":1}\0{\"b\":2}", 15), std::string("[1,]"), std::string("nul"),
        std::string("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"params\":[1e999],\"id\":1}")}) {
    auto res = registry_.post(body);
    ASSERT_TRUE(res);
    EXPECT_EQ(code_of(res), -32700) << body;
  }
  ExpectUnharmed();
}

TEST_F(RegistryHostileTest, OversizedBodyGets413) {
  std::string body = R"({"jsonrpc":"2.0","method":"ping","params":[")" + std::string(2 * 1024 * 1024, 'a') +
                     R"(","h",1],"id":1})";
  auto res = registry_.post(body);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(code_of(res), -32600);
  ExpectUnharmed();
}

TEST(RegistryBodyLimitTest, BodyLimitIsConfigurable) {
  RegistryProcess registry({"--max-body-bytes", "200"});
  auto small = registry.post(R"({"jsonrpc":"2.0","method":"list_services","id":1})");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  auto big = registry.post(R"({"jsonrpc":"2.0","method":"list_services","params":{"pattern":")" +
                           std::string(300, 'x') + R"("},"id":1})");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
}

TEST_F(RegistryHostileTest, WrongContentTypeIsRefused) {
  const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":["intruder","h",1],"id":1})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
    auto res = registry_.post(body, type);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 415) << type;
    EXPECT_EQ(code_of(res), -32600) << type;
  }
  ExpectUnharmed();
}

TEST_F(RegistryHostileTest, JsonContentTypesWithParametersAreAccepted) {
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON", "application/json-rpc"}) {
    auto res = registry_.post(R"({"jsonrpc":"2.0","method":"list_services","id":1})", type);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << type;
  }
}

TEST_F(RegistryHostileTest, OtherVerbsGet405WithJsonRpcError) {
  httplib::Client client("127.0.0.1", registry_.port());
  client.set_read_timeout(10);
  client.set_tcp_nodelay(true);
  auto get = client.Get("/api");
  auto put = client.Put("/api", "{}", "application/json");
  auto del = client.Delete("/api");
  for (auto* res : {&get, &put, &del}) {
    ASSERT_TRUE(*res);
    EXPECT_EQ((*res)->status, 405);
    EXPECT_EQ((*res)->get_header_value("Allow"), "POST");
    EXPECT_EQ(code_of(*res), -32600);
  }
  ExpectUnharmed();
}

TEST_F(RegistryHostileTest, UnknownPathIs404) {
  auto res = registry_.get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(RegistryHostileTest, PathologicalGlobAnswersAtOnce) {
  registry_.call("ping", "[\"" + std::string(250, 'a') + "\",\"h\",1]");
  // Exponential backtracking would take longer than the test's timeout.
  Document doc = registry_.call("locate_service", R"(["a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"])");
  ASSERT_TRUE(doc["result"].IsArray());
  EXPECT_EQ(doc["result"].Size(), 0u);
  Document too_long = registry_.call("locate_service", "[\"" + std::string(2000, '*') + "\"]");
  EXPECT_EQ(too_long["error"]["code"].GetInt(), -32602);
}

TEST_F(RegistryHostileTest, ConcurrentClientsLoseNoRegistration) {
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", registry_.port());
      client.set_keep_alive(true);
      client.set_read_timeout(10);
      client.set_tcp_nodelay(true);
      for (int i = 0; i < kEach; ++i) {
        const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":["load.)" +
                                 std::to_string(t) + R"(","h",)" + std::to_string(i + 1) + "],\"id\":1}";
        auto res = client.Post("/api", body, "application/json");
        if (!res || res->status != 200 || res->body.find("\"error\":null") == std::string::npos) ++failures;
        if (i % 10 == 0) client.Post("/api", R"({"jsonrpc":"2.0","method":"locate_service","params":["load.*"],"id":2})", "application/json");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Document doc = registry_.call("locate_service", R"(["load.*"])");
  ASSERT_TRUE(doc["result"].IsArray());
  EXPECT_EQ(doc["result"].Size(), static_cast<rapidjson::SizeType>(kThreads * kEach));
}

// Sends raw bytes on one connection and reads until `responses` HTTP
// responses have arrived or 10 s pass.
std::string exchange(int port, const std::string& bytes, int responses) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[4096];
  auto count = [&] {
    int n = 0;
    for (std::size_t at = got.find("HTTP/1.1 "); at != std::string::npos; at = got.find("HTTP/1.1 ", at + 1)) ++n;
    return n;
  };
  while (count() < responses || got.size() < 4 || got.rfind("}") + 1 < got.size()) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return got;
}

std::string request(const std::string& body, const std::string& extra = "") {
  return "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(RegistryHostileTest, PipelinedRequestsAreAllAnsweredInOrder) {
  const std::string got =
      exchange(registry_.port(),
               request(R"({"jsonrpc":"2.0","method":"ping","params":["p","h",1],"id":"first"})") +
                   request(R"({"jsonrpc":"2.0","method":"locate_service","params":["p"],"id":"second"})"),
               2);
  const auto first = got.find("\"id\":\"first\"");
  const auto second = got.find("\"id\":\"second\"");
  ASSERT_NE(first, std::string::npos) << got;
  ASSERT_NE(second, std::string::npos) << got;
  EXPECT_LT(first, second);
}

TEST_F(RegistryHostileTest, ChunkedBodyIsAccepted) {
  const std::string body = R"({"jsonrpc":"2.0","method":"list_services","id":"chunked"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  const std::string bytes = "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n" + std::string(size) + "\r\n" + body +
                            "\r\n0\r\n\r\n";
  const std::string got = exchange(registry_.port(), bytes, 1);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("\"id\":\"chunked\""), std::string::npos) << got;
  ExpectUnharmed();
}

}  // namespace
}  // namespace gemstone::testing
