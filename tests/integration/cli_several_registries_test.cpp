// `gemstone register`, `call` and `locate` with several registries, as
// gemstone meant them: register pings every one, call and locate ask the
// next one when a registry is down or has no match. Real registries on
// loopback; a test service that never answers stands in for a hung one.

#include <signal.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;


std::vector<std::string> with_registries(std::vector<std::string> args, const std::vector<std::string>& urls) {
  std::vector<std::string> out = {args.front()};
  for (const std::string& url : urls) out.insert(out.end(), {"--registry", url});
  out.insert(out.end(), args.begin() + 1, args.end());
  return out;
}

std::unique_ptr<Process> start_register(const std::vector<std::string>& urls, std::vector<std::string> args) {
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  options.env["GEMSTONE_TOKEN"] = std::nullopt;
  args.insert(args.begin(), "register");
  return Process::start(gemstone_binary(), with_registries(args, urls), options);
}

int stop_and_wait(Process& p) {
  p.send_signal(SIGTERM);
  auto status = p.wait(10s);
  p.join_output();
  return status.value_or(-1);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<rapidjson::Document> json_lines(const std::string& text) {
  std::vector<rapidjson::Document> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    EXPECT_FALSE(doc.HasParseError()) << line;
    out.push_back(std::move(doc));
  }
  return out;
}

// ---- register ----

TEST(RegisterInSeveralRegistries, ReachesEveryRegistryAndUnregistersFromAllOnSigterm) {
  RegistryProcess a, b, c;
  auto sidecar = start_register({a.api_url(), b.api_url(), c.api_url()},
                                {"--every", "0.2", "side.car", "127.0.0.1", "9999"});
  ASSERT_TRUE(eventually([&] {
    return located_count(a, "side.*") == 1 && located_count(b, "side.*") == 1 && located_count(c, "side.*") == 1;
  })) << sidecar->err();
  EXPECT_EQ(stop_and_wait(*sidecar), 0) << sidecar->err();
  EXPECT_EQ(located_count(a, "side.car"), 0u);
  EXPECT_EQ(located_count(b, "side.car"), 0u);
  EXPECT_EQ(located_count(c, "side.car"), 0u);
  for (RegistryProcess* r : {&a, &b, &c}) {
    EXPECT_TRUE(contains(sidecar->err(), "registered side.car at http://127.0.0.1:9999/api in " + r->api_url()))
        << sidecar->err();
    EXPECT_TRUE(contains(sidecar->err(), "unregistered side.car (127.0.0.1:9999) from " + r->api_url()))
        << sidecar->err();
  }
}

TEST(RegisterInSeveralRegistries, MetadataReachesEveryRegistry) {
  RegistryProcess a, b;
  auto sidecar = start_register({a.api_url(), b.api_url()},
                                {"--every", "0.2", "--meta", "zone=eu-1", "meta.car", "127.0.0.1", "9999"});
  auto zoned = [](RegistryProcess& r) {
    auto doc = r.call("locate_service", R"({"name":"meta.*","meta":{"zone":"eu-1"}})");
    return doc["result"].IsArray() && doc["result"].Size() == 1 &&
           std::string(doc["result"][0]["meta"]["zone"].GetString()) == "eu-1";
  };
  EXPECT_TRUE(eventually([&] { return zoned(a) && zoned(b); })) << sidecar->err();
  EXPECT_EQ(stop_and_wait(*sidecar), 0) << sidecar->err();
}

TEST(LocateInSeveralRegistries, MetadataFilterMovesOnFromARegistryWithNoMatch) {
  RegistryProcess a, b;
  a.call("ping", R"({"name":"api.x","host":"127.0.0.1","port":1,"meta":{"zone":"us"}})");
  b.call("ping", R"({"name":"api.x","host":"127.0.0.1","port":2,"meta":{"zone":"eu"}})");
  auto located = run_gemstone(with_registries({"locate", "--json", "--compact", "--meta", "zone=eu", "api.*"},
                                              {a.api_url(), b.api_url()}));
  EXPECT_EQ(located.status, 0) << located.err;
  EXPECT_TRUE(contains(located.out, "\"port\":2")) << located.out;
  EXPECT_FALSE(contains(located.out, "\"port\":1")) << located.out;
  auto all = run_gemstone(with_registries({"locate", "--all", "--json", "--compact", "--meta", "zone=us", "api.*"},
                                          {a.api_url(), b.api_url()}));
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_TRUE(contains(all.out, "\"port\":1")) << all.out;
  EXPECT_FALSE(contains(all.out, "\"port\":2")) << all.out;
}

TEST(RegisterInSeveralRegistries, GemstoneRegistryEnvironmentGivesSeveral) {
  RegistryProcess a, b;
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = a.api_url() + "," + b.api_url();
  auto sidecar = Process::start(gemstone_binary(), {"register", "-q", "--every", "0.2", "env.svc", "127.0.0.1", "9001"},
                                options);
  ASSERT_TRUE(eventually([&] { return located_count(a, "env.svc") == 1 && located_count(b, "env.svc") == 1; }))
      << sidecar->err();
  EXPECT_EQ(stop_and_wait(*sidecar), 0);
  EXPECT_EQ(located_count(a, "env.svc") + located_count(b, "env.svc"), 0u);
}

TEST(RegisterInSeveralRegistries, ARestartedRegistryGetsTheInstanceBackWithinOneInterval) {
  RegistryProcess a;
  auto b = std::make_unique<RegistryProcess>();
  const int b_port = b->port();
  const std::string b_url = b->api_url();
  auto sidecar = start_register({a.api_url(), b_url}, {"--every", "0.3", "--timeout", "0.5", "back.svc",
                                                       "127.0.0.1", "9002"});
  ASSERT_TRUE(eventually([&] { return located_count(*b, "back.svc") == 1; })) << sidecar->err();

  ASSERT_EQ(b->stop(), 0);
  b.reset();
  // It notices, and keeps pinging the one that is up.
  ASSERT_TRUE(sidecar->wait_for_stderr([&](const std::string& err) { return contains(err, "ping failed: " + b_url); },
                                       5s));
  EXPECT_EQ(located_count(a, "back.svc"), 1u);

  b = std::make_unique<RegistryProcess>(std::vector<std::string>{"--port", std::to_string(b_port)});
  ASSERT_EQ(b->port(), b_port);
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return located_count(*b, "back.svc") == 1; }, 3s)) << sidecar->err();
  // One interval (0.3 s), with room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 1500ms);
  EXPECT_EQ(stop_and_wait(*sidecar), 0) << sidecar->err();
  EXPECT_EQ(located_count(*b, "back.svc"), 0u);
}

TEST(RegisterInSeveralRegistries, AHangingRegistryDelaysNothing) {
  TestServiceProcess hung({"--never-answer"});
  RegistryProcess a({"--ttl", "1"}), b({"--ttl", "1"});
  const auto started = std::chrono::steady_clock::now();
  // The hung one first, with a timeout far longer than the interval and the TTL.
  auto sidecar = start_register({hung.api_url(), a.api_url(), b.api_url()},
                                {"--every", "0.2", "--timeout", "3", "hang.svc", "127.0.0.1", "9003"});
  ASSERT_TRUE(eventually([&] { return located_count(a, "hang.svc") == 1 && located_count(b, "hang.svc") == 1; }, 5s))
      << sidecar->err();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "the others got the ping within 1 s";
  // Renewed every 0.2 s although each ping to the hung one takes 3 s: a
  // 1 s TTL would have run out otherwise.
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(located_count(a, "hang.svc"), 1u);
  EXPECT_EQ(located_count(b, "hang.svc"), 1u);

  sidecar->send_signal(SIGTERM);
  const auto stopping = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return located_count(a, "hang.svc") == 0 && located_count(b, "hang.svc") == 0; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s) << "unregistered without waiting for the hung one";
  auto status = sidecar->wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << sidecar->err();
}

TEST(RegisterInSeveralRegistries, JsonPrintsOneLinePerRegistryPerRound) {
  RegistryProcess a, b;
  auto sidecar = start_register({a.api_url(), b.api_url()},
                                {"--every", "0.1", "--json", "-q", "json.svc", "127.0.0.1", "9004"});
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(stop_and_wait(*sidecar), 0) << sidecar->err();
  std::map<std::string, std::vector<std::string>> events;  // by registry
  for (const auto& line : json_lines(sidecar->out())) {
    ASSERT_TRUE(line.IsObject());
    ASSERT_TRUE(line.HasMember("registry") && line["registry"].IsString());
    ASSERT_TRUE(line.HasMember("event") && line["event"].IsString());
    const std::string event = line["event"].GetString();
    if (event == "registered" || event == "renewed") {
      ASSERT_TRUE(line.HasMember("instance"));
      EXPECT_STREQ(line["instance"]["url"].GetString(), "http://127.0.0.1:9004/api");
    }
    events[line["registry"].GetString()].push_back(event);
  }
  ASSERT_EQ(events.size(), 2u) << sidecar->out();
  for (const std::string& url : {a.api_url(), b.api_url()}) {
    const auto& e = events[url];
    ASSERT_GE(e.size(), 4u) << sidecar->out();
    EXPECT_EQ(e.front(), "registered");
    EXPECT_EQ(e[1], "renewed");
    EXPECT_EQ(e.back(), "unregistered");
  }
  EXPECT_TRUE(sidecar->err().empty()) << "-q: " << sidecar->err();
}

TEST(RegisterInSeveralRegistries, ExitsOneWhenEveryRegistryDeniesAccess) {
  TestServiceProcess a({"--require-token", "secret-a"}), b({"--require-token", "secret-b"});
  const auto started = std::chrono::steady_clock::now();
  ProcessOptions options;
  options.env["GEMSTONE_TOKEN"] = std::nullopt;
  auto r = run_gemstone(with_registries({"register", "--every", "0.1", "calc", "127.0.0.1", "9005"},
                                        {a.api_url(), b.api_url()}),
                        options, 20s);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(contains(r.err, "access denied by the registry at " + a.api_url())) << r.err;
  EXPECT_TRUE(contains(r.err, "access denied by the registry at " + b.api_url())) << r.err;
}

TEST(RegisterInSeveralRegistries, OneDenyingRegistryDoesNotStopTheOthers) {
  TestServiceProcess denying({"--require-token", "secret"});
  RegistryProcess open;
  auto sidecar = start_register({denying.api_url(), open.api_url()},
                                {"--every", "0.1", "mixed.svc", "127.0.0.1", "9006"});
  ASSERT_TRUE(eventually([&] { return located_count(open, "mixed.svc") == 1; })) << sidecar->err();
  EXPECT_FALSE(sidecar->wait(500ms).has_value()) << "still running: " << sidecar->err();
  EXPECT_EQ(located_count(open, "mixed.svc"), 1u);
  EXPECT_EQ(stop_and_wait(*sidecar), 0) << sidecar->err();
  EXPECT_EQ(located_count(open, "mixed.svc"), 0u);
  EXPECT_TRUE(contains(sidecar->err(), "access denied by the registry at " + denying.api_url()))
      << sidecar->err();
}

// ---- call ----

class SeveralRegistriesTest : public ::testing::Test {
 protected:
  RunResult gemstone(const std::vector<std::string>& args, const std::vector<std::string>& urls) {
    return run_gemstone(with_registries(args, urls));
  }
  RegistryProcess empty;
  RegistryProcess full;
  TestServiceProcess service;
};

TEST_F(SeveralRegistriesTest, CallAsksTheNextRegistryWhenOneHasNoMatch) {
  register_local(full, "hello.x", service.port());
  auto r = gemstone({"call", "hello.*", "greet", "name=w"}, {empty.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "\"hello, w\"\n");
  EXPECT_TRUE(contains(r.err, empty.api_url() + ": no live instance matches 'hello.*'; trying the next registry"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "[!] Registry: " + full.api_url())) << r.err;
}

TEST_F(SeveralRegistriesTest, CallSkipsAnUnreachableAndAnEmptyRegistryInOrder) {
  register_local(full, "hello.x", service.port());
  const std::string down = closed_port_url();
  auto r = gemstone({"call", "hello.*", "greet", "name=w"}, {down, empty.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto skipped_down = r.err.find(down + ": ");
  const auto skipped_empty = r.err.find(empty.api_url() + ": no live instance");
  ASSERT_NE(skipped_down, std::string::npos) << r.err;
  ASSERT_NE(skipped_empty, std::string::npos) << r.err;
  EXPECT_LT(skipped_down, skipped_empty) << "asked in order: " << r.err;
}

TEST_F(SeveralRegistriesTest, CallTakesTheFirstRegistryWithAMatch) {
  TestServiceProcess other({"--name", "other"});
  register_local(empty, "hello.x", service.port());  // no longer empty: the first one to ask
  register_local(full, "hello.x", other.port());
  auto r = gemstone({"call", "hello.*", "greet", "name=w"}, {empty.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "[!] Service URL : " + service.api_url())) << r.err;
  EXPECT_FALSE(contains(r.err, "trying the next registry")) << r.err;
}

TEST_F(SeveralRegistriesTest, CallExitsThreeWhenEveryReachableRegistryHasNoMatch) {
  auto r = gemstone({"call", "hello.*", "greet"}, {closed_port_url(), empty.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "no live instance matches 'hello.*' in any registry that answered")) << r.err;
}

TEST_F(SeveralRegistriesTest, CallExitsFourWhenNoRegistryCanBeReached) {
  auto r = gemstone({"call", "hello.*", "greet"}, {closed_port_url(), closed_port_url()});
  EXPECT_EQ(r.status, 4) << r.err;
}

// ---- locate ----

TEST_F(SeveralRegistriesTest, LocateAsksTheNextRegistryWhenOneHasNoMatch) {
  register_local(full, "hello.x", 9101);
  auto r = gemstone({"locate", "--json", "--compact", "hello.*"}, {closed_port_url(), empty.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"port\":9101")) << r.out;
  EXPECT_TRUE(contains(r.err, "[!] answered by " + full.api_url())) << r.err;
}

TEST_F(SeveralRegistriesTest, LocateExitsThreeOnlyWhenEveryReachableRegistryHasNoMatch) {
  auto r = gemstone({"locate", "hello.*"}, {empty.api_url(), closed_port_url(), full.api_url()});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(SeveralRegistriesTest, LocateExitsFourWhenNoRegistryCanBeReached) {
  auto r = gemstone({"locate", "hello.*"}, {closed_port_url(), closed_port_url()});
  EXPECT_EQ(r.status, 4) << r.err;
}

TEST_F(SeveralRegistriesTest, LocateAllMergesTheAnswersAndSaysWhichRegistriesHoldEach) {
  register_local(empty, "m.svc", 9201);
  register_local(empty, "m.svc", 9202);
  register_local(full, "m.svc", 9202);
  register_local(full, "m.svc", 9203);
  const std::string down = closed_port_url();
  auto r = gemstone({"locate", "--all", "--json", "m.*"}, {empty.api_url(), full.api_url(), down});
  EXPECT_EQ(r.status, 0) << r.err;
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  ASSERT_TRUE(doc.IsArray()) << r.out;
  std::map<int, std::vector<std::string>> held;
  for (const auto& i : doc.GetArray()) {
    std::vector<std::string> registries;
    for (const auto& u : i["registries"].GetArray()) registries.emplace_back(u.GetString());
    held[i["port"].GetInt()] = registries;
  }
  EXPECT_EQ(held.size(), 3u) << "one entry per instance: " << r.out;
  EXPECT_EQ(held[9201], (std::vector<std::string>{empty.api_url()}));
  EXPECT_EQ(held[9202], (std::vector<std::string>{empty.api_url(), full.api_url()}));
  EXPECT_EQ(held[9203], (std::vector<std::string>{full.api_url()}));
  EXPECT_TRUE(contains(r.err, down + ": ")) << "the unreachable one is named: " << r.err;

  auto table = gemstone({"locate", "--all", "m.*"}, {empty.api_url(), full.api_url()});
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "REGISTRIES")) << table.out;
  EXPECT_TRUE(contains(table.out, empty.api_url() + "," + full.api_url())) << table.out;
}

TEST_F(SeveralRegistriesTest, LocateAllExitCodes) {
  EXPECT_EQ(gemstone({"locate", "--all", "none.*"}, {empty.api_url(), closed_port_url()}).status, 3);
  EXPECT_EQ(gemstone({"locate", "--all", "none.*"}, {closed_port_url(), closed_port_url()}).status, 4);
}

TEST_F(SeveralRegistriesTest, LocateAllDoesNotWaitForAHungRegistryLongerThanItsTimeout) {
  TestServiceProcess hung({"--never-answer"});
  register_local(full, "h.svc", 9301);
  const auto started = std::chrono::steady_clock::now();
  auto r = gemstone({"locate", "--all", "--timeout", "1", "h.*"}, {hung.api_url(), full.api_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(contains(r.out, "9301")) << r.out;
}

}  // namespace
}  // namespace gemstone::testing
