// Every registry method over real HTTP against the real daemon.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using rapidjson::Document;
using rapidjson::Value;

class RegistryApiTest : public ::testing::Test {
 protected:
  RegistryProcess registry_{{"--ttl", "60"}};
};

TEST_F(RegistryApiTest, PingReturnsTheInstanceWithExpiresIn) {
  Document doc = registry_.call("ping", R"({"name":"svc.a","host":"127.0.0.1","port":9000})");
  ASSERT_TRUE(doc["result"].IsObject());
  const Value& r = doc["result"];
  EXPECT_STREQ(r["name"].GetString(), "svc.a");
  EXPECT_STREQ(r["host"].GetString(), "127.0.0.1");
  EXPECT_EQ(r["port"].GetInt(), 9000);
  EXPECT_STREQ(r["url"].GetString(), "http://127.0.0.1:9000/api");
  EXPECT_DOUBLE_EQ(r["expires_in"].GetDouble(), 60.0);
  EXPECT_EQ(doc["id"].GetInt(), 1);
}

TEST_F(RegistryApiTest, PingAcceptsPositionalParams) {
  Document doc = registry_.call("ping", R"(["svc.a","10.0.0.1",8080])");
  ASSERT_TRUE(doc["result"].IsObject());
  EXPECT_STREQ(doc["result"]["url"].GetString(), "http://10.0.0.1:8080/api");
}

TEST_F(RegistryApiTest, PingUrlFormStoresTheExactUrl) {
  Document named = registry_.call("ping", R"({"name":"svc.u","url":"https://api.example.com/rpc/v2"})");
  ASSERT_TRUE(named["result"].IsObject());
  EXPECT_STREQ(named["result"]["url"].GetString(), "https://api.example.com/rpc/v2");
  EXPECT_STREQ(named["result"]["host"].GetString(), "api.example.com");
  EXPECT_EQ(named["result"]["port"].GetInt(), 443);

  Document positional = registry_.call("ping", R"(["svc.v","http://[::1]:7000/x"])");
  ASSERT_TRUE(positional["result"].IsObject());
  EXPECT_STREQ(positional["result"]["host"].GetString(), "::1");
  EXPECT_EQ(positional["result"]["port"].GetInt(), 7000);
  EXPECT_STREQ(positional["result"]["url"].GetString(), "http://[::1]:7000/x");
}

TEST_F(RegistryApiTest, PortAsDigitStringIsAccepted) {
  Document doc = registry_.call("ping", R"({"name":"svc","host":"h1","port":"8001"})");
  ASSERT_TRUE(doc["result"].IsObject());
  EXPECT_EQ(doc["result"]["port"].GetInt(), 8001);
}

TEST_F(RegistryApiTest, RepingRenewsWithoutDuplicating) {
  registry_.call("ping", R"({"name":"svc","host":"h1","port":1})");
  registry_.call("ping", R"({"name":"svc","host":"h1","port":1})");
  registry_.call("ping", R"({"name":"svc","host":"h1","port":2})");
  Document doc = registry_.call("locate_service", R"({"name":"svc"})");
  ASSERT_TRUE(doc["result"].IsArray());
  EXPECT_EQ(doc["result"].Size(), 2u);
}

TEST_F(RegistryApiTest, LocateMatchesGlobPatterns) {
  for (const char* name : {"myservice.workers.01", "myservice.workers.02", "myservice.api",
                           "other.workers.01"}) {
    registry_.call("ping", std::string(R"({"name":")") + name + R"(","host":"h","port":1})");
  }
  auto count = [&](const std::string& pattern) {
    Document doc = registry_.call("locate_service", "[\"" + pattern + "\"]");
    EXPECT_TRUE(doc["result"].IsArray()) << pattern;
    return doc["result"].IsArray() ? doc["result"].Size() : 999u;
  };
  EXPECT_EQ(count("myservice.workers.*"), 2u);
  EXPECT_EQ(count("myservice.*"), 3u);
  EXPECT_EQ(count("*"), 4u);
  EXPECT_EQ(count("*.workers.0?"), 3u);
  EXPECT_EQ(count("myservice.workers.0[2-9]"), 1u);
  EXPECT_EQ(count("myservice.workers.0[!1]"), 1u);
  EXPECT_EQ(count("myservice.api"), 1u);
  EXPECT_EQ(count("MyService.*"), 0u);  // case-sensitive
  EXPECT_EQ(count("nothing.*"), 0u);
}

TEST_F(RegistryApiTest, LocateWithoutMatchReturnsEmptyArray) {
  Document doc = registry_.call("locate_service", R"({"name":"ghost.*"})");
  ASSERT_TRUE(doc["result"].IsArray());
  EXPECT_EQ(doc["result"].Size(), 0u);
  EXPECT_TRUE(doc["error"].IsNull());
}

TEST_F(RegistryApiTest, UnregisterRemovesInBothForms) {
  registry_.call("ping", R"({"name":"svc","host":"h1","port":1})");
  registry_.call("ping", R"({"name":"svc","url":"http://h2:2/api"})");
  EXPECT_TRUE(registry_.call("unregister", R"({"name":"svc","host":"h1","port":1})")["result"].GetBool());
  EXPECT_TRUE(registry_.call("unregister", R"(["svc","http://h2:2/api"])")["result"].GetBool());
  EXPECT_FALSE(registry_.call("unregister", R"({"name":"svc","host":"h1","port":1})")["result"].GetBool());
  EXPECT_EQ(registry_.call("locate_service", R"(["svc"])")["result"].Size(), 0u);
}

TEST_F(RegistryApiTest, ListServicesIsSortedWithCounts) {
  registry_.call("ping", R"({"name":"b.svc","host":"h1","port":1})");
  registry_.call("ping", R"({"name":"a.svc","host":"h1","port":1})");
  registry_.call("ping", R"({"name":"a.svc","host":"h2","port":1})");
  Document all = registry_.call("list_services");
  ASSERT_TRUE(all["result"].IsArray());
  ASSERT_EQ(all["result"].Size(), 2u);
  EXPECT_STREQ(all["result"][0]["name"].GetString(), "a.svc");
  EXPECT_EQ(all["result"][0]["instances"].GetInt(), 2);
  EXPECT_STREQ(all["result"][1]["name"].GetString(), "b.svc");
  Document some = registry_.call("list_services", R"({"pattern":"b.*"})");
  ASSERT_EQ(some["result"].Size(), 1u);
  EXPECT_STREQ(some["result"][0]["name"].GetString(), "b.svc");
}

TEST_F(RegistryApiTest, GetServiceSpecsDescribesTheRegistry) {
  Document doc = registry_.call("get_service_specs");
  const Value& r = doc["result"];
  EXPECT_STREQ(r["name"].GetString(), "gemstone.registry");
  EXPECT_EQ(r["port"].GetInt(), registry_.port()) << "the port it really listens on";
  EXPECT_TRUE(r["version"].IsString());
  EXPECT_DOUBLE_EQ(r["ttl"].GetDouble(), 60.0);
  for (const char* m : {"ping", "locate_service", "unregister", "list_services", "get_service_specs"}) {
    EXPECT_TRUE(r["methods"].HasMember(m)) << m;
  }
}

TEST_F(RegistryApiTest, ValidationErrorsNameTheField) {
  struct Case {
    const char* params;
    const char* field;
  };
  const Case cases[] = {
      {R"({"host":"h","port":1})", "name"},
      {R"({"name":"","host":"h","port":1})", "name"},
      {R"({"name":"a b","host":"h","port":1})", "name"},
      {R"({"name":"a*","host":"h","port":1})", "name"},
      {R"({"name":"a?","host":"h","port":1})", "name"},
      {R"({"name":"a[1]","host":"h","port":1})", "name"},
      {R"({"name":"a\tb","host":"h","port":1})", "name"},
      {R"({"name":7,"host":"h","port":1})", "name"},
      {R"({"name":"svc","port":1})", "host"},
      {R"({"name":"svc","host":"bad host","port":1})", "host"},
      {R"({"name":"svc","host":"-bad","port":1})", "host"},
      {R"({"name":"svc","host":"h"})", "port"},
      {R"({"name":"svc","host":"h","port":0})", "port"},
      {R"({"name":"svc","host":"h","port":65536})", "port"},
      {R"({"name":"svc","host":"h","port":"80a"})", "port"},
      {R"({"name":"svc","host":"h","port":1.5})", "port"},
      {R"({"name":"svc","host":"h","port":true})", "port"},
      {R"({"name":"svc","url":"ftp://h/x"})", "url"},
      {R"({"name":"svc","url":"http:///x"})", "url"},
      {R"({"name":"svc","url":"http://h:99999/x"})", "url"},
      {R"({"name":"svc","url":"http://h/x","host":"h"})", "url"},
      {R"({"name":"svc","host":"h","port":1,"color":"red"})", "color"},
  };
  for (const Case& c : cases) {
    Document doc = registry_.call("ping", c.params);
    ASSERT_EQ(error_code_of(doc), -32602) << c.params;
    EXPECT_EQ(error_field_of(doc), c.field) << c.params;
    EXPECT_NE(std::string(doc["error"]["message"].GetString()).find(c.field), std::string::npos);
  }
  EXPECT_EQ(registry_.call("list_services")["result"].Size(), 0u) << "nothing was registered";
}

TEST_F(RegistryApiTest, NameOf255CharactersIsAcceptedAnd256Refused) {
  const std::string ok(255, 'n');
  const std::string too_long(256, 'n');
  EXPECT_TRUE(registry_.call("ping", "[\"" + ok + "\",\"h\",1]")["result"].IsObject());
  EXPECT_EQ(error_code_of(registry_.call("ping", "[\"" + too_long + "\",\"h\",1]")), -32602);
}

TEST_F(RegistryApiTest, TooManyPositionalParamsIsInvalidParams) {
  EXPECT_EQ(error_code_of(registry_.call("locate_service", R"(["a","b"])")), -32602);
  EXPECT_EQ(error_code_of(registry_.call("get_service_specs", R"([1])")), -32602);
}

TEST_F(RegistryApiTest, UnknownMethodIsMethodNotFound) {
  Document doc = registry_.call("no_such_method");
  EXPECT_EQ(error_code_of(doc), -32601);
  EXPECT_EQ(doc["id"].GetInt(), 1);
}

TEST_F(RegistryApiTest, GemstoneStyleWritesBothKeys) {
  auto ok = registry_.post(R"({"jsonrpc":"2.0","method":"list_services","id":"x"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, R"({"jsonrpc":"2.0","result":[],"error":null,"id":"x"})");
  auto bad = registry_.post(R"({"jsonrpc":"2.0","method":"nope","id":"y"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->body,
            R"({"jsonrpc":"2.0","result":null,"error":{"code":-32601,"message":"Method not found: nope"},"id":"y"})");
}

TEST(RegistryStrictStyleTest, StrictStyleWritesOnlyOneKey) {
  RegistryProcess registry({"--response-style", "strict"});
  auto ok = registry.post(R"({"jsonrpc":"2.0","method":"list_services","id":"x"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, R"({"jsonrpc":"2.0","result":[],"id":"x"})");
  auto bad = registry.post(R"({"jsonrpc":"2.0","method":"nope","id":"y"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->body,
            R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: nope"},"id":"y"})");
}

TEST_F(RegistryApiTest, NotificationGets204AndStillActs) {
  auto res = registry_.post(R"({"jsonrpc":"2.0","method":"ping","params":["svc","h",1]})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_TRUE(res->body.empty());
  EXPECT_EQ(registry_.call("locate_service", R"(["svc"])")["result"].Size(), 1u);
}

TEST_F(RegistryApiTest, BatchAnswersEachRequestAndSkipsNotifications) {
  auto res = registry_.post(R"([
    {"jsonrpc":"2.0","method":"ping","params":["svc","h",1],"id":1},
    {"jsonrpc":"2.0","method":"ping","params":["svc","h",2]},
    {"jsonrpc":"2.0","method":"nope","id":2},
    {"foo":"bar"},
    {"jsonrpc":"2.0","method":"locate_service","params":["svc"],"id":3}
  ])");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 4u);
  EXPECT_EQ(doc[0]["id"].GetInt(), 1);
  EXPECT_TRUE(doc[0]["result"].IsObject());
  EXPECT_EQ(doc[1]["error"]["code"].GetInt(), -32601);
  EXPECT_EQ(doc[2]["error"]["code"].GetInt(), -32600);
  EXPECT_TRUE(doc[2]["id"].IsNull());
  EXPECT_EQ(doc[3]["result"].Size(), 2u) << "requests in a batch run in order";
}

TEST_F(RegistryApiTest, BatchOfOnlyNotificationsGets204) {
  auto res = registry_.post(R"([{"jsonrpc":"2.0","method":"ping","params":["a","h",1]},
                                {"jsonrpc":"2.0","method":"ping","params":["b","h",1]}])");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(RegistryApiTest, EmptyBatchIsInvalidRequest) {
  auto res = registry_.post("[]");
  ASSERT_TRUE(res);
  Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["error"]["code"].GetInt(), -32600);
}

TEST_F(RegistryApiTest, BatchOverTheLimitIsRefusedWhole) {
  std::string body = "[";
  for (int i = 0; i < 101; ++i) {
    if (i > 0) body += ',';
    body += R"({"jsonrpc":"2.0","method":"ping","params":["svc","h",)" + std::to_string(i + 1) + "],\"id\":" + std::to_string(i) + "}";
  }
  body += "]";
  auto res = registry_.post(body);
  ASSERT_TRUE(res);
  Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["error"]["code"].GetInt(), -32600);
  EXPECT_EQ(registry_.call("locate_service", R"(["svc"])")["result"].Size(), 0u);
}

TEST_F(RegistryApiTest, InvalidRequestsGetInvalidRequest) {
  const char* bodies[] = {
      R"({"method":"list_services","id":1})",
      R"({"jsonrpc":"1.0","method":"list_services","id":1})",
      R"({"jsonrpc":"2.0","method":5,"id":1})",
      R"({"jsonrpc":"2.0","method":"list_services","params":"x","id":1})",
      R"({"jsonrpc":"2.0","method":"list_services","params":3,"id":1})",
      R"({"jsonrpc":"2.0","method":"list_services","id":{"a":1}})",
      R"(42)",
      R"("hello")",
  };
  for (const char* body : bodies) {
    auto res = registry_.post(body);
    ASSERT_TRUE(res) << body;
    Document doc;
    doc.Parse(res->body.c_str());
    ASSERT_TRUE(doc.IsObject()) << body;
    EXPECT_EQ(doc["error"]["code"].GetInt(), -32600) << body;
  }
}

TEST_F(RegistryApiTest, IdIsEchoedExactly) {
  for (const char* id : {"\"abc\"", "7", "-3", "1.5", "null", "12345678901234"}) {
    auto res = registry_.post(std::string(R"({"jsonrpc":"2.0","method":"list_services","id":)") + id + "}");
    ASSERT_TRUE(res);
    EXPECT_NE(res->body.find(std::string("\"id\":") + id + "}"), std::string::npos) << res->body;
  }
}

TEST(RegistryExpiryTest, FractionalTtlExpiresAndRepingRenews) {
  RegistryProcess registry({"--ttl", "0.5"});
  Document ping = registry.call("ping", R"(["svc","h",1])");
  ASSERT_TRUE(ping["result"].IsObject());
  EXPECT_DOUBLE_EQ(ping["result"]["expires_in"].GetDouble(), 0.5);
  registry.call("ping", R"(["keep","h",1])");
  // Renew "keep" every 200 ms for 1.2 s: it stays while "svc" expires.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    registry.call("ping", R"(["keep","h",1])");
  }
  EXPECT_EQ(registry.call("locate_service", R"(["svc"])")["result"].Size(), 0u);
  EXPECT_EQ(registry.call("locate_service", R"(["keep"])")["result"].Size(), 1u);
  EXPECT_EQ(registry.call("list_services")["result"].Size(), 1u);
  Document again = registry.call("ping", R"(["svc","h",1])");
  EXPECT_TRUE(again["result"].IsObject());
  EXPECT_EQ(registry.call("locate_service", R"(["svc"])")["result"].Size(), 1u);
}

TEST(RegistryExpiryTest, ExpiredInstancesAreReclaimed) {
  RegistryProcess registry({"--ttl", "0.3"});
  for (int i = 1; i <= 50; ++i) registry.call("ping", "[\"svc\",\"h\"," + std::to_string(i) + "]");
  // /health counts instances held; within a bounded wait they must be swept.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = registry.get("/health");
    ASSERT_TRUE(res);
    body = res->body;
    if (body.find("\"instances\":0") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(body.find("\"instances\":0"), std::string::npos) << body;
  auto metrics = registry.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("gemstone_registry_expirations_total 50"), std::string::npos);
}

}  // namespace
}  // namespace gemstone::testing
