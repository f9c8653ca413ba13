#include "registry/api/registry_methods.hpp"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "registry/daemon/config.hpp"
#include "registry/daemon/options_from_config.hpp"
#include "registry/store/memory_store.hpp"
#include "gemstone/registry_protocol.hpp"
#include "rpc_messages.hpp"

namespace gemstone::registry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point{} + std::chrono::hours(1000);

// The registry methods on a Dispatcher over a MemoryStore, with a clock the
// test moves by hand.
class MethodsTest : public ::testing::Test {
 protected:
  void SetUp() override { build(90.0, 0); }

  void build(double ttl_seconds, std::size_t capacity) {
    store_ = std::make_unique<MemoryStore>(capacity);
    dispatcher_ = std::make_unique<jsonrpc::Dispatcher>();
    Config config;
    config.ttl = ttl_seconds;
    config.host = "10.1.2.3";
    MethodsOptions options = methods_options_from(config, 8123);
    options.now = [this] { return now_; };
    options.started = kT0;
    options.locate_result = locate_result_;
    MethodEvents events;
    events.on_ping = [this] { ++pings_; };
    events.on_unregister = [this] { ++unregisters_; };
    add_registry_methods(*dispatcher_, *store_, std::move(options), std::move(events));
  }

  // Calls `method` with `params` (JSON text, or empty for none) and returns the response.
  rapidjson::Document call(const std::string& method, const std::string& params = {}) {
    return testing::parse(dispatcher_->handle(testing::request_body(method, params)));
  }

  // The result of a call that must succeed.
  rapidjson::Document ok(const std::string& method, const std::string& params = {}) {
    rapidjson::Document response = call(method, params);
    EXPECT_TRUE(response.IsObject());
    if (!response.IsObject()) return rapidjson::Document();
    EXPECT_TRUE(!response.HasMember("error") || response["error"].IsNull())
        << method << " " << params << " -> " << jsonrpc::to_json(response);
    rapidjson::Document result;
    if (response.HasMember("result")) result.CopyFrom(response["result"], result.GetAllocator());
    return result;
  }

  // Asserts that the call fails with -32602 naming `field`.
  void expect_invalid(const std::string& method, const std::string& params, const char* field) {
    rapidjson::Document response = call(method, params);
    ASSERT_TRUE(response.IsObject());
    ASSERT_TRUE(response.HasMember("error") && response["error"].IsObject())
        << method << " " << params << " was accepted: " << jsonrpc::to_json(response);
    EXPECT_EQ(testing::error_code_of(response), jsonrpc::kInvalidParams) << params;
    const std::string message = response["error"]["message"].GetString();
    EXPECT_NE(message.find(field), std::string::npos)
        << "message \"" << message << "\" does not name " << field << " for " << params;
    EXPECT_EQ(testing::error_field_of(response), field) << params << ": " << jsonrpc::to_json(response);
  }

  void expect_ping_refused(const std::string& params, const char* field) {
    expect_invalid("ping", params, field);
    EXPECT_EQ(store_->size(), 0u) << "a refused ping must store nothing";
  }

  void advance(Clock::duration d) { now_ += d; }

  Clock::time_point now_ = kT0;
  LocateResult locate_result_ = LocateResult::kInstances;
  std::unique_ptr<MemoryStore> store_;
  std::unique_ptr<jsonrpc::Dispatcher> dispatcher_;
  int pings_ = 0;
  int unregisters_ = 0;
};

void expect_instance(const rapidjson::Value& v, const char* name, const char* host, int port,
                     const char* url) {
  ASSERT_TRUE(v.IsObject());
  EXPECT_STREQ(v["name"].GetString(), name);
  EXPECT_STREQ(v["host"].GetString(), host);
  ASSERT_TRUE(v["port"].IsInt());
  EXPECT_EQ(v["port"].GetInt(), port);
  EXPECT_STREQ(v["url"].GetString(), url);
  EXPECT_TRUE(v["expires_in"].IsNumber());
}

// --- ping ---

TEST_F(MethodsTest, PingWithNamedHostAndPortReturnsTheInstance) {
  auto r = ok("ping", R"({"name":"svc","host":"h.example","port":8000})");
  expect_instance(r, "svc", "h.example", 8000, "http://h.example:8000/api");
  EXPECT_DOUBLE_EQ(r["expires_in"].GetDouble(), 90.0);
  EXPECT_EQ(store_->size(), 1u);
  EXPECT_EQ(pings_, 1);
}

TEST_F(MethodsTest, PingWithPositionalHostAndPortReturnsTheInstance) {
  auto r = ok("ping", R"(["svc","h.example",8000])");
  expect_instance(r, "svc", "h.example", 8000, "http://h.example:8000/api");
}

TEST_F(MethodsTest, PingWithNamedUrl) {
  auto r = ok("ping", R"({"name":"svc","url":"http://h:1/api"})");
  expect_instance(r, "svc", "h", 1, "http://h:1/api");
}

TEST_F(MethodsTest, PingWithPositionalUrl) {
  auto r = ok("ping", R"(["svc","http://h:1/api"])");
  expect_instance(r, "svc", "h", 1, "http://h:1/api");
}

TEST_F(MethodsTest, PingStoresTheUrlVerbatimAndTheHostNormalised) {
  const char* url = "HTTP://Example.com:8080/a/b?x=1&y=2#f";
  auto r = ok("ping", std::string(R"({"name":"svc","url":")") + url + "\"}");
  EXPECT_STREQ(r["url"].GetString(), url);
  EXPECT_STREQ(r["host"].GetString(), "example.com");
  EXPECT_EQ(r["port"].GetInt(), 8080);
  auto found = ok("locate_service", R"(["svc"])");
  ASSERT_EQ(found.Size(), 1u);
  EXPECT_STREQ(found[0]["url"].GetString(), url);
}

TEST_F(MethodsTest, PingWithIpv6UrlStoresTheHostWithoutBrackets) {
  auto r = ok("ping", R"({"name":"svc","url":"http://[::1]:9000/api"})");
  expect_instance(r, "svc", "::1", 9000, "http://[::1]:9000/api");
}

TEST_F(MethodsTest, PingWithUrlWithoutPortUsesTheSchemeDefault) {
  auto http = ok("ping", R"({"name":"a","url":"http://h/api"})");
  EXPECT_EQ(http["port"].GetInt(), 80);
  auto https = ok("ping", R"({"name":"b","url":"https://h/api"})");
  EXPECT_EQ(https["port"].GetInt(), 443);
  EXPECT_STREQ(https["url"].GetString(), "https://h/api");
}

TEST_F(MethodsTest, PingWithIpv6HostBuildsABracketedUrl) {
  auto bracketed = ok("ping", R"({"name":"svc","host":"[::1]","port":8000})");
  expect_instance(bracketed, "svc", "::1", 8000, "http://[::1]:8000/api");
  auto bare = ok("ping", R"({"name":"svc","host":"::1","port":8000})");
  expect_instance(bare, "svc", "::1", 8000, "http://[::1]:8000/api");
  EXPECT_EQ(store_->size(), 1u) << "[::1] and ::1 are the same host";
}

TEST_F(MethodsTest, PingAcceptsPortAsStringOfDigits) {
  auto r = ok("ping", R"({"name":"svc","host":"h","port":"8000"})");
  ASSERT_TRUE(r["port"].IsInt());
  EXPECT_EQ(r["port"].GetInt(), 8000);
  EXPECT_STREQ(r["url"].GetString(), "http://h:8000/api");
}

TEST_F(MethodsTest, PingRefusesPortZero) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":0})", "port");
}

TEST_F(MethodsTest, PingRefusesPort65536) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":65536})", "port");
}

TEST_F(MethodsTest, PingRefusesPortAbc) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":"abc"})", "port");
}

TEST_F(MethodsTest, PingRefusesFractionalPort) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":1.5})", "port");
}

TEST_F(MethodsTest, PingRefusesOtherPortTypes) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":-1})", "port");
  expect_ping_refused(R"({"name":"svc","host":"h","port":true})", "port");
  expect_ping_refused(R"({"name":"svc","host":"h","port":null})", "port");
  expect_ping_refused(R"({"name":"svc","host":"h","port":[80]})", "port");
  expect_ping_refused(R"({"name":"svc","host":"h","port":"65536"})", "port");
}

TEST_F(MethodsTest, PingRefusesMissingPort) {
  expect_ping_refused(R"({"name":"svc","host":"h"})", "port");
}

TEST_F(MethodsTest, PingRefusesMissingHost) {
  expect_ping_refused(R"({"name":"svc","port":80})", "host");
}

TEST_F(MethodsTest, PingRefusesMissingName) {
  expect_ping_refused(R"({"host":"h","port":80})", "name");
}

TEST_F(MethodsTest, PingRefusesEmptyName) {
  expect_ping_refused(R"({"name":"","host":"h","port":80})", "name");
}

TEST_F(MethodsTest, PingAccepts255CharacterName) {
  const std::string name(255, 'n');
  auto r = ok("ping", R"({"name":")" + name + R"(","host":"h","port":80})");
  EXPECT_EQ(std::string(r["name"].GetString()), name);
}

TEST_F(MethodsTest, PingRefuses256CharacterName) {
  expect_ping_refused(R"({"name":")" + std::string(256, 'n') + R"(","host":"h","port":80})",
                      "name");
}

TEST_F(MethodsTest, PingRefusesNameWithGlobCharacters) {
  for (const char* name : {"svc*", "svc?", "svc[", "svc]", "s[1]"}) {
    expect_ping_refused(std::string(R"({"name":")") + name + R"(","host":"h","port":80})", "name");
  }
}

TEST_F(MethodsTest, PingRefusesNameWithSpace) {
  expect_ping_refused(R"({"name":"my svc","host":"h","port":80})", "name");
}

TEST_F(MethodsTest, PingRefusesNameWithTab) {
  expect_ping_refused(R"({"name":"my\tsvc","host":"h","port":80})", "name");
}

TEST_F(MethodsTest, PingRefusesNameWithControlCharacter) {
  expect_ping_refused(R"({"name":"svc\u0001","host":"h","port":80})", "name");
  expect_ping_refused(R"({"name":"svc\u0000x","host":"h","port":80})", "name");
}

// An escaped lone surrogate ("\udc00") is not a character: whatever refuses it
// (parse_json, or check_service_name as invalid UTF-8), nothing is stored and
// the answer is valid JSON, never the invalid UTF-8 echoed back.
TEST_F(MethodsTest, PingRefusesNameWithEscapedLoneSurrogate) {
  const std::string body = dispatcher_->handle(
      R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"name":"svc\udc00","host":"h","port":80}})");
  EXPECT_EQ(store_->size(), 0u) << "a name holding a lone surrogate was registered";
  auto response = jsonrpc::parse_json(body);
  ASSERT_TRUE(response.ok()) << "the response is not valid JSON (invalid UTF-8): " << body;
  EXPECT_TRUE(response.value().HasMember("error") && response.value()["error"].IsObject()) << body;
}

TEST_F(MethodsTest, PingRefusesNameThatIsNotAString) {
  expect_ping_refused(R"({"name":42,"host":"h","port":80})", "name");
}

TEST_F(MethodsTest, PingRefusesEmptyHost) {
  expect_ping_refused(R"({"name":"svc","host":"","port":80})", "host");
}

TEST_F(MethodsTest, PingRefusesHostWithBadCharacters) {
  expect_ping_refused(R"({"name":"svc","host":"bad host","port":80})", "host");
  expect_ping_refused(R"({"name":"svc","host":"h/x","port":80})", "host");
  expect_ping_refused(R"({"name":"svc","host":"a..b","port":80})", "host");
}

// The address parser stops at a NUL: "10.0.0.1\0..." once passed as
// 10.0.0.1 and the CR LF after it was stored and echoed in every answer.
TEST_F(MethodsTest, PingRefusesControlCharactersInHost) {
  for (const char* host : {R"(10.0.0.1\u0000\r\nX-Evil: 1)", R"(10.0.0.1\u0000)", R"(::1\u0000)",
                           R"(10.0.0.1\r\n)", R"(h\nx)", R"(h\u0001)", R"(h\u007f)"}) {
    expect_ping_refused(std::string(R"({"name":"nul.x","host":")") + host + R"(","port":80})", "host");
    expect_ping_refused(std::string(R"(["nul.x",")") + host + R"(",80])", "host");
  }
}

TEST_F(MethodsTest, PingRefusesControlCharactersInUrl) {
  for (const char* url : {R"(http://10.0.0.1\u0000\r\nX-Evil: 1/api)", R"(http://h/api\u0000)",
                          R"(http://h/api\r\nX-Evil: 1)", R"(http://h\n/api)", R"(http://h/api?\u0001)",
                          R"(http://[::1\u0000]/api)"}) {
    expect_ping_refused(std::string(R"({"name":"nul.x","url":")") + url + R"("})", "url");
  }
}

TEST_F(MethodsTest, PingRefusesControlCharactersInName) {
  for (const char* name : {R"(nul\u0000.x)", R"(nul.x\r\nX-Evil: 1)", R"(\nnul.x)", R"(nul\u001b.x)"}) {
    expect_ping_refused(std::string(R"({"name":")") + name + R"(","host":"10.0.0.1","port":80})", "name");
  }
}

TEST_F(MethodsTest, PingRefuses254CharacterHost) {
  // Four valid labels: 63 + 1 + 63 + 1 + 63 + 1 + 62 = 254 characters.
  const std::string label(63, 'a');
  const std::string host = label + "." + label + "." + label + "." + std::string(62, 'a');
  ASSERT_EQ(host.size(), 254u);
  expect_ping_refused(R"({"name":"svc","host":")" + host + R"(","port":80})", "host");
}

TEST_F(MethodsTest, PingRefusesHostThatIsNotAString) {
  expect_ping_refused(R"({"name":"svc","host":127,"port":80})", "host");
}

TEST_F(MethodsTest, PingAcceptsIpv4Host) {
  auto r = ok("ping", R"({"name":"svc","host":"192.168.0.7","port":80})");
  EXPECT_STREQ(r["host"].GetString(), "192.168.0.7");
}

TEST_F(MethodsTest, PingAcceptsIpv6Host) {
  auto r = ok("ping", R"({"name":"svc","host":"2001:db8::1","port":80})");
  EXPECT_STREQ(r["host"].GetString(), "2001:db8::1");
  EXPECT_STREQ(r["url"].GetString(), "http://[2001:db8::1]:80/api");
}

TEST_F(MethodsTest, PingAcceptsHostnameWithUnderscore) {
  auto r = ok("ping", R"({"name":"svc","host":"my_service.internal","port":80})");
  EXPECT_STREQ(r["host"].GetString(), "my_service.internal");
}

TEST_F(MethodsTest, PingRefusesUrlTogetherWithHost) {
  expect_ping_refused(R"({"name":"svc","host":"h","url":"http://h:1/api"})", "url");
  expect_ping_refused(R"({"name":"svc","host":"h","port":1,"url":"http://h:1/api"})", "url");
  expect_ping_refused(R"(["svc","h",1,"http://h:1/api"])", "url");
}

TEST_F(MethodsTest, PingRefusesInvalidUrl) {
  expect_ping_refused(R"({"name":"svc","url":"ftp://h/api"})", "url");
  expect_ping_refused(R"({"name":"svc","url":"http://user:pw@h/api"})", "url");
  expect_ping_refused(R"({"name":"svc","url":"http://h:0/api"})", "url");
  expect_ping_refused(R"({"name":"svc","url":"http:///api"})", "url");
  expect_ping_refused(R"({"name":"svc","url":7})", "url");
}

TEST_F(MethodsTest, PingRefusesUnknownParameter) {
  expect_ping_refused(R"({"name":"svc","host":"h","port":1,"weight":3})", "weight");
}

TEST_F(MethodsTest, PingOfSameInstanceRenewsInsteadOfAdding) {
  ok("ping", R"({"name":"svc","host":"h","port":1})");
  advance(seconds(60));
  auto r = ok("ping", R"(["svc","h",1])");
  EXPECT_DOUBLE_EQ(r["expires_in"].GetDouble(), 90.0);
  EXPECT_EQ(store_->size(), 1u);
  advance(seconds(60));  // 120 s after the first ping, 60 s after the renewal
  auto found = ok("locate_service", R"(["svc"])");
  ASSERT_EQ(found.Size(), 1u);
  EXPECT_DOUBLE_EQ(found[0]["expires_in"].GetDouble(), 30.0);
}

TEST_F(MethodsTest, PingByUrlAndByHostPortIsTheSameInstance) {
  ok("ping", R"({"name":"svc","host":"h","port":80})");
  auto r = ok("ping", R"({"name":"svc","url":"http://h/other"})");
  EXPECT_STREQ(r["url"].GetString(), "http://h/other");
  EXPECT_EQ(store_->size(), 1u);
}

// --- expiry, with the fake clock ---

TEST_F(MethodsTest, ExpiresInEqualsTtlAfterPing) {
  auto r = ok("ping", R"(["svc","h",1])");
  EXPECT_DOUBLE_EQ(r["expires_in"].GetDouble(), 90.0);
}

TEST_F(MethodsTest, ExpiresInDecreasesWithTime) {
  ok("ping", R"(["svc","h",1])");
  advance(milliseconds(30500));
  auto found = ok("locate_service", R"({"name":"svc"})");
  ASSERT_EQ(found.Size(), 1u);
  EXPECT_DOUBLE_EQ(found[0]["expires_in"].GetDouble(), 59.5);
}

TEST_F(MethodsTest, LocateAfterTtlReturnsEmptyArray) {
  ok("ping", R"(["svc","h",1])");
  advance(seconds(89));
  EXPECT_EQ(ok("locate_service", R"(["svc"])").Size(), 1u);
  advance(seconds(1));
  auto found = ok("locate_service", R"(["svc"])");
  ASSERT_TRUE(found.IsArray());
  EXPECT_TRUE(found.Empty());
  EXPECT_TRUE(ok("list_services").Empty());
}

TEST_F(MethodsTest, FractionalTtlWorks) {
  build(0.5, 0);
  auto r = ok("ping", R"(["svc","h",1])");
  EXPECT_DOUBLE_EQ(r["expires_in"].GetDouble(), 0.5);
  advance(milliseconds(400));
  auto found = ok("locate_service", R"(["svc"])");
  ASSERT_EQ(found.Size(), 1u);
  EXPECT_NEAR(found[0]["expires_in"].GetDouble(), 0.1, 1e-9);
  advance(milliseconds(100));
  EXPECT_TRUE(ok("locate_service", R"(["svc"])").Empty());
}

// --- unregister ---

TEST_F(MethodsTest, UnregisterNamedReturnsTrueAndRemoves) {
  ok("ping", R"(["svc","h",1])");
  auto r = ok("unregister", R"({"name":"svc","host":"h","port":1})");
  ASSERT_TRUE(r.IsBool());
  EXPECT_TRUE(r.GetBool());
  EXPECT_TRUE(ok("locate_service", R"(["svc"])").Empty());
  EXPECT_EQ(unregisters_, 1);
}

TEST_F(MethodsTest, UnregisterPositionalReturnsTrue) {
  ok("ping", R"(["svc","h",1])");
  auto r = ok("unregister", R"(["svc","h",1])");
  ASSERT_TRUE(r.IsBool());
  EXPECT_TRUE(r.GetBool());
}

TEST_F(MethodsTest, UnregisterByUrlReturnsTrue) {
  ok("ping", R"(["svc","http://h:1/api"])");
  auto named = ok("unregister", R"({"name":"svc","url":"http://h:1/api"})");
  ASSERT_TRUE(named.IsBool());
  EXPECT_TRUE(named.GetBool());
  ok("ping", R"(["svc","http://h:1/api"])");
  auto positional = ok("unregister", R"(["svc","http://h:1/api"])");
  ASSERT_TRUE(positional.IsBool());
  EXPECT_TRUE(positional.GetBool());
}

TEST_F(MethodsTest, UnregisterOfUnknownInstanceReturnsFalse) {
  ok("ping", R"(["svc","h",1])");
  auto r = ok("unregister", R"(["svc","h",2])");
  ASSERT_TRUE(r.IsBool());
  EXPECT_FALSE(r.GetBool());
  EXPECT_EQ(unregisters_, 0);
  EXPECT_EQ(ok("locate_service", R"(["svc"])").Size(), 1u);
}

TEST_F(MethodsTest, UnregisterValidatesLikePing) {
  expect_invalid("unregister", R"(["svc*","h",1])", "name");
  expect_invalid("unregister", R"(["svc","h",0])", "port");
}

// --- locate_service ---

TEST_F(MethodsTest, LocateMatchesGlobPatterns) {
  for (const char* name : {"svc.a", "svc.b", "other"}) {
    ok("ping", std::string(R"([")") + name + R"(","h",1])");
  }
  auto found = ok("locate_service", R"(["svc.*"])");
  ASSERT_EQ(found.Size(), 2u);
  EXPECT_STREQ(found[0]["name"].GetString(), "svc.a");
  EXPECT_STREQ(found[1]["name"].GetString(), "svc.b");
  EXPECT_EQ(ok("locate_service", R"(["*"])").Size(), 3u);
  EXPECT_EQ(ok("locate_service", R"(["svc.[a]"])").Size(), 1u);
  EXPECT_EQ(ok("locate_service", R"(["othe?"])").Size(), 1u);
}

TEST_F(MethodsTest, LocateWithoutMatchReturnsEmptyArray) {
  auto found = ok("locate_service", R"(["nothing"])");
  ASSERT_TRUE(found.IsArray());
  EXPECT_TRUE(found.Empty());
}

TEST_F(MethodsTest, LocateRequiresAName) {
  expect_invalid("locate_service", "[]", "name");
  expect_invalid("locate_service", "", "name");
}

TEST_F(MethodsTest, LocateRefusesNonStringName) {
  expect_invalid("locate_service", "[5]", "name");
}

// --- list_services ---

TEST_F(MethodsTest, ListServicesDefaultsToEveryName) {
  ok("ping", R"(["b","h",1])");
  ok("ping", R"(["b","h",2])");
  ok("ping", R"(["a","h",1])");
  auto list = ok("list_services");
  ASSERT_TRUE(list.IsArray());
  ASSERT_EQ(list.Size(), 2u);
  EXPECT_STREQ(list[0]["name"].GetString(), "a");
  EXPECT_EQ(list[0]["instances"].GetInt(), 1);
  EXPECT_STREQ(list[1]["name"].GetString(), "b");
  EXPECT_EQ(list[1]["instances"].GetInt(), 2);
  EXPECT_EQ(ok("list_services", "[]").Size(), 2u);
  EXPECT_EQ(ok("list_services", "{}").Size(), 2u);
}

TEST_F(MethodsTest, ListServicesFiltersByPattern) {
  for (const char* name : {"svc.a", "svc.b", "other"}) {
    ok("ping", std::string(R"([")") + name + R"(","h",1])");
  }
  auto named = ok("list_services", R"({"pattern":"svc.*"})");
  ASSERT_EQ(named.Size(), 2u);
  EXPECT_STREQ(named[0]["name"].GetString(), "svc.a");
  EXPECT_STREQ(named[1]["name"].GetString(), "svc.b");
  auto positional = ok("list_services", R"(["oth*"])");
  ASSERT_EQ(positional.Size(), 1u);
  EXPECT_STREQ(positional[0]["name"].GetString(), "other");
}

TEST_F(MethodsTest, ListServicesRefusesNonStringPattern) {
  expect_invalid("list_services", R"({"pattern":1})", "pattern");
}

// --- get_service_specs ---

TEST_F(MethodsTest, GetServiceSpecsDescribesTheRegistry) {
  auto specs = ok("get_service_specs");
  ASSERT_TRUE(specs.IsObject());
  EXPECT_STREQ(specs["name"].GetString(), "gemstone.registry");
  EXPECT_STREQ(specs["host"].GetString(), "10.1.2.3");
  EXPECT_EQ(specs["port"].GetInt(), 8123);
  ASSERT_TRUE(specs["version"].IsString());
  EXPECT_GT(specs["version"].GetStringLength(), 0u);
  ASSERT_TRUE(specs["ttl"].IsNumber());
  EXPECT_DOUBLE_EQ(specs["ttl"].GetDouble(), 90.0);
  ASSERT_TRUE(specs["methods"].IsObject());
  std::set<std::string> names;
  for (const auto& m : specs["methods"].GetObject()) {
    names.insert(m.name.GetString());
    EXPECT_TRUE(m.value.IsString());
    EXPECT_GT(m.value.GetStringLength(), 0u) << m.name.GetString() << " has no description";
  }
  EXPECT_EQ(names, (std::set<std::string>{"ping", "locate_service", "unregister", "list_services",
                                          "watch_services", "get_service_specs"}));
}

TEST_F(MethodsTest, SpecsSayWhatLocateAnswersAndWhereInstancesLive) {
  auto specs = ok("get_service_specs");
  EXPECT_STREQ(specs["locate_result"].GetString(), "instances");
  EXPECT_STREQ(specs["backend"].GetString(), "memory");
  locate_result_ = LocateResult::kUrls;
  build(90.0, 0);
  EXPECT_STREQ(ok("get_service_specs")["locate_result"].GetString(), "urls");
}

TEST_F(MethodsTest, SpecsSayHowLongTheRegistryRunsAndWhatItHolds) {
  auto empty = ok("get_service_specs");
  EXPECT_DOUBLE_EQ(empty["uptime_seconds"].GetDouble(), 0.0);
  EXPECT_EQ(empty["instances"].GetUint64(), 0u);
  EXPECT_EQ(empty["services"].GetUint64(), 0u);
  ok("ping", R"(["svc.a","10.0.0.1",81])");
  ok("ping", R"(["svc.a","10.0.0.2",81])");
  ok("ping", R"(["svc.b","10.0.0.3",82])");
  advance(milliseconds(12500));
  auto specs = ok("get_service_specs");
  EXPECT_DOUBLE_EQ(specs["uptime_seconds"].GetDouble(), 12.5);
  EXPECT_EQ(specs["instances"].GetUint64(), 3u);
  EXPECT_EQ(specs["services"].GetUint64(), 2u);
}

// The answers written as text (registry/api/instance_json.cpp), whole:
// separators, nesting and the response around them, byte for byte.
TEST_F(MethodsTest, AnswersCarryingInstancesAreExactlyThisText) {
  ok("ping", R"({"name":"svc.a","host":"10.0.0.1","port":81,"meta":{"zone":"eu","v":"2"}})");
  advance(milliseconds(500));
  EXPECT_EQ(dispatcher_->handle(testing::request_body("ping", R"(["svc.b","10.0.0.2",82])", 5)),
            R"({"jsonrpc":"2.0","result":{"name":"svc.b","host":"10.0.0.2","port":82,)"
            R"("url":"http://10.0.0.2:82/api","expires_in":90.0,"meta":{}},"error":null,"id":5})");
  advance(milliseconds(250));
  EXPECT_EQ(dispatcher_->handle(testing::request_body("locate_service", R"(["svc.*"])", 6)),
            R"({"jsonrpc":"2.0","result":[)"
            R"({"name":"svc.a","host":"10.0.0.1","port":81,"url":"http://10.0.0.1:81/api",)"
            R"("expires_in":89.25,"meta":{"v":"2","zone":"eu"}},)"
            R"({"name":"svc.b","host":"10.0.0.2","port":82,"url":"http://10.0.0.2:82/api",)"
            R"("expires_in":89.75,"meta":{}}],"error":null,"id":6})");
  EXPECT_EQ(dispatcher_->handle(testing::request_body("locate_service", R"(["none"])", 7)),
            R"({"jsonrpc":"2.0","result":[],"error":null,"id":7})");
  EXPECT_EQ(dispatcher_->handle(testing::request_body("watch_services", R"({"pattern":"svc.b","timeout":0})", 8)),
            R"({"jsonrpc":"2.0","result":{"index":2,"instances":[)"
            R"({"name":"svc.b","host":"10.0.0.2","port":82,"url":"http://10.0.0.2:82/api",)"
            R"("expires_in":89.75,"meta":{}}]},"error":null,"id":8})");
  locate_result_ = LocateResult::kUrls;
  build(90.0, 0);
  ok("ping", R"(["svc.a","http://10.0.0.1:8080/a\"b"])");
  ok("ping", R"(["svc.b","10.0.0.2",82])");
  EXPECT_EQ(dispatcher_->handle(testing::request_body("locate_service", R"(["svc.*"])", 9)),
            R"({"jsonrpc":"2.0","result":["http://10.0.0.1:8080/a\"b","http://10.0.0.2:82/api"],)"
            R"("error":null,"id":9})");
}

// --- locate_result = urls: what gemstone 0.5 to 0.12 clients expect ---

TEST_F(MethodsTest, UrlsModeAnswersTheUrlsInTheSameOrderAndFiltering) {
  locate_result_ = LocateResult::kUrls;
  build(90.0, 0);
  ok("ping", R"(["svc.b","10.0.0.2",81])");
  ok("ping", R"(["svc.a","http://10.0.0.1:8080/rpc"])");
  ok("ping", R"(["other","10.0.0.3",82])");
  auto urls = ok("locate_service", R"(["svc.*"])");
  ASSERT_TRUE(urls.IsArray());
  ASSERT_EQ(urls.Size(), 2u);
  EXPECT_STREQ(urls[0].GetString(), "http://10.0.0.1:8080/rpc");
  EXPECT_STREQ(urls[1].GetString(), "http://10.0.0.2:81/api");
  EXPECT_EQ(ok("locate_service", R"({"name":"none.*"})").Size(), 0u);
  now_ += seconds(91);
  EXPECT_EQ(ok("locate_service", R"(["svc.*"])").Size(), 0u);
}

TEST_F(MethodsTest, UrlsModeChangesOnlyLocate) {
  locate_result_ = LocateResult::kUrls;
  build(90.0, 0);
  auto pinged = ok("ping", R"(["svc.a","10.0.0.1",80])");
  EXPECT_TRUE(pinged.IsObject());
  EXPECT_STREQ(pinged["url"].GetString(), "http://10.0.0.1:80/api");
  auto services = ok("list_services");
  ASSERT_EQ(services.Size(), 1u);
  EXPECT_EQ(services[0]["instances"].GetUint64(), 1u);
}

// --- capacity ---

TEST_F(MethodsTest, FullRegistryRefusesNewInstances) {
  build(90.0, 1);
  ok("ping", R"(["a","h",1])");
  auto response = call("ping", R"(["b","h",1])");
  ASSERT_TRUE(response["error"].IsObject()) << jsonrpc::to_json(response);
  EXPECT_EQ(response["error"]["code"].GetInt(), registry_protocol::kRegistryFull);
  EXPECT_STREQ(response["error"]["message"].GetString(), "Registry full");
  EXPECT_EQ(pings_, 1);
  auto renewed = ok("ping", R"(["a","h",1])");
  EXPECT_STREQ(renewed["name"].GetString(), "a");
}

}  // namespace
}  // namespace gemstone::registry
