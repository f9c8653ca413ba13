// gemstone ping (once), gemstone unregister, register --url, and
// register's warning when --every is not well inside the registry's TTL,
// against real registries.

#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "eventually.hpp"
#include "registry_process.hpp"
#include "rpc_messages.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The url of each live instance of `name`, in the order the registry gives.
std::vector<std::string> urls_of(RegistryProcess& registry, const std::string& name) {
  std::vector<std::string> urls;
  auto doc = registry.call("locate_service", "{\"name\":\"" + name + "\"}");
  if (!doc.HasMember("result") || !doc["result"].IsArray()) return urls;
  for (const auto& i : doc["result"].GetArray()) urls.emplace_back(i["url"].GetString());
  return urls;
}

TEST(PingCommand, RegistersOnceInEveryRegistryAndExits) {
  RegistryProcess a;
  RegistryProcess b;
  auto r = run_gemstone({"ping", "--registry", a.api_url(), "--registry", b.api_url(), "--meta", "zone=eu-1",
                         "once.svc", "127.0.0.1", "9200"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  for (RegistryProcess* registry : {&a, &b}) {
    EXPECT_EQ(urls_of(*registry, "once.svc"), std::vector<std::string>{"http://127.0.0.1:9200/api"});
    EXPECT_TRUE(contains(r.err, "[!] registered once.svc at http://127.0.0.1:9200/api in " + registry->api_url()))
        << r.err;
  }
  auto doc = a.call("locate_service", R"({"name":"once.svc","meta":{"zone":"eu-1"}})");
  EXPECT_EQ(doc["result"].Size(), 1u);
}

TEST(PingCommand, JsonLinesNameEachRegistryAndARegistryDownExitsFour) {
  RegistryProcess up;
  const std::string down = closed_port_url();
  auto r = run_gemstone({"ping", "-o", "json", "--registry", up.api_url(), "--registry", down, "j.svc",
                         "127.0.0.1", "9201"});
  EXPECT_EQ(r.status, 4) << r.err;
  const auto first = r.out.substr(0, r.out.find('\n'));
  const auto second = r.out.substr(first.size() + 1);
  auto registered = parse(first);
  EXPECT_STREQ(registered["event"].GetString(), "registered");
  EXPECT_EQ(registered["registry"].GetString(), up.api_url());
  EXPECT_STREQ(registered["instance"]["name"].GetString(), "j.svc");
  auto failed = parse(second);
  EXPECT_STREQ(failed["event"].GetString(), "failed");
  EXPECT_EQ(failed["registry"].GetString(), down);
  EXPECT_TRUE(failed.HasMember("error"));
  EXPECT_EQ(urls_of(up, "j.svc").size(), 1u);  // the one that answered has it
}

TEST(PingCommand, UrlRegistersAnHttpsServiceOnAnotherPath) {
  RegistryProcess registry;
  auto r = run_gemstone({"ping", "--registry", registry.api_url(), "--url", "https://calc.example.com/rpc/v2",
                         "calc"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(urls_of(registry, "calc"), std::vector<std::string>{"https://calc.example.com/rpc/v2"});
}

TEST(PingCommand, RefusedByTheRegistryExitsOne) {
  RegistryProcess registry;
  auto r = run_gemstone({"ping", "--registry", registry.api_url(), "bad name", "127.0.0.1", "9202"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "-32602")) << r.err;
}

TEST(UnregisterCommand, RemovesTheInstanceFromEveryRegistry) {
  RegistryProcess a;
  RegistryProcess b;
  register_local(a, "gone.svc", 9300);
  register_local(b, "gone.svc", 9300);
  register_local(a, "gone.svc", 9301);  // another instance stays
  auto r = run_gemstone({"unregister", "--registry", a.api_url(), "--registry", b.api_url(), "gone.svc",
                         "127.0.0.1", "9300"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(urls_of(a, "gone.svc"), std::vector<std::string>{"http://127.0.0.1:9301/api"});
  EXPECT_TRUE(urls_of(b, "gone.svc").empty());
  EXPECT_TRUE(contains(r.err, "[!] unregistered gone.svc (127.0.0.1:9300) from " + a.api_url())) << r.err;
  EXPECT_TRUE(contains(r.err, "[!] unregistered gone.svc (127.0.0.1:9300) from " + b.api_url())) << r.err;
}

TEST(UnregisterCommand, ByUrl) {
  RegistryProcess registry;
  ASSERT_TRUE(registry.call("ping", R"({"name":"u.svc","url":"https://u.example.com/rpc"})").HasMember("result"));
  auto r = run_gemstone({"unregister", "-o", "json", "--registry", registry.api_url(), "--url",
                         "https://u.example.com/rpc", "u.svc"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto line = parse(r.out);
  EXPECT_STREQ(line["event"].GetString(), "unregistered");
  EXPECT_TRUE(line["removed"].GetBool());
  EXPECT_TRUE(urls_of(registry, "u.svc").empty());
}

TEST(UnregisterCommand, AnInstanceNoRegistryHasExitsThree) {
  RegistryProcess registry;
  auto r = run_gemstone({"unregister", "--registry", registry.api_url(), "never.svc", "127.0.0.1", "9400"});
  EXPECT_EQ(r.status, 3);
  EXPECT_TRUE(contains(r.err, "never.svc (127.0.0.1:9400) was not registered in " + registry.api_url())) << r.err;
  EXPECT_TRUE(contains(r.err, "gemstone: no registry had never.svc (127.0.0.1:9400)")) << r.err;
}

TEST(UnregisterCommand, ARegistryDownExitsFourAndTheOthersAreStillAsked) {
  RegistryProcess up;
  register_local(up, "half.svc", 9500);
  const std::string down = closed_port_url();
  auto r = run_gemstone({"unregister", "--registry", down, "--registry", up.api_url(), "half.svc", "127.0.0.1",
                         "9500"});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_TRUE(urls_of(up, "half.svc").empty());
  EXPECT_TRUE(contains(r.err, down)) << r.err;
}

TEST(RegisterCommandUrl, KeepsAnInstanceByUrlAndUnregistersIt) {
  RegistryProcess registry;
  auto sidecar = Process::start(gemstone_binary(), {"register", "--registry", registry.api_url(), "--url",
                                                    "https://r.example.com:8443/rpc", "r.svc"});
  ASSERT_TRUE(eventually([&] { return urls_of(registry, "r.svc").size() == 1; })) << sidecar->err();
  EXPECT_EQ(urls_of(registry, "r.svc"), std::vector<std::string>{"https://r.example.com:8443/rpc"});
  sidecar->send_signal(SIGTERM);
  EXPECT_EQ(sidecar->wait(10s).value_or(-1), 0) << sidecar->err();
  EXPECT_TRUE(urls_of(registry, "r.svc").empty());
}

TEST(RegisterCommandEvery, WarnsWhenTheIntervalIsNotWellInsideTheTtl) {
  RegistryProcess registry({"--ttl", "4"});
  auto sidecar = Process::start(gemstone_binary(), {"register", "--every", "3", "--registry", registry.api_url(),
                                                    "slow.svc", "127.0.0.1", "9600"});
  ASSERT_TRUE(sidecar->wait_for_stderr(
      [](const std::string& err) { return err.find("is not well inside") != std::string::npos; }, 10s))
      << sidecar->err();
  sidecar->send_signal(SIGTERM);
  EXPECT_EQ(sidecar->wait(10s).value_or(-1), 0);
  sidecar->join_output();
  EXPECT_TRUE(contains(sidecar->err(), "gemstone: --every 3s is not well inside the TTL of " + registry.api_url() +
                                           " (4s): one late ping and the instance expires there; ping at "
                                           "most every 2s\n"))
      << sidecar->err();
}

TEST(RegisterCommandEvery, SaysNothingWhenItIs) {
  RegistryProcess registry({"--ttl", "4"});
  auto sidecar = Process::start(gemstone_binary(), {"register", "--every", "2", "--registry", registry.api_url(),
                                                    "fine.svc", "127.0.0.1", "9601"});
  ASSERT_TRUE(sidecar->wait_for_stderr(
      [](const std::string& err) { return err.find("[!] registered fine.svc") != std::string::npos; }, 10s));
  sidecar->send_signal(SIGTERM);
  EXPECT_EQ(sidecar->wait(10s).value_or(-1), 0);
  sidecar->join_output();
  EXPECT_FALSE(contains(sidecar->err(), "not well inside")) << sidecar->err();
}

}  // namespace
}  // namespace gemstone::testing
