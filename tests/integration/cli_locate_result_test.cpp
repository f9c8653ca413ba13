// Fleets on gemstone 0.5 to 0.12 expect locate_service to answer URL
// strings. The registry answers them with locate_result = urls; the command
// and the client library read both answers from any registry, and say what
// a registry answered when it is neither.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gemstone/registry_client.hpp"
#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

// gemstone's own example registry keeps name -> url and answers [url]: the
// test service stands in for it with a fixed locate_service answer.
std::unique_ptr<TestServiceProcess> url_registry(const std::string& answer) {
  return std::make_unique<TestServiceProcess>(
      std::vector<std::string>{"--name", "old.registry", "--locate-answer", answer});
}

// Runs one of the Python clients written the way a gemstone version behaved.
RunResult run_python_client(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"python3", std::string(GEMSTONE_TESTS_DIR) + "/integration/python/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run("/usr/bin/env", argv, {}, 30s);
}

TEST(LocateResultTest, Gemstone012ClientFindsAndCallsThroughAUrlsRegistry) {
  RegistryProcess registry({"--locate-result", "urls"});
  TestServiceProcess service;
  auto result = run_python_client("gemstone_012_client.py", {registry.api_url(), service.api_url()});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "ok\n") << result.err;
}

TEST(LocateResultTest, Gemstone012ClientFailsAgainstTheDefaultAnswer) {
  // Why the option exists: instance objects are not URLs to gemstone 0.12.
  RegistryProcess registry;
  TestServiceProcess service;
  auto result = run_python_client("gemstone_012_client.py", {registry.api_url(), service.api_url()});
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("unknown url type"), std::string::npos) << result.out;
}

TEST(LocateResultTest, GemstoneEraClientStillWorksWithTheDefault) {
  RegistryProcess registry({"--locate-result", "instances"});
  auto result = run_python_client("gemstone_era_client.py", {registry.api_url()});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
}

TEST(LocateResultTest, CommandCallsAndLocatesThroughAUrlsRegistry) {
  RegistryProcess registry({"--locate-result", "urls"});
  TestServiceProcess service;
  auto pinged = registry.call("ping", R"(["echo.urls",")" + service.api_url() + R"("])");
  ASSERT_TRUE(pinged["result"].IsObject());

  auto call = run_gemstone({"call", "-q", "--registry", registry.api_url(), "echo.*", "greet", "name=urls"});
  EXPECT_EQ(call.status, 0) << call.err;
  EXPECT_EQ(call.out, "\"hello, urls\"\n") << call.err;

  auto locate = run_gemstone({"locate", "--json", "--compact", "--registry", registry.api_url(), "echo.*"});
  EXPECT_EQ(locate.status, 0) << locate.err;
  EXPECT_NE(locate.out.find(service.api_url()), std::string::npos) << locate.out;
  EXPECT_NE(locate.out.find("\"port\":" + std::to_string(service.port())), std::string::npos) << locate.out;

  auto none = run_gemstone({"locate", "--registry", registry.api_url(), "nothing.*"});
  EXPECT_EQ(none.status, 3) << none.err;
}

TEST(LocateResultTest, CommandAndLibraryReadAnOldRegistrysUrlAnswer) {
  TestServiceProcess service;
  auto old = url_registry("[\"" + service.api_url() + "\"]");
  auto call = run_gemstone({"call", "-q", "--registry", old->api_url(), "anything", "greet", "name=old"});
  EXPECT_EQ(call.status, 0) << call.err;
  EXPECT_EQ(call.out, "\"hello, old\"\n") << call.err;

  auto client = RegistryClient::open({old->api_url()});
  ASSERT_TRUE(client.ok());
  auto located = client.value().locate("anything");
  ASSERT_TRUE(located.ok()) << located.error().describe();
  ASSERT_EQ(located.value().size(), 1u);
  EXPECT_EQ(located.value()[0].url, service.api_url());
  EXPECT_EQ(located.value()[0].port, service.port());
  EXPECT_EQ(located.value()[0].host, "127.0.0.1");
}

TEST(LocateResultTest, UnusableAnswerIsExit4NamingTheRegistryAndTheAnswer) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"url":"http://127.0.0.1:1/api"})", R"({"url":"http://127.0.0.1:1/api"})"},
      {"[42]", "42"},
      {R"(["not a url"])", "not a url"},
      {R"([{"port":1}])", R"({"port":1})"}};
  for (const auto& [answer, shown] : cases) {
    auto old = url_registry(answer);
    auto call = run_gemstone({"call", "--registry", old->api_url(), "svc", "greet", "name=x"});
    EXPECT_EQ(call.status, 4) << answer << ": " << call.err;
    EXPECT_NE(call.err.find(old->api_url()), std::string::npos) << call.err;
    EXPECT_NE(call.err.find(shown), std::string::npos) << "the answer is not shown: " << call.err;
    auto locate = run_gemstone({"locate", "--registry", old->api_url(), "svc"});
    EXPECT_EQ(locate.status, 4) << answer << ": " << locate.err;
  }
}

}  // namespace
}  // namespace gemstone::testing
