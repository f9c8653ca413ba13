// Restarts without amnesia: the real daemon with --state-file, stopped with
// SIGTERM or killed with SIGKILL, and what the next one serves.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A directory of its own per test, removed afterwards.
class RegistryStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "registry_state_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/state.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Saves every 50 ms unless told otherwise, so that waits stay short.
  std::unique_ptr<RegistryProcess> start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--state-file", path_, "--state-save-interval", "0.05"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<RegistryProcess>(args);
  }

  std::string read_state() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void write_state(const std::string& text) const { std::ofstream(path_, std::ios::trunc) << text; }

  std::string dir_;
  std::string path_;
};

struct Located {
  std::string name;
  std::string url;
  double expires_in = 0;
};

std::vector<Located> locate_all(RegistryProcess& registry) {
  std::vector<Located> out;
  auto doc = registry.call("locate_service", R"(["*"])");
  if (!doc.IsObject() || !doc.HasMember("result") || !doc["result"].IsArray()) {
    ADD_FAILURE() << "locate_service did not answer with an array";
    return out;
  }
  for (const auto& i : doc["result"].GetArray()) {
    out.push_back({i["name"].GetString(), i["url"].GetString(), i["expires_in"].GetDouble()});
  }
  return out;
}

std::set<std::string> names(const std::vector<Located>& located) {
  std::set<std::string> out;
  for (const auto& l : located) out.insert(l.name);
  return out;
}

void kill_hard(RegistryProcess& registry) {
  registry.process().send_signal(SIGKILL);
  ASSERT_EQ(registry.process().wait(10s), std::optional<int>(128 + SIGKILL));
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string state_with(const std::vector<std::pair<std::string, double>>& name_and_expiry) {
  std::string text = R"({"format":"gemstone-registry-state","version":1,"instances":[)";
  for (std::size_t i = 0; i < name_and_expiry.size(); ++i) {
    if (i > 0) text += ",";
    text += R"({"name":")" + name_and_expiry[i].first + R"(","host":"10.0.0.1","port":)" +
            std::to_string(8000 + i) + R"(,"url":"http://10.0.0.1:)" + std::to_string(8000 + i) +
            R"(/api","expires_at":)" + std::to_string(name_and_expiry[i].second) + "}";
  }
  return text + "]}";
}

TEST_F(RegistryStateTest, SigtermThenRestartServesTheSameInstances) {
  {
    auto registry = start({"--ttl", "60"});
    registry->call("ping", R"({"name":"svc.a","host":"10.0.0.5","port":8080})");
    registry->call("ping", R"(["svc.b","https://[2001:db8::1]:9443/rpc"])");
    ASSERT_EQ(registry->stop(), 0) << registry->process().err();
  }
  auto registry = start({"--ttl", "60"});
  const auto located = locate_all(*registry);
  ASSERT_EQ(names(located), (std::set<std::string>{"svc.a", "svc.b"}));
  for (const auto& l : located) {
    EXPECT_GT(l.expires_in, 0.0) << l.name;
    EXPECT_LE(l.expires_in, 60.0) << l.name;
  }
  EXPECT_EQ(located[0].url, "http://10.0.0.5:8080/api");
  EXPECT_EQ(located[1].url, "https://[2001:db8::1]:9443/rpc");
  EXPECT_NE(registry->process().err().find("restored 2 instances from " + path_), std::string::npos)
      << registry->process().err();
}

TEST_F(RegistryStateTest, RestoreCountsWhatWasHeldAndSaysWhyTheRestWasNot) {
  // Five entries: one a duplicate of the first, one expired, one over a
  // capacity of 2 once the other two are in.
  const double later = wall_now() + 600;
  std::string text = state_with({{"svc.a", later}, {"svc.b", later}, {"svc.c", later}, {"svc.d", wall_now() - 5}});
  const std::string first = text.substr(text.find("{\"name\":\"svc.a\""));
  text.insert(text.size() - 2, "," + first.substr(0, first.find('}') + 1));
  write_state(text);
  auto registry = start({"--max-instances", "2"});
  EXPECT_EQ(locate_all(*registry).size(), 2u);
  const std::string err = registry->process().err();
  EXPECT_NE(err.find("restored 2 instances from " + path_), std::string::npos) << err;
  EXPECT_NE(err.find("1 duplicate"), std::string::npos) << err;
  EXPECT_NE(err.find("1 over max_instances"), std::string::npos) << err;
  EXPECT_NE(err.find("1 expired while down"), std::string::npos) << err;
  auto metrics = registry->get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("gemstone_registry_state_restored_instances 2"), std::string::npos)
      << metrics->body;
}

TEST_F(RegistryStateTest, SigkillAfterASnapshotKeepsWhatItHeld) {
  {
    auto registry = start();
    registry->call("ping", R"(["svc.kept","10.0.0.5",8080])");
    ASSERT_TRUE(eventually([&] { return read_state().find("svc.kept") != std::string::npos; }))
        << "no snapshot written; stderr: " << registry->process().err();
    kill_hard(*registry);
  }
  auto registry = start();
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc.kept"});
}

TEST_F(RegistryStateTest, SigkillBetweenSnapshotsLosesOnlyWhatCameAfterTheLast) {
  // An hour between saves: the only snapshot is the one SIGTERM writes.
  const std::vector<std::string> hourly = {"--state-save-interval", "3600"};
  {
    auto registry = start(hourly);
    registry->call("ping", R"(["svc.before","10.0.0.5",8080])");
    ASSERT_EQ(registry->stop(), 0);
  }
  {
    auto registry = start(hourly);
    ASSERT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc.before"});
    registry->call("ping", R"(["svc.after","10.0.0.6",8080])");
    kill_hard(*registry);
  }
  auto registry = start(hourly);
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc.before"});
}

TEST_F(RegistryStateTest, UnregisterIsRememberedAcrossARestart) {
  {
    auto registry = start();
    registry->call("ping", R"(["svc.gone","10.0.0.5",8080])");
    registry->call("ping", R"(["svc.stays","10.0.0.5",8081])");
    ASSERT_TRUE(eventually([&] { return read_state().find("svc.stays") != std::string::npos; }));
    registry->call("unregister", R"(["svc.gone","10.0.0.5",8080])");
    ASSERT_TRUE(eventually([&] { return read_state().find("svc.gone") == std::string::npos; }))
        << read_state();
    kill_hard(*registry);
  }
  auto registry = start();
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc.stays"});
}

TEST_F(RegistryStateTest, TimeSpentDownCountsAgainstTheTtl) {
  const double now = wall_now();
  write_state(state_with({{"svc.expired_while_down", now - 5},
                          {"svc.thirty_left", now + 30},
                          {"svc.far_future", now + 86400}}));
  auto registry = start({"--ttl", "90"});
  const auto located = locate_all(*registry);
  ASSERT_EQ(names(located), (std::set<std::string>{"svc.thirty_left", "svc.far_future"}));
  for (const auto& l : located) {
    if (l.name == "svc.thirty_left") {
      EXPECT_LE(l.expires_in, 30.0);
      EXPECT_GT(l.expires_in, 0.0);
    } else {
      EXPECT_LE(l.expires_in, 90.0) << "a remaining time longer than the ttl is cut to it";
    }
  }
  EXPECT_NE(registry->process().err().find("1 expired while down"), std::string::npos)
      << registry->process().err();
}

TEST_F(RegistryStateTest, BadStateFilesAreLoggedAndTheRegistryStartsEmpty) {
  static constexpr char kGarbage[] = "\177ELF\2\1\1\0\0\0 binary";  // an ELF header
  const std::string valid = state_with({{"svc", wall_now() + 60}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", valid.substr(0, valid.size() / 2)},
      {"empty", ""},
      {"garbage", std::string(kGarbage, sizeof kGarbage - 1)},
      {"newer version", R"({"format":"gemstone-registry-state","version":99,"instances":[]})"},
      {"deeply nested", std::string(200000, '[')},
  };
  for (const auto& [what, text] : cases) {
    SCOPED_TRACE(what);
    write_state(text);
    fs::remove(path_ + ".corrupt");
    auto registry = start();
    EXPECT_TRUE(locate_all(*registry).empty());
    EXPECT_NE(registry->process().err().find("state file " + path_), std::string::npos)
        << registry->process().err();
    EXPECT_NE(registry->process().err().find("starting empty"), std::string::npos);
    // Kept aside for the operator; a fresh file replaces it.
    EXPECT_TRUE(fs::exists(path_ + ".corrupt"));
    registry->call("ping", R"(["svc.new","10.0.0.5",8080])");
    ASSERT_EQ(registry->stop(), 0) << registry->process().err();
    EXPECT_NE(read_state().find("svc.new"), std::string::npos);
  }
}

TEST_F(RegistryStateTest, StateFileThatIsADirectoryIsLoggedNotFatal) {
  fs::create_directory(path_);
  auto registry = start();
  EXPECT_NE(registry->process().err().find("is not a regular file"), std::string::npos)
      << registry->process().err();
  registry->call("ping", R"(["svc","10.0.0.5",8080])");
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc"});
  // Served all along; only the exit status says the last save failed.
  EXPECT_EQ(registry->stop(), 1);
  registry->process().join_output();  // its last lines may still be in the pipe
  EXPECT_NE(registry->process().err().find("the last save of " + path_ + " failed"),
            std::string::npos)
      << registry->process().err();
}

// Run by hand with the packaged config, the state directory systemd makes
// for the service may be missing: the daemon makes it when it may.
TEST_F(RegistryStateTest, AMissingStateDirectoryIsMadeWhenItsParentAllows) {
  path_ = dir_ + "/gemstone-registry/state.json";
  auto registry = start();
  EXPECT_NE(registry->process().err().find("made the state directory for " + path_),
            std::string::npos)
      << registry->process().err();
  registry->call("ping", R"(["svc","10.0.0.5",8080])");
  ASSERT_EQ(registry->stop(), 0) << registry->process().err();
  EXPECT_NE(read_state().find("\"svc\""), std::string::npos);
  EXPECT_EQ(fs::status(dir_ + "/gemstone-registry").permissions(), fs::perms::owner_all);
}

// When it cannot, the first lines say so and what to do, and it serves.
TEST_F(RegistryStateTest, AStateDirectoryThatCannotBeMadeIsExplainedAtStart) {
  path_ = dir_ + "/no/such/dir/state.json";
  auto registry = start();
  const std::string err = registry->process().err();
  EXPECT_NE(err.find("state file " + path_ + ": cannot create " + dir_ +
                     "/no/such/dir: No such file or directory; registered instances will not "
                     "survive a restart"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("--state-file \"\" to keep nothing"), std::string::npos) << err;
  registry->call("ping", R"(["svc","10.0.0.5",8080])");
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc"});
}

TEST_F(RegistryStateTest, UnwritableStateFileIsLoggedAndCountedNotFatal) {
  path_ = dir_ + "/no/such/dir/state.json";
  auto registry = start();
  registry->call("ping", R"(["svc","10.0.0.5",8080])");
  ASSERT_TRUE(eventually([&] {
    auto res = registry->get("/metrics");
    return res &&
           res->body.find("gemstone_registry_state_save_failures_total 0") == std::string::npos;
  }));
  EXPECT_EQ(names(locate_all(*registry)), std::set<std::string>{"svc"});
  // Served all along; the exit status says that the instances were not kept.
  EXPECT_EQ(registry->stop(), 1);
  registry->process().join_output();
  const std::string err = registry->process().err();
  EXPECT_NE(err.find("the last save of " + path_ + " failed"), std::string::npos) << err;
  EXPECT_NE(err.find("cannot write state file"), std::string::npos) << err;
  // Once per outage, not once per attempt.
  EXPECT_EQ(err.find("cannot write state file"), err.rfind("cannot write state file")) << err;
}

}  // namespace
}  // namespace gemstone::testing
