// `gemstone locate`, `services`, `specs` and `register` against the real
// registry.

#include <signal.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "registry_process.hpp"
#include "temp_dir.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

class RegistryCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry.call("ping", R"({"name":"calc","host":"127.0.0.1","port":9001})");
    registry.call("ping", R"({"name":"calc","host":"127.0.0.1","port":9002})");
    registry.call("ping", R"({"name":"billing.api","url":"http://10.0.0.8:8080/rpc"})");
  }
  RunResult gemstone(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--registry", registry.api_url()});
    return run_gemstone(args);
  }
  RegistryProcess registry;
};

TEST_F(RegistryCommandsTest, LocatePrintsATableWithTheTimeLeft) {
  auto r = gemstone({"locate", "calc"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("EXPIRES IN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("http://127.0.0.1:9001/api"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("http://127.0.0.1:9002/api"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("billing"), std::string::npos) << r.out;
}

TEST_F(RegistryCommandsTest, LocateJsonListsInstancesWithExpiresIn) {
  auto r = gemstone({"locate", "--json", "*"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = parse(r.out);
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(doc.Size(), 3u);
  for (const auto& i : doc.GetArray()) {
    EXPECT_TRUE(i["name"].IsString());
    EXPECT_TRUE(i["url"].IsString());
    EXPECT_TRUE(i["port"].IsInt());
    EXPECT_GT(i["expires_in"].GetDouble(), 0.0);
  }
}

TEST_F(RegistryCommandsTest, LocateKeepsTheRegisteredUrl) {
  auto r = gemstone({"locate", "--json", "--compact", "billing.*"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = parse(r.out);
  ASSERT_EQ(doc.Size(), 1u);
  EXPECT_STREQ(doc[0]["url"].GetString(), "http://10.0.0.8:8080/rpc");
}

TEST_F(RegistryCommandsTest, LocateWithoutMatchExitsThree) {
  auto r = gemstone({"locate", "nobody*"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("nobody*"), std::string::npos) << r.err;
}

TEST_F(RegistryCommandsTest, ServicesCountsInstances) {
  auto r = gemstone({"services"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("INSTANCES"), std::string::npos) << r.out;
  auto j = gemstone({"services", "--json", "--compact"});
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(j.out, R"([{"name":"billing.api","instances":1},{"name":"calc","instances":2}])" "\n");
}

TEST_F(RegistryCommandsTest, ServicesTakesAPattern) {
  auto r = gemstone({"services", "--json", "--compact", "c*"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, R"([{"name":"calc","instances":2}])" "\n");
}

TEST_F(RegistryCommandsTest, SpecsOfTheRegistry) {
  auto r = run_gemstone({"specs", registry.api_url()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("gemstone.registry"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("locate_service"), std::string::npos) << r.out;
  auto j = run_gemstone({"specs", "--json", registry.api_url()});
  ASSERT_EQ(j.status, 0) << j.err;
  auto doc = parse(j.out);
  EXPECT_STREQ(doc["name"].GetString(), "gemstone.registry");
  EXPECT_TRUE(doc["methods"].HasMember("ping"));
}

TEST(SpecsCommand, ServiceWithoutSpecsExitsOne) {
  TestServiceProcess service({"--no-specs"});
  auto r = run_gemstone({"specs", service.api_url()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32601"), std::string::npos) << r.err;
}

TEST(SpecsCommand, ListsTheMethodsOfAService) {
  TestServiceProcess service;
  auto r = run_gemstone({"specs", service.api_url()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("test.service"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Adds two numbers."), std::string::npos) << r.out;
}

TEST(RegistryCommandsDown, LocateAgainstADeadRegistryExitsFour) {
  const std::string down = closed_port_url();
  auto r = run_gemstone({"locate", "--registry", down, "x"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find(down), std::string::npos) << r.err;
}

std::size_t instances_of(RegistryProcess& registry, const std::string& name) {
  auto doc = registry.call("locate_service", "{\"name\":\"" + name + "\"}");
  return doc.HasMember("result") && doc["result"].IsArray() ? doc["result"].Size() : 0;
}

TEST(RegisterCommand, KeepsAnInstanceAliveAndUnregistersOnSigterm) {
  RegistryProcess registry({"--ttl", "1"});
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  auto sidecar = Process::start(gemstone_binary(),
                                {"register", "--registry", registry.api_url(), "--every", "0.1",
                                 "--json", "sidecar.svc", "127.0.0.1", "9100"},
                                options);
  ASSERT_TRUE(eventually([&] { return instances_of(registry, "sidecar.svc") == 1; }));
  // Outlives several TTLs because it keeps pinging.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(instances_of(registry, "sidecar.svc"), 1u);

  sidecar->send_signal(SIGTERM);
  auto status = sidecar->wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << sidecar->err();
  EXPECT_EQ(instances_of(registry, "sidecar.svc"), 0u) << "unregistered before the TTL ran out";
  sidecar->join_output();
  EXPECT_NE(sidecar->out().find("\"url\":\"http://127.0.0.1:9100/api\""), std::string::npos)
      << sidecar->out();
  EXPECT_NE(sidecar->err().find("unregistered"), std::string::npos) << sidecar->err();
}

TEST(RegisterCommand, SigintAlsoUnregisters) {
  RegistryProcess registry;
  auto sidecar = Process::start(gemstone_binary(), {"register", "-q", "--registry", registry.api_url(),
                                                    "sidecar.int", "127.0.0.1", "9101"});
  ASSERT_TRUE(eventually([&] { return instances_of(registry, "sidecar.int") == 1; }));
  sidecar->send_signal(SIGINT);
  auto status = sidecar->wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << sidecar->err();
  EXPECT_EQ(instances_of(registry, "sidecar.int"), 0u);
}

TEST(RegisterCommand, InvalidInstanceIsRefusedWithExitOne) {
  RegistryProcess registry;
  auto r = run_gemstone({"register", "--registry", registry.api_url(), "bad name", "127.0.0.1", "9102"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32602"), std::string::npos) << r.err;
}

TEST(RegisterCommand, KeepsTryingWhileTheRegistryIsDown) {
  auto sidecar = Process::start(gemstone_binary(), {"register", "--registry", closed_port_url(),
                                                    "--every", "0.1", "svc", "127.0.0.1", "9103"});
  ASSERT_TRUE(sidecar->wait_for_stderr(
      [](const std::string& err) { return err.find("retrying") != std::string::npos; },
      std::chrono::seconds(10)));
  EXPECT_FALSE(sidecar->wait(std::chrono::milliseconds(300)).has_value()) << "still running";
  sidecar->send_signal(SIGTERM);
  auto status = sidecar->wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
}

// ---- Tokens ----
// The test service with --require-token stands in for a protected registry:
// it answers every call (ping, locate_service, ...) with -32001 unless the
// token comes with it.

const std::string kToken = "tok-reg-71d2c4-DO-NOT-PRINT";

RunResult gemstone_with(std::vector<std::string> args, std::optional<std::string> env_token = std::nullopt) {
  ProcessOptions options;
  options.env["GEMSTONE_TOKEN"] = std::move(env_token);
  return run_gemstone(args, std::move(options), std::chrono::seconds(20));
}

TEST(RegisterWithProtectedRegistry, DeniedPingExitsOneAtOnceSayingAccessWasDenied) {
  TestServiceProcess registry({"--require-token", kToken});
  const auto started = std::chrono::steady_clock::now();
  // --every 0.1: a retry loop would keep it running until the 20 s kill.
  auto r = gemstone_with({"register", "--every", "0.1", "--registry", registry.api_url(), "calc",
                          "127.0.0.1", "9000"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(r.err.find("gemstone: error -32001: Access denied\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("access denied by the registry at " + registry.api_url()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("retrying"), std::string::npos) << r.err;
}

TEST(RegisterWithProtectedRegistry, TokenFileGetsThePingPastTheCheck) {
  TestServiceProcess registry({"--require-token", kToken});
  TempDir dir;
  const std::string file = dir.path() + "/write.token";
  std::ofstream(file) << kToken << "\n";
  // Let in, the stand-in has no ping method: -32601 instead of -32001.
  auto r = gemstone_with({"register", "--token-file", file, "--registry", registry.api_url(), "calc",
                          "127.0.0.1", "9000"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32601"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Access denied"), std::string::npos) << r.err;
}

TEST(RegisterWithProtectedRegistry, RealRegistryTakesTheTokenForPingAndUnregister) {
  TempDir dir;
  const std::string file = dir.path() + "/write.token";
  std::ofstream(file) << "# registry write token\n" << kToken << "\n";
  RegistryProcess registry({"--write-token-file", file});
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  options.env["GEMSTONE_TOKEN"] = std::nullopt;
  auto sidecar = Process::start(gemstone_binary(),
                                {"register", "--every", "0.1", "--token-file", file, "--registry",
                                 registry.api_url(), "sidecar.tok", "127.0.0.1", "9104"},
                                options);
  ASSERT_TRUE(eventually([&] { return instances_of(registry, "sidecar.tok") == 1; })) << sidecar->err();
  sidecar->send_signal(SIGTERM);
  auto status = sidecar->wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << sidecar->err();
  EXPECT_EQ(instances_of(registry, "sidecar.tok"), 0u) << "unregister carried the token too";
  sidecar->join_output();
  EXPECT_EQ(sidecar->err().find(kToken), std::string::npos) << sidecar->err();
}

TEST(RegistryCommandsWithProtectedRegistry, LocateAndServicesDeniedExitOne) {
  TestServiceProcess registry({"--require-token", kToken});
  for (const std::string command : {"locate", "services"}) {
    auto r = gemstone_with({command, "--registry", registry.api_url(), "calc"});
    EXPECT_EQ(r.status, 1) << command;
    EXPECT_NE(r.err.find("-32001"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("access denied by the registry"), std::string::npos) << command << ": " << r.err;
  }
}

}  // namespace
}  // namespace gemstone::testing
