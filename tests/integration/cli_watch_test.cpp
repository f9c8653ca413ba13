// `gemstone watch` (events, --initial, --exec, a registry restart) and the
// --meta options of register and locate, against the real registry.

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "gemstone/registry_watch.hpp"
#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

bool watchers_parked(RegistryProcess& registry, int n) {
  auto metrics = registry.get("/metrics");
  return metrics && metrics->body.find("gemstone_registry_watchers " + std::to_string(n) + "\n") !=
                        std::string::npos;
}

std::unique_ptr<Process> start_watch(std::vector<std::string> args) {
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  args.insert(args.begin(), "watch");
  return Process::start(gemstone_binary(), args, options);
}

TEST(WatchCommand, PrintsOneLinePerChangeInOrderAndExitsZeroOnSigint) {
  RegistryProcess registry;
  auto watch = start_watch({"--registry", registry.api_url(), "api.*"});
  ASSERT_TRUE(eventually([&] { return watchers_parked(registry, 1); }));
  auto lines = [&] { return lines_of(watch->out()); };

  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  ASSERT_TRUE(eventually([&] { return lines().size() == 1; })) << watch->err();
  registry.call("ping", R"({"name":"db.a","host":"10.0.0.1","port":80})");  // not watched
  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80,"meta":{"zone":"eu-1"}})");
  ASSERT_TRUE(eventually([&] { return lines().size() == 2; }));
  registry.call("unregister", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  ASSERT_TRUE(eventually([&] { return lines().size() == 3; }));

  watch->send_signal(SIGINT);
  auto status = watch->wait(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << watch->err();
  watch->join_output();
  const auto out = lines();
  ASSERT_EQ(out.size(), 3u) << watch->out();
  const std::vector<std::string> events = {"added", "updated", "removed"};
  std::uint64_t last_index = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto doc = parse(out[i]);
    EXPECT_EQ(doc["event"].GetString(), events[i]) << out[i];
    EXPECT_STREQ(doc["instance"]["name"].GetString(), "api.a");
    EXPECT_GT(doc["index"].GetUint64(), last_index);
    last_index = doc["index"].GetUint64();
  }
  EXPECT_STREQ(parse(out[1])["instance"]["meta"]["zone"].GetString(), "eu-1");
  EXPECT_STREQ(parse(out[2])["reason"].GetString(), "unregistered");
}

TEST(WatchCommand, AnExpiredInstanceIsRemovedWithItsReason) {
  RegistryProcess registry({"--ttl", "0.3"});
  auto watch = start_watch({"--registry", registry.api_url(), "api.*"});
  ASSERT_TRUE(eventually([&] { return watchers_parked(registry, 1); }));
  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 2; }, 5s)) << watch->out();
  auto removed = parse(lines_of(watch->out())[1]);
  EXPECT_STREQ(removed["event"].GetString(), "removed");
  EXPECT_STREQ(removed["reason"].GetString(), "expired");
}

TEST(WatchCommand, InitialPrintsTheCurrentInstancesFirst) {
  RegistryProcess registry;
  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  registry.call("ping", R"({"name":"api.b","host":"10.0.0.2","port":80})");
  auto watch = start_watch({"--registry", registry.api_url(), "--initial", "api.*"});
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 2; })) << watch->err();
  for (const auto& line : lines_of(watch->out())) EXPECT_STREQ(parse(line)["event"].GetString(), "added");
  watch->send_signal(SIGTERM);
  EXPECT_EQ(watch->wait(5s), std::optional<int>(0));
}

TEST(WatchCommand, MetaFilterLimitsTheEvents) {
  RegistryProcess registry;
  auto watch = start_watch({"--registry", registry.api_url(), "--meta", "zone=eu-1", "api.*"});
  ASSERT_TRUE(eventually([&] { return watchers_parked(registry, 1); }));
  registry.call("ping", R"({"name":"api.b","host":"h","port":2,"meta":{"zone":"us-1"}})");
  registry.call("ping", R"({"name":"api.a","host":"h","port":1,"meta":{"zone":"eu-1"}})");
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 1; }));
  std::this_thread::sleep_for(200ms);
  auto out = lines_of(watch->out());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_STREQ(parse(out[0])["instance"]["name"].GetString(), "api.a");
}

TEST(WatchCommand, ExecRunsTheHandlerWithTheInstancesAndTheIndex) {
  RegistryProcess registry;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gemstone-watch-exec-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string upstream = (dir / "upstream.conf").string();
  // The nginx upstream one-liner of the README, with the index appended.
  const std::string handler =
      "jq -r '.[] | \"server \\(.host):\\(.port);\"' > " + upstream + ".tmp && "
      "echo \"# $GEMSTONE_WATCH_INDEX\" >> " + upstream + ".tmp && mv " + upstream + ".tmp " + upstream;
  if (std::system("command -v jq >/dev/null 2>&1") != 0) GTEST_SKIP() << "jq is not installed";
  auto watch = start_watch({"--registry", registry.api_url(), "api.*", "--exec", handler});
  auto file = [&] {
    std::ifstream in(upstream);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_TRUE(eventually([&] { return file().find("# ") != std::string::npos; })) << watch->err();
  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":8080})");
  registry.call("ping", R"({"name":"api.b","host":"10.0.0.2","port":8080})");
  ASSERT_TRUE(eventually([&] {
    const std::string text = file();
    return text.find("server 10.0.0.1:8080;") != std::string::npos &&
           text.find("server 10.0.0.2:8080;") != std::string::npos;
  })) << file() << watch->err();
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  EXPECT_NE(file().find("# " + std::to_string(index)), std::string::npos) << file();
  watch->send_signal(SIGTERM);
  EXPECT_EQ(watch->wait(5s), std::optional<int>(0));
  std::filesystem::remove_all(dir);
}

TEST(WatchCommand, SurvivesARegistryRestartAndSaysSo) {
  auto registry = std::make_unique<RegistryProcess>();
  const int port = registry->port();
  registry->call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  auto watch = start_watch({"--registry", registry->api_url(), "--initial", "api.*"});
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 1; })) << watch->err();

  ASSERT_EQ(registry->stop(), 0);
  registry.reset();
  ASSERT_TRUE(eventually([&] { return watch->err().find("retrying") != std::string::npos; }))
      << watch->err();
  registry = std::make_unique<RegistryProcess>(std::vector<std::string>{"--port", std::to_string(port)});
  registry->call("ping", R"({"name":"api.b","host":"10.0.0.2","port":80})");
  // The restarted registry forgot api.a (no state file) and knows api.b.
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 3; }, 15s))
      << watch->out() << watch->err();
  const auto out = lines_of(watch->out());
  EXPECT_STREQ(parse(out[1])["event"].GetString(), "removed");
  EXPECT_STREQ(parse(out[1])["instance"]["name"].GetString(), "api.a");
  EXPECT_STREQ(parse(out[2])["event"].GetString(), "added");
  EXPECT_STREQ(parse(out[2])["instance"]["name"].GetString(), "api.b");
  watch->send_signal(SIGINT);
  EXPECT_EQ(watch->wait(5s), std::optional<int>(0));
}

TEST(WatchCommand, TriesEachRegistryInTurn) {
  RegistryProcess registry;
  registry.call("ping", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  // Port 1 on loopback: nothing listens there.
  auto watch = start_watch({"--registry", "http://127.0.0.1:1/api", "--registry", registry.api_url(),
                            "--initial", "api.*"});
  ASSERT_TRUE(eventually([&] { return lines_of(watch->out()).size() == 1; })) << watch->err();
  watch->send_signal(SIGINT);
  EXPECT_EQ(watch->wait(5s), std::optional<int>(0));
}

TEST(MetaOptions, RegisterSendsMetaAndLocateFiltersByIt) {
  RegistryProcess registry;
  ProcessOptions options;
  options.env["GEMSTONE_REGISTRY"] = std::nullopt;
  auto sidecar = Process::start(gemstone_binary(),
                                {"register", "-q", "--registry", registry.api_url(), "--meta",
                                 "zone=eu-1", "--meta", "version=2.3", "svc", "127.0.0.1", "9100"},
                                options);
  ASSERT_TRUE(eventually([&] {
    auto doc = registry.call("locate_service", R"({"name":"svc","meta":{"zone":"eu-1","version":"2.3"}})");
    return doc["result"].IsArray() && doc["result"].Size() == 1;
  })) << sidecar->err();
  registry.call("ping", R"({"name":"svc","host":"127.0.0.1","port":9200,"meta":{"zone":"us-1"}})");

  auto eu = run_gemstone({"locate", "--registry", registry.api_url(), "--json", "--compact", "--meta",
                          "zone=eu-1", "svc"});
  ASSERT_EQ(eu.status, 0) << eu.err;
  auto doc = parse(eu.out);
  ASSERT_EQ(doc.Size(), 1u);
  EXPECT_EQ(doc[0]["port"].GetInt(), 9100);
  EXPECT_STREQ(doc[0]["meta"]["version"].GetString(), "2.3");
  auto none = run_gemstone({"locate", "--registry", registry.api_url(), "--meta", "zone=ap-1", "svc"});
  EXPECT_EQ(none.status, 3);
  auto bad = run_gemstone({"locate", "--registry", registry.api_url(), "--meta", "zone", "svc"});
  EXPECT_EQ(bad.status, 2);
  sidecar->send_signal(SIGTERM);
  EXPECT_EQ(sidecar->wait(10s), std::optional<int>(0));
}

TEST(DiffInstances, AddedRemovedAndUpdatedByNameHostAndPort) {
  Instance a{"svc", "h", 1, "http://h:1/api", 10, {}};
  Instance b{"svc", "h", 2, "http://h:2/api", 10, {}};
  Instance b_tagged = b;
  b_tagged.meta["zone"] = "eu-1";
  Instance a_renewed = a;
  a_renewed.expires_in = 90;
  Instance c{"svc", "h", 3, "http://h:3/api", 10, {}};
  auto events = diff_instances({a, b}, {a_renewed, b_tagged, c}, 7);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, WatchEventKind::kUpdated);
  EXPECT_EQ(events[0].instance.port, 2);
  EXPECT_EQ(events[1].kind, WatchEventKind::kAdded);
  EXPECT_EQ(events[1].index, 7u);
  auto gone = diff_instances({a, b}, {b}, 8);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, WatchEventKind::kRemoved);
  EXPECT_EQ(gone[0].instance.port, 1);
}

}  // namespace
}  // namespace gemstone::testing
