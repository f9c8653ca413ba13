// The client library's RegistryClient and RemoteService against the real
// registry and the JSON-RPC test service (what the gemstone command is
// built on, used the way a C++ service would).

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gemstone/registry_client.hpp"
#include "gemstone/remote_service.hpp"
#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

class RegistryClientTest : public ::testing::Test {
 protected:
  RegistryClient client(std::vector<std::string> urls = {}) {
    if (urls.empty()) urls.push_back(registry.api_url());
    auto opened = RegistryClient::open(urls);
    EXPECT_TRUE(opened.ok());
    return std::move(opened).value();
  }
  RegistryProcess registry;
};

TEST_F(RegistryClientTest, PingThenLocateThenUnregister) {
  RegistryClient c = client();
  auto pinged = c.ping("svc", "127.0.0.1", 9000);
  ASSERT_TRUE(pinged.ok()) << pinged.error().describe();
  EXPECT_EQ(pinged.value().url, "http://127.0.0.1:9000/api");
  EXPECT_GT(pinged.value().expires_in, 0.0);

  auto located = c.locate("s*");
  ASSERT_TRUE(located.ok());
  ASSERT_EQ(located.value().size(), 1u);
  EXPECT_EQ(located.value()[0].name, "svc");
  EXPECT_EQ(located.value()[0].port, 9000);

  auto removed = c.unregister("svc", "127.0.0.1", 9000);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed.value());
  auto again = c.unregister("svc", "127.0.0.1", 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value());
  EXPECT_TRUE(c.locate("svc").value().empty());
}

TEST_F(RegistryClientTest, PingByUrlKeepsTheUrl) {
  RegistryClient c = client();
  auto pinged = c.ping_url("svc", "https://svc.example.com:8443/rpc");
  ASSERT_TRUE(pinged.ok()) << pinged.error().describe();
  EXPECT_EQ(pinged.value().url, "https://svc.example.com:8443/rpc");
  EXPECT_EQ(pinged.value().port, 8443);
  ASSERT_TRUE(c.unregister_url("svc", "https://svc.example.com:8443/rpc").value());
}

TEST_F(RegistryClientTest, ListServicesCountsInstances) {
  RegistryClient c = client();
  ASSERT_TRUE(c.ping("a", "127.0.0.1", 1).ok());
  ASSERT_TRUE(c.ping("a", "127.0.0.1", 2).ok());
  ASSERT_TRUE(c.ping("b", "127.0.0.1", 3).ok());
  auto listed = c.list_services();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed.value().size(), 2u);
  EXPECT_EQ(listed.value()[0].name, "a");
  EXPECT_EQ(listed.value()[0].instances, 2u);
  EXPECT_EQ(listed.value()[1].instances, 1u);
}

TEST_F(RegistryClientTest, InvalidPingIsAnRpcError) {
  RegistryClient c = client();
  auto pinged = c.ping("bad name", "127.0.0.1", 1);
  ASSERT_FALSE(pinged.ok());
  EXPECT_EQ(pinged.error().kind, ErrorKind::kRpc);
  EXPECT_EQ(pinged.error().rpc.code, -32602);
}

TEST_F(RegistryClientTest, PickChoosesAmongAllInstances) {
  RegistryClient c = client();
  for (int port = 1; port <= 3; ++port) ASSERT_TRUE(c.ping("p", "127.0.0.1", port).ok());
  std::set<int> seen;
  for (int i = 0; i < 60 && seen.size() < 3; ++i) {
    auto picked = c.pick("p");
    ASSERT_TRUE(picked.ok());
    seen.insert(picked.value().port);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(RegistryClientTest, PickWithoutInstanceIsNoInstance) {
  auto picked = client().pick("nothing");
  ASSERT_FALSE(picked.ok());
  EXPECT_EQ(picked.error().kind, ErrorKind::kNoInstance);
}

TEST_F(RegistryClientTest, FailsOverAndRemembersTheRegistryThatAnswered) {
  const std::string down = closed_port_url();
  RegistryClient c = client({down, registry.api_url()});
  std::vector<std::string> skipped;
  c.set_observer([&](const ClientError& e) { skipped.push_back(e.url); });
  ASSERT_TRUE(c.ping("svc", "127.0.0.1", 9000).ok());
  EXPECT_EQ(c.current_url(), registry.api_url());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0], down);
  ASSERT_TRUE(c.locate("svc").ok());
  EXPECT_EQ(skipped.size(), 1u) << "the working registry is asked first from then on";
}

TEST_F(RegistryClientTest, AllRegistriesDownIsOneTransportError) {
  RegistryClient c = client({closed_port_url(), closed_port_url()});
  auto located = c.locate("svc");
  ASSERT_FALSE(located.ok());
  EXPECT_EQ(located.error().kind, ErrorKind::kConnection);
}

TEST_F(RegistryClientTest, ConnectSkipsDeadInstancesAndIdentifiesALiveOne) {
  TestServiceProcess service;
  RegistryClient c = client();
  ASSERT_TRUE(c.ping_url("calc", closed_port_url()).ok());
  ASSERT_TRUE(c.ping_url("calc", service.api_url()).ok());
  for (int i = 0; i < 5; ++i) {
    auto calc = c.connect("calc", ClientOptions{});
    ASSERT_TRUE(calc.ok()) << calc.error().describe();
    EXPECT_EQ(calc.value().name(), "test.service");
    EXPECT_EQ(calc.value().url(), service.api_url());
    auto sum = calc.value().call("add", CallParams::positional().add(2).add(3));
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(sum.value().GetInt(), 5);
  }
}

TEST_F(RegistryClientTest, TheObserverIsToldWhetherARegistryOrAnInstanceWasSkipped) {
  TestServiceProcess service;
  const std::string down = closed_port_url();
  const std::string dead_instance = closed_port_url();
  RegistryClient c = client({down, registry.api_url()});
  std::vector<std::pair<std::string, RegistryClient::Skipped>> skipped;
  c.set_observer([&](const ClientError& e, RegistryClient::Skipped what) { skipped.emplace_back(e.url, what); });
  ASSERT_TRUE(c.ping_url("calc", dead_instance).ok());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0], std::make_pair(down, RegistryClient::Skipped::kRegistry));
  ASSERT_TRUE(c.ping_url("calc", service.api_url()).ok());
  // connect tries the instances in a random order: go on until the dead one came first.
  for (int i = 0; i < 50 && skipped.size() < 2; ++i) ASSERT_TRUE(c.connect("calc", ClientOptions{}).ok());
  ASSERT_EQ(skipped.size(), 2u) << "the dead instance never came first in 50 tries";
  EXPECT_EQ(skipped[1], std::make_pair(dead_instance, RegistryClient::Skipped::kInstance));
}

TEST(ExchangeObserver, SeesEachRequestAsSentAndEachAnswerAsReceived) {
  TestServiceProcess service;
  std::vector<HttpExchange> seen;
  ClientOptions options;
  options.headers = {{"X-Extra", "1"}};
  options.on_exchange = [&](const HttpExchange& x) { seen.push_back(x); };
  auto svc = RemoteService::connect(service.api_url(), options);
  ASSERT_TRUE(svc.ok()) << svc.error().describe();
  ASSERT_TRUE(svc.value().call("add", CallParams::positional().add(2).add(3)).ok());
  ASSERT_EQ(seen.size(), 2u);  // get_service_specs, then add
  const HttpExchange& x = seen[1];
  EXPECT_EQ(x.url, service.api_url());
  EXPECT_EQ(x.method, "POST");
  EXPECT_EQ(x.target, "/api");
  auto header = [](const std::vector<Header>& headers, const std::string& name) {
    for (const Header& h : headers) {
      if (h.name == name) return h.value;
    }
    return std::string("(none)");
  };
  EXPECT_EQ(header(x.request_headers, "X-Extra"), "1");
  EXPECT_EQ(header(x.request_headers, "Content-Type"), "application/json");
  EXPECT_EQ(header(x.request_headers, "Host"), "127.0.0.1:" + std::to_string(service.port()));  // added by httplib
  EXPECT_EQ(header(x.request_headers, "Content-Length"), std::to_string(x.request_body.size()));
  EXPECT_NE(x.request_body.find("\"method\":\"add\""), std::string::npos) << x.request_body;
  EXPECT_TRUE(x.answered);
  EXPECT_EQ(x.version, "HTTP/1.1");
  EXPECT_EQ(x.status, 200);
  EXPECT_EQ(x.reason, "OK");
  EXPECT_NE(x.response_body.find("\"result\":5"), std::string::npos) << x.response_body;
  EXPECT_FALSE(x.error.has_value());
}

TEST(ExchangeObserver, SeesAFailedRequestWithItsError) {
  const std::string down = closed_port_url();
  std::vector<HttpExchange> seen;
  ClientOptions options;
  options.on_exchange = [&](const HttpExchange& x) { seen.push_back(x); };
  auto svc = RemoteService::open(down, options);
  ASSERT_TRUE(svc.ok());
  EXPECT_FALSE(svc.value().call("add").ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].answered);
  ASSERT_TRUE(seen[0].error.has_value());
  EXPECT_EQ(seen[0].error->kind, ErrorKind::kConnection);
  EXPECT_NE(seen[0].request_body.find("\"method\":\"add\""), std::string::npos);
}

TEST_F(RegistryClientTest, RegistryIsItselfARemoteService) {
  auto reg = RemoteService::connect(registry.api_url());
  ASSERT_TRUE(reg.ok()) << reg.error().describe();
  EXPECT_EQ(reg.value().name(), "gemstone.registry");
  EXPECT_TRUE(reg.value().has_method("locate_service"));
}

TEST(RemoteServiceProcess, ConnectFailsOnRefusedConnection) {
  auto svc = RemoteService::connect(closed_port_url());
  ASSERT_FALSE(svc.ok());
  EXPECT_EQ(svc.error().kind, ErrorKind::kConnection);
}

TEST(RemoteServiceProcess, TimeoutAgainstAServerThatNeverAnswers) {
  TestServiceProcess service({"--never-answer"});
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto svc = RemoteService::open(service.api_url(), options);
  ASSERT_TRUE(svc.ok());
  auto result = svc.value().call("add");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kTimeout);
}

TEST(RemoteServiceProcess, NonJsonServerIsAMalformedResponse) {
  TestServiceProcess service({"--non-json"});
  auto svc = RemoteService::connect(service.api_url());
  ASSERT_FALSE(svc.ok());
  EXPECT_EQ(svc.error().kind, ErrorKind::kMalformedResponse);
}

}  // namespace
}  // namespace gemstone::testing
