// `gemstone call [--registry URL]... NAME METHOD [PARAMS]...` against the
// real registry and the JSON-RPC test service.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

void register_instance(RegistryProcess& registry, const std::string& name, const std::string& url) {
  auto answer = registry.call("ping", "{\"name\":\"" + name + "\",\"url\":\"" + url + "\"}");
  ASSERT_TRUE(answer.IsObject() && answer.HasMember("result") && answer["result"].IsObject())
      << "ping failed";
}

class CallTest : public ::testing::Test {
 protected:
  RegistryProcess registry;
  TestServiceProcess service;
};

TEST_F(CallTest, LocatesTheServiceAndCallsIt) {
  register_instance(registry, "calc", service.api_url());
  auto r = run_gemstone({"call", "--registry", registry.api_url(), "calc", "add", "a:=20", "b:=22"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "42\n");
  EXPECT_NE(r.err.find("[!] Service identification: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Service name: test.service\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Service URL : " + service.api_url() + "\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Result:"), std::string::npos) << r.err;
}

TEST_F(CallTest, NameIsAGlobPattern) {
  register_instance(registry, "calc.v2", service.api_url());
  auto r = run_gemstone({"call", "-q", "--registry", registry.api_url(), "calc.*", "add", "a:=1", "b:=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(CallTest, ShellCaptureGetsOnlyTheRawResult) {
  register_instance(registry, "greeter", service.api_url());
  auto r = run_gemstone({"call", "-r", "--registry", registry.api_url(), "greeter", "greet", "name=x"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, x\n");  // the [!] lines went to stderr
  EXPECT_NE(r.err.find("[!]"), std::string::npos);
}

TEST_F(CallTest, NoLiveInstanceExitsThree) {
  auto r = run_gemstone({"call", "--registry", registry.api_url(), "nobody", "add"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("nobody"), std::string::npos) << r.err;
}

TEST_F(CallTest, RegistryFromEnvironment) {
  register_instance(registry, "calc", service.api_url());
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = registry.api_url();
  auto r = run(gemstone_binary(), {"call", "-q", "calc", "add", "a:=1", "b:=2"}, options);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST_F(CallTest, FailsOverToTheNextRegistryWhenTheFirstIsDown) {
  register_instance(registry, "calc", service.api_url());
  const std::string down = closed_port_url();
  auto r = run_gemstone({"call", "--registry", down, "--registry", registry.api_url(), "calc", "add",
                         "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
  EXPECT_NE(r.err.find(down), std::string::npos) << "the skipped registry is reported: " << r.err;
}

TEST_F(CallTest, CommaSeparatedEnvironmentRegistriesFailOver) {
  register_instance(registry, "calc", service.api_url());
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = closed_port_url() + "," + registry.api_url();
  auto r = run(gemstone_binary(), {"call", "-q", "calc", "add", "a:=1", "b:=2"}, options);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST_F(CallTest, AllRegistriesDownExitsFourNamingThem) {
  const std::string a = closed_port_url();
  const std::string b = closed_port_url();
  auto r = run_gemstone({"call", "--registry", a, "--registry", b, "calc", "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find(b), std::string::npos) << r.err;
}

TEST_F(CallTest, DeadInstanceIsSkippedForALiveOne) {
  register_instance(registry, "calc", closed_port_url());
  register_instance(registry, "calc", service.api_url());
  // The pick is random: whichever comes first, every call must succeed.
  for (int i = 0; i < 6; ++i) {
    auto r = run_gemstone({"call", "-q", "--registry", registry.api_url(), "calc", "add", "a:=1", "b:=1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "2\n");
  }
}

TEST_F(CallTest, ASkippedInstanceIsCalledAnInstanceNotARegistry) {
  const std::string dead = closed_port_url();
  register_instance(registry, "calc", dead);
  register_instance(registry, "calc", service.api_url());
  // The pick is random: call until the dead instance came first once.
  for (int i = 0; i < 50; ++i) {
    auto r = run_gemstone({"call", "--registry", registry.api_url(), "calc", "add", "a:=1", "b:=1"});
    ASSERT_EQ(r.status, 0) << r.err;
    if (r.err.find(dead) == std::string::npos) continue;
    EXPECT_NE(r.err.find("[!] " + dead + ": connection refused; trying the next instance\n"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("trying the next registry"), std::string::npos) << r.err;
    return;
  }
  FAIL() << "the dead instance never came first in 50 calls";
}

TEST_F(CallTest, OnlyDeadInstancesExitFour) {
  register_instance(registry, "calc", closed_port_url());
  auto r = run_gemstone({"call", "--registry", registry.api_url(), "calc", "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

TEST_F(CallTest, JsonRpcErrorOfTheServiceExitsOne) {
  register_instance(registry, "calc", service.api_url());
  auto r = run_gemstone({"call", "--registry", registry.api_url(), "calc", "fail"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("failed on purpose"), std::string::npos) << r.err;
}

TEST(CallWithStrictRegistry, WorksWithStrictResponses) {
  RegistryProcess registry({"--response-style", "strict"});
  TestServiceProcess service({"--strict"});
  register_instance(registry, "calc", service.api_url());
  auto r = run_gemstone({"call", "-q", "--registry", registry.api_url(), "calc", "add", "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST(CallTimeout, NeverAnsweringInstanceTimesOutWithinTheCommandTimeout) {
  RegistryProcess registry;
  TestServiceProcess service({"--never-answer"});
  register_instance(registry, "stuck", service.api_url());
  auto r = run_gemstone({"call", "--timeout", "0.5", "--registry", registry.api_url(), "stuck", "add"},
                        {}, std::chrono::seconds(20));
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("no answer within"), std::string::npos) << r.err;
}

// ---- Tokens ----

const std::string kToken = "tok-call-3e8a0f-DO-NOT-PRINT";

RunResult gemstone_with(std::vector<std::string> args, std::optional<std::string> env_token = std::nullopt) {
  ProcessOptions options;
  options.env["GEMSTONE_TOKEN"] = std::move(env_token);
  return run_gemstone(args, std::move(options));
}

// The test service with --require-token stands in for a registry that
// protects its reads: it answers every call, locate_service included, with
// -32001 unless the token comes with it.
TEST(CallWithProtectedRegistry, DeniedLocateExitsOneSayingAccessWasDenied) {
  TestServiceProcess registry({"--require-token", kToken});
  auto r = gemstone_with({"call", "--registry", registry.api_url(), "calc", "add"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("gemstone: error -32001: Access denied\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("access denied by the registry at " + registry.api_url()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no token was sent"), std::string::npos) << r.err;
}

TEST(CallWithProtectedRegistry, WrongTokenIsReportedAsRefused) {
  TestServiceProcess registry({"--require-token", kToken});
  auto r = gemstone_with({"call", "--registry", registry.api_url(), "calc", "add"}, "wrong-token");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did not accept the token"), std::string::npos) << r.err;
}

TEST(CallWithProtectedRegistry, TokenGetsPastTheRegistrysCheck) {
  TestServiceProcess registry({"--require-token", kToken});
  // Let in, the stand-in has no locate_service: -32601 instead of -32001.
  auto r = gemstone_with({"call", "--token", kToken, "--registry", registry.api_url(), "calc", "add"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32601"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Access denied"), std::string::npos) << r.err;
}

TEST(CallWithToken, TokenIsSentToTheLocatedServiceToo) {
  RegistryProcess registry;
  TestServiceProcess service({"--require-token", kToken});
  register_instance(registry, "calc", service.api_url());
  auto r = gemstone_with({"call", "-q", "-r", "--registry", registry.api_url(), "calc", "header",
                          "name=Authorization"},
                         kToken);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Bearer " + kToken + "\n");
}

TEST(CallWithToken, ServiceDenialIsNotBlamedOnTheRegistry) {
  RegistryProcess registry;
  TestServiceProcess service({"--require-token", kToken});
  register_instance(registry, "calc", service.api_url());
  auto r = gemstone_with({"call", "-q", "--registry", registry.api_url(), "calc", "add"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32001"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("by the registry"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gemstone::testing
