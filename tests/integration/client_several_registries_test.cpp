// The client library with several registries: a Registrar keeps an
// instance in all of them, and locate walks past a registry that is down
// or has no match. Real registries on loopback.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "gemstone/registrar.hpp"
#include "gemstone/registry_client.hpp"
#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;


RegistrarOptions quick(std::chrono::milliseconds interval = 100ms, std::chrono::milliseconds timeout = 1s) {
  RegistrarOptions options;
  options.interval = interval;
  options.client.timeout = timeout;
  return options;
}

// Events as the observer saw them, from the registrar's threads.
struct Seen {
  std::mutex mutex;
  std::vector<RegistrarEvent> events;
  Registrar::Observer observer() {
    return [this](const RegistrarEvent& e) {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(e);
    };
  }
  std::size_t count(const std::string& url, RegistrarEvent::Kind kind) {
    std::lock_guard<std::mutex> lock(mutex);
    std::size_t n = 0;
    for (const auto& e : events) n += e.registry_url == url && e.kind == kind ? 1 : 0;
    return n;
  }
};

TEST(Registrar, KeepsTheInstanceInEveryRegistryAndUnregistersOnStop) {
  RegistryProcess a, b, c;
  Seen seen;
  auto registrar = Registrar::start({a.api_url(), b.api_url(), c.api_url()},
                                    Registration::at("lib.svc", "127.0.0.1", 9400), quick(), seen.observer());
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] {
    return located_count(a, "lib.svc") == 1 && located_count(b, "lib.svc") == 1 && located_count(c, "lib.svc") == 1;
  }));
  ASSERT_TRUE(eventually([&] { return seen.count(c.api_url(), RegistrarEvent::Kind::kRenewed) > 0; }));
  EXPECT_EQ(seen.count(a.api_url(), RegistrarEvent::Kind::kRegistered), 1u);

  const auto events = registrar.value().stop();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].registry_url, a.api_url());
  EXPECT_EQ(events[2].registry_url, c.api_url());
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, RegistrarEvent::Kind::kUnregistered) << e.registry_url;
    EXPECT_TRUE(e.removed);
  }
  EXPECT_EQ(located_count(a, "lib.svc") + located_count(b, "lib.svc") + located_count(c, "lib.svc"), 0u);
  EXPECT_TRUE(registrar.value().stop().empty()) << "a second stop does nothing";
}

TEST(Registrar, ByUrlKeepsTheUrl) {
  RegistryProcess a;
  auto registrar = Registrar::start({a.api_url()}, Registration::by_url("url.svc", "http://10.0.0.9:8080/rpc"),
                                    quick());
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] { return located_count(a, "url.svc") == 1; }));
  auto doc = a.call("locate_service", R"({"name":"url.svc"})");
  EXPECT_STREQ(doc["result"][0]["url"].GetString(), "http://10.0.0.9:8080/rpc");
}

TEST(Registrar, ARestartedRegistryGetsTheInstanceBackWithinOneInterval) {
  RegistryProcess a;
  auto b = std::make_unique<RegistryProcess>();
  const int port = b->port();
  const std::string url = b->api_url();
  Seen seen;
  auto registrar = Registrar::start({a.api_url(), url}, Registration::at("back.lib", "127.0.0.1", 9401),
                                    quick(200ms, 500ms), seen.observer());
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] { return located_count(*b, "back.lib") == 1; }));
  ASSERT_EQ(b->stop(), 0);
  b.reset();
  ASSERT_TRUE(eventually([&] { return seen.count(url, RegistrarEvent::Kind::kFailed) > 0; }));
  b = std::make_unique<RegistryProcess>(std::vector<std::string>{"--port", std::to_string(port)});
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return located_count(*b, "back.lib") == 1; }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 1200ms);
  // The registrar tells its observer after the answer has arrived, which can
  // be just after the test's locate already sees the instance.
  EXPECT_TRUE(eventually([&] { return seen.count(url, RegistrarEvent::Kind::kRegistered) == 2u; }, 2s))
      << "registered again, not renewed";
}

TEST(Registrar, AHangingRegistryDelaysNothing) {
  TestServiceProcess hung({"--never-answer"});
  RegistryProcess a({"--ttl", "1"});
  const auto started = std::chrono::steady_clock::now();
  auto registrar = Registrar::start({hung.api_url(), a.api_url()}, Registration::at("hang.lib", "127.0.0.1", 9402),
                                    quick(200ms, 2s));
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] { return located_count(a, "hang.lib") == 1; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(located_count(a, "hang.lib"), 1u) << "renewed within the TTL";

  const auto stopping = std::chrono::steady_clock::now();
  std::thread stopper([&] { registrar.value().stop(); });
  EXPECT_TRUE(eventually([&] { return located_count(a, "hang.lib") == 0; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s) << "unregistered without waiting for the hung one";
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s) << "stop() is bounded by the timeouts";
}

TEST(Registrar, AllRefusedWhenEveryRegistryDeniesAccess) {
  TestServiceProcess a({"--require-token", "x"}), b({"--require-token", "y"});
  Seen seen;
  auto registrar = Registrar::start({a.api_url(), b.api_url()}, Registration::at("deny.lib", "127.0.0.1", 9403),
                                    quick(), seen.observer());
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] { return registrar.value().all_refused(); }, 5s));
  EXPECT_EQ(seen.count(a.api_url(), RegistrarEvent::Kind::kRefused), 1u);
  EXPECT_TRUE(registrar.value().stop().empty()) << "nothing to unregister";
}

TEST(Registrar, NotAllRefusedWhileOneRegistryTakesTheInstance) {
  TestServiceProcess denying({"--require-token", "x"});
  RegistryProcess open;
  Seen seen;
  auto registrar = Registrar::start({denying.api_url(), open.api_url()},
                                    Registration::at("half.lib", "127.0.0.1", 9404), quick(), seen.observer());
  ASSERT_TRUE(registrar.ok());
  ASSERT_TRUE(eventually([&] { return seen.count(denying.api_url(), RegistrarEvent::Kind::kRefused) == 1; }));
  ASSERT_TRUE(eventually([&] { return located_count(open, "half.lib") == 1; }));
  EXPECT_FALSE(registrar.value().all_refused());
}

TEST(Registrar, AnUnusableUrlFailsBeforeAnyNetwork) {
  auto registrar = Registrar::start({"ftp://example.org/api"}, Registration::at("x", "127.0.0.1", 1));
  ASSERT_FALSE(registrar.ok());
  EXPECT_EQ(registrar.error().kind, ErrorKind::kInvalidUrl);
  EXPECT_FALSE(Registrar::start({}, Registration::at("x", "127.0.0.1", 1)).ok());
}

TEST(PingEveryRegistry, OneEventPerRegistryInOrderWithoutWaitingForTheDeadOnes) {
  RegistryProcess a;
  TestServiceProcess hung({"--never-answer"});
  ClientOptions options;
  options.timeout = 500ms;
  const std::string down = closed_port_url();
  const auto started = std::chrono::steady_clock::now();
  auto events = ping_every_registry({down, hung.api_url(), a.api_url()},
                                    Registration::at("once.lib", "127.0.0.1", 9405), options);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, RegistrarEvent::Kind::kFailed);
  EXPECT_EQ(events[1].kind, RegistrarEvent::Kind::kFailed);
  EXPECT_EQ(events[1].error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(events[2].kind, RegistrarEvent::Kind::kRegistered);
  EXPECT_EQ(events[2].registry_url, a.api_url());
  EXPECT_EQ(located_count(a, "once.lib"), 1u);
}

// ---- locate across registries ----

class LocateAcrossRegistries : public ::testing::Test {
 protected:
  RegistryClient client(const std::vector<std::string>& urls) {
    auto opened = RegistryClient::open(urls);
    EXPECT_TRUE(opened.ok());
    return std::move(opened).value();
  }
  RegistryProcess empty;
  RegistryProcess full;
};

TEST_F(LocateAcrossRegistries, SkipsAnUnreachableAndAnEmptyRegistryInOrder) {
  register_local(full, "hello.x", 9500);
  const std::string down = closed_port_url();
  RegistryClient c = client({down, empty.api_url(), full.api_url()});
  std::vector<ClientError> skipped;
  c.set_observer([&](const ClientError& e) { skipped.push_back(e); });
  auto located = c.locate("hello.*");
  ASSERT_TRUE(located.ok()) << located.error().describe();
  ASSERT_EQ(located.value().size(), 1u);
  EXPECT_EQ(located.value()[0].port, 9500);
  EXPECT_EQ(c.current_url(), full.api_url());
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0].url, down);
  EXPECT_EQ(skipped[0].kind, ErrorKind::kConnection);
  EXPECT_EQ(skipped[1].url, empty.api_url());
  EXPECT_EQ(skipped[1].kind, ErrorKind::kNoInstance);
}

TEST_F(LocateAcrossRegistries, EmptyWhenEveryReachableRegistryHasNoMatch) {
  RegistryClient c = client({empty.api_url(), closed_port_url(), full.api_url()});
  auto located = c.locate("hello.*");
  ASSERT_TRUE(located.ok()) << located.error().describe();
  EXPECT_TRUE(located.value().empty());
  auto picked = c.pick("hello.*");
  ASSERT_FALSE(picked.ok());
  EXPECT_EQ(picked.error().kind, ErrorKind::kNoInstance);
}

TEST_F(LocateAcrossRegistries, TransportErrorWhenNoRegistryCanBeReached) {
  RegistryClient c = client({closed_port_url(), closed_port_url()});
  auto located = c.locate("hello.*");
  ASSERT_FALSE(located.ok());
  EXPECT_TRUE(located.error().is_transport());
}

TEST_F(LocateAcrossRegistries, ConnectFindsTheServiceInTheSecondRegistry) {
  TestServiceProcess service;
  register_local(full, "hello.x", service.port());
  RegistryClient c = client({empty.api_url(), full.api_url()});
  auto connected = c.connect("hello.*", ClientOptions{});
  ASSERT_TRUE(connected.ok()) << connected.error().describe();
  EXPECT_EQ(connected.value().url(), service.api_url());
}

TEST_F(LocateAcrossRegistries, LocateAllAndMergeSayWhichRegistriesHoldEachInstance) {
  register_local(empty, "m.lib", 9601);
  register_local(empty, "m.lib", 9602);
  register_local(full, "m.lib", 9602);
  const std::string down = closed_port_url();
  RegistryClient c = client({empty.api_url(), full.api_url(), down});
  const auto answers = c.locate_all("m.*");
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers[0].instances.ok());
  EXPECT_EQ(answers[1].registry_url, full.api_url());
  EXPECT_FALSE(answers[2].instances.ok());

  const auto merged = merge_located(answers);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].instance.port, 9601);
  EXPECT_EQ(merged[0].registries, (std::vector<std::string>{empty.api_url()}));
  EXPECT_EQ(merged[1].instance.port, 9602);
  EXPECT_EQ(merged[1].registries, (std::vector<std::string>{empty.api_url(), full.api_url()}));
}

}  // namespace
}  // namespace gemstone::testing
