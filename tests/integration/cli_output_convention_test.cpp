// One output convention for every command: -o text|json (text is the
// default but for watch), --json the same as -o json, --compact one-line
// JSON (and so JSON), -q no [!] lines. Each command is run with each.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "registry_process.hpp"
#include "rpc_messages.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool is_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  return !doc.HasParseError();
}

// The commands that end on their own, each with what it needs; "REGISTRY"
// and "SERVICE" stand for the URLs of this test's registry and service.
struct CommandCase {
  const char* name;
  std::vector<std::string> args;
  bool json_lines;  ///< prints one JSON value per line (else one value)
};

class OutputConventionTest : public ::testing::TestWithParam<CommandCase> {
 protected:
  // Registers conv.svc again before each run: unregister removes it.
  void register_service() {
    ASSERT_TRUE(registry.call("ping", "{\"name\":\"conv.svc\",\"url\":\"" + service.api_url() + "\"}")
                    .HasMember("result"));
  }
  RunResult gemstone(const std::vector<std::string>& print) {
    register_service();
    std::vector<std::string> args;
    for (std::string a : GetParam().args) {
      if (a == "REGISTRY") a = registry.api_url();
      if (a == "SERVICE") a = service.api_url();
      args.push_back(a);
    }
    // Print flags after the command's name, as its --help shows them.
    args.insert(args.begin() + 1, print.begin(), print.end());
    return run_gemstone(args);
  }
  void expect_json(const RunResult& r, bool compact) {
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_FALSE(r.out.empty());
    if (GetParam().json_lines || compact) {
      for (const std::string& line : lines_of(r.out)) EXPECT_TRUE(is_json(line)) << line;
    } else {
      EXPECT_TRUE(is_json(r.out)) << r.out;
    }
  }

  RegistryProcess registry;
  TestServiceProcess service;
};

TEST_P(OutputConventionTest, DashOJsonJsonAndCompactPrintJson) {
  auto o_json = gemstone({"-o", "json"});
  expect_json(o_json, false);
  auto output_json = gemstone({"--output=json"});
  expect_json(output_json, false);
  auto json = gemstone({"--json"});
  expect_json(json, false);
  auto compact = gemstone({"--compact"});
  expect_json(compact, true);
  if (!GetParam().json_lines) {
    EXPECT_EQ(lines_of(compact.out).size(), 1u) << compact.out;
  }
}

TEST_P(OutputConventionTest, QuietIsAcceptedAndSilencesTheDiagnosticLines) {
  auto r = gemstone({"-q"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("[!]"), std::string::npos) << r.err;
}

TEST_P(OutputConventionTest, TextContradictingJsonIsAUsageError) {
  auto r = gemstone({"-o", "text", "--compact"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gemstone: --compact asks for JSON: it cannot go with -o text\n");
}

INSTANTIATE_TEST_SUITE_P(
    EveryCommand, OutputConventionTest,
    ::testing::Values(
        CommandCase{"locate", {"locate", "--registry", "REGISTRY", "conv.*"}, false},
        CommandCase{"locate_all", {"locate", "--all", "--registry", "REGISTRY", "conv.*"}, false},
        CommandCase{"services", {"services", "--registry", "REGISTRY"}, false},
        CommandCase{"specs", {"specs", "SERVICE"}, false},
        CommandCase{"call", {"call", "--registry", "REGISTRY", "conv.svc", "echo", "value:={\"a\":[1]}"}, false},
        CommandCase{"call_raw", {"call_raw", "SERVICE", "echo", "value:={\"a\":[1]}"}, false},
        CommandCase{"ping", {"ping", "--registry", "REGISTRY", "conv.other", "127.0.0.1", "9001"}, true},
        CommandCase{"unregister", {"unregister", "--registry", "REGISTRY", "--url", "SERVICE", "conv.svc"}, true}),
    [](const ::testing::TestParamInfo<CommandCase>& info) { return std::string(info.param.name); });

TEST(OutputConvention, LocateWasTextAndIsStillTextByDefault) {
  RegistryProcess registry;
  register_local(registry, "text.svc", 9000);
  auto r = run_gemstone({"locate", "--registry", registry.api_url(), "text.*"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("NAME ", 0), 0u) << r.out;
}

TEST(OutputConvention, WatchPrintsWordsWithDashOText) {
  RegistryProcess registry;
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  auto watch = Process::start(gemstone_binary(),
                              {"watch", "-o", "text", "--initial", "--registry", registry.api_url(), "w.*"},
                              options);
  registry.call("ping", R"({"name":"w.a","host":"10.0.0.1","port":80,"meta":{"zone":"eu-1"}})");
  ASSERT_TRUE(eventually([&] {
    return watch->out().find("added w.a 10.0.0.1:80 http://10.0.0.1:80/api zone=eu-1\n") != std::string::npos;
  })) << watch->out() << watch->err();
  registry.call("unregister", R"({"name":"w.a","host":"10.0.0.1","port":80})");
  ASSERT_TRUE(eventually([&] {
    return watch->out().find("removed w.a 10.0.0.1:80 http://10.0.0.1:80/api zone=eu-1 (unregistered)\n") !=
           std::string::npos;
  })) << watch->out();
  watch->send_signal(SIGINT);
  EXPECT_EQ(watch->wait(5s).value_or(-1), 0);
}

}  // namespace
}  // namespace gemstone::testing
