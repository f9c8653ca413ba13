#include "registry/daemon/config.hpp"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace gemstone::registry {
namespace {

using gemstone::testing::TempDir;

// load_config on `args`, reading no config file unless `args` names one,
// with what it printed.
struct Loaded {
  ConfigOutcome outcome;
  std::string out;
  std::string err;
};

Loaded load(std::vector<std::string> args) {
  if (std::find(args.begin(), args.end(), "--config") == args.end()) {
    args.insert(args.begin(), {"--config", "/dev/null"});
  }
  args.insert(args.begin(), "gemstone-registry");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Loaded loaded{load_config(static_cast<int>(args.size()), argv.data()), "", ""};
  loaded.out = ::testing::internal::GetCapturedStdout();
  loaded.err = ::testing::internal::GetCapturedStderr();
  return loaded;
}

// The run stopped with exit status 2 and one line on stderr containing `part`.
void expect_refused(const Loaded& loaded, const std::string& part) {
  EXPECT_EQ(loaded.outcome.action, ConfigOutcome::Action::kExit);
  EXPECT_EQ(loaded.outcome.exit_code, 2);
  EXPECT_EQ(std::count(loaded.err.begin(), loaded.err.end(), '\n'), 1) << loaded.err;
  EXPECT_NE(loaded.err.find(part), std::string::npos) << loaded.err;
  EXPECT_EQ(loaded.out, "");
}

TEST(ConfigTest, DefaultsAreTheDocumentedOnes) {
  const Config config;
  EXPECT_EQ(config.host, "127.0.0.1");
  EXPECT_EQ(config.port, 8000);
  EXPECT_EQ(config.ttl, 90.0);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.response_style, jsonrpc::ResponseStyle::kGemstone);
  EXPECT_FALSE(config.access_log);
  EXPECT_EQ(config.max_name_length, 255u);
  EXPECT_EQ(config.max_host_length, 253u);
  EXPECT_EQ(config.max_instances, 100000u);
  EXPECT_EQ(config.state_file, "");
  EXPECT_EQ(config.config_file, "");
}

TEST(ConfigTest, NothingGivenIsTheDefaults) {
  const Loaded loaded = load({});
  EXPECT_EQ(loaded.outcome.action, ConfigOutcome::Action::kRun);
  EXPECT_EQ(render_config(loaded.outcome.config), render_config(Config()));
}

TEST(ConfigTest, PrintConfigPrintsTheEffectiveValues) {
  const Loaded loaded = load({"--ttl", "2.5", "--print-config"});
  EXPECT_EQ(loaded.outcome.action, ConfigOutcome::Action::kExit);
  EXPECT_EQ(loaded.outcome.exit_code, 0);
  EXPECT_NE(loaded.out.find("\nttl = 2.5\n"), std::string::npos) << loaded.out;
  EXPECT_NE(loaded.out.find("\nport = 8000\n"), std::string::npos) << loaded.out;
}

TEST(ConfigTest, HelpShowsEachOptionWithItsTypeAndDefault) {
  const Loaded loaded = load({"--help"});
  EXPECT_EQ(loaded.outcome.action, ConfigOutcome::Action::kExit);
  EXPECT_EQ(loaded.outcome.exit_code, 0);
  for (const char* part : {"--ttl SECONDS", "(default 90)", "--port N", "(default 8000)",
                           "--host ADDR", "(default 127.0.0.1)", "--access-log true|false",
                           "--log-level trace|debug|info|warn|error", "(default info)",
                           "--response-style gemstone|strict", "(default gemstone)",
                           "--state-file FILE"}) {
    EXPECT_NE(loaded.out.find(part), std::string::npos) << part << "\n" << loaded.out;
  }
}

// Every option of the table: its flag, then a type, and a default at the
// end of its help (CLI11 may put the help on the next line).
TEST(ConfigTest, HelpGivesEveryOptionATypeAndADefault) {
  const Loaded loaded = load({"--help"});
  const Loaded printed = load({"--print-config"});
  std::istringstream keys(printed.out);
  std::size_t options = 0;
  for (std::string line; std::getline(keys, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string flag = "--" + line.substr(0, line.find(' '));
    std::replace(flag.begin(), flag.end(), '_', '-');
    ++options;
    const auto at = loaded.out.find("  " + flag + " ");
    ASSERT_NE(at, std::string::npos) << flag << "\n" << loaded.out;
    const auto end = loaded.out.find("\n  --", at + 1);
    const std::string entry = loaded.out.substr(at, end - at);
    EXPECT_NE(entry.find(flag + " "), std::string::npos) << entry;
    EXPECT_NE(entry[flag.size() + 3], ' ') << "no type: " << entry;
    EXPECT_NE(entry.find("(default "), std::string::npos) << entry;
  }
  EXPECT_GE(options, 25u);
  EXPECT_NE(loaded.out.find("--read-token-file FILE"), std::string::npos);
  EXPECT_NE(loaded.out.find("require (empty: open) (default none)"), std::string::npos) << loaded.out;
  EXPECT_NE(loaded.out.find("GEMSTONE_REGISTRY_MAX_BODY_BYTES"), std::string::npos);
  EXPECT_NE(loaded.out.find("$CREDENTIALS_DIRECTORY"), std::string::npos);
  EXPECT_NE(loaded.out.find("SIGHUP reloads"), std::string::npos);
}

TEST(ConfigTest, ChangedOptionsAreListedWithBothValues) {
  Config before;
  Config after;
  after.ttl = 30;
  after.state_file = "/var/lib/x/state.json";
  const auto changed = changed_options(before, after);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].name, "ttl");
  EXPECT_EQ(changed[0].before, "90.0");
  EXPECT_EQ(changed[0].after, "30.0");
  EXPECT_EQ(changed[1].name, "state_file");
  EXPECT_EQ(changed[1].after, "\"/var/lib/x/state.json\"");
  EXPECT_TRUE(changed_options(after, after).empty());
}

// What a reload reads: the same as the start, printing nothing.
TEST(ConfigTest, ReadConfigReturnsTheLineInsteadOfPrintingIt) {
  TempDir dir;
  const std::string path = dir.file("registry.toml");
  std::ofstream(path) << "ttl = 12\n";
  std::vector<std::string> args = {"gemstone-registry", "--config", path, "--port", "9000"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  ::testing::internal::CaptureStderr();
  auto read = read_config(static_cast<int>(args.size()), argv.data());
  std::ofstream(path, std::ios::trunc) << "ttl = 0\n";
  auto bad = read_config(static_cast<int>(args.size()), argv.data());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read.value().ttl, 12.0);
  EXPECT_EQ(read.value().port, 9000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().rfind(path + ":1: ttl must be", 0), 0u) << bad.error();
}

TEST(ConfigTest, ABadFlagValueNamesTheFlagAndTheKey) {
  expect_refused(load({"--port", "70000"}),
                 "--port 70000: port must be an integer from 0 to 65535");
  expect_refused(load({"--ttl", "0"}), "--ttl 0: ttl must be a number of seconds");
  expect_refused(load({"--log-level", "loud"}), "log_level must be one of trace, debug");
  expect_refused(load({"--response-style", "loose"}), "response_style must be gemstone or strict");
  expect_refused(load({"--access-log", "maybe"}), "access_log must be true or false");
  expect_refused(load({"--host", ""}), "host must not be empty");
}

TEST(ConfigTest, AControlCharacterInAValueCannotBreakTheOneLine) {
  expect_refused(load({"--port", "80\n81"}), "--port 80\\n81: port must be");
}

TEST(ConfigTest, ABadEnvironmentValueNamesTheVariableAndTheKey) {
  ::setenv("GEMSTONE_REGISTRY_MAX_BATCH", "none", 1);
  const Loaded loaded = load({});
  ::unsetenv("GEMSTONE_REGISTRY_MAX_BATCH");
  expect_refused(loaded, "GEMSTONE_REGISTRY_MAX_BATCH=none: max_batch must be an integer");
}

TEST(ConfigTest, ABadFileValueNamesTheFileLineAndKey) {
  TempDir dir;
  const std::string path = dir.file("registry.toml");
  std::ofstream(path) << "ttl = 5\n\nmax_body_bytes = 1\n";
  expect_refused(load({"--config", path}),
                 path + ":3: max_body_bytes must be an integer from 64 to");
  std::ofstream(path, std::ios::trunc) << "port = [80]\n";
  expect_refused(load({"--config", path}), path + ":1: port must be a string, number or boolean");
  std::ofstream(path, std::ios::trunc) << "ttl = 5\ncolour = \"red\"\n";
  expect_refused(load({"--config", path}), path + ":2: unknown key 'colour'");
  std::ofstream(path, std::ios::trunc) << "ttl = 5\nport = \n";
  expect_refused(load({"--config", path}), path + ":2: ");
}

TEST(ConfigTest, AConfigFileThatCannotBeReadIsNamed) {
  expect_refused(load({"--config", "/nonexistent/registry.toml"}),
                 "cannot read config file /nonexistent/registry.toml");
}

}  // namespace
}  // namespace gemstone::registry

namespace gemstone::registry {
namespace {

TEST(ConfigEtcdTest, DefaultsAreMemoryAndALocalEtcd) {
  const Config config;
  EXPECT_EQ(config.backend, Backend::kMemory);
  EXPECT_EQ(config.etcd_endpoints, "http://127.0.0.1:2379");
  EXPECT_EQ(config.etcd_prefix, "/gemstone-registry/");
  EXPECT_EQ(config.etcd_timeout, 2.0);
}

TEST(ConfigEtcdTest, APrefixGetsItsFinalSlash) {
  auto loaded = load({"--backend", "etcd", "--etcd-prefix", "/teams/a"});
  ASSERT_EQ(loaded.outcome.action, ConfigOutcome::Action::kRun) << loaded.err;
  EXPECT_EQ(loaded.outcome.config.backend, Backend::kEtcd);
  EXPECT_EQ(loaded.outcome.config.etcd_prefix, "/teams/a/");
  expect_refused(load({"--etcd-prefix", ""}), "etcd_prefix must not be empty");
}

TEST(ConfigEtcdTest, EndpointsAreCheckedWhenGiven) {
  auto loaded = load({"--etcd-endpoints", "http://10.0.0.1:2379, http://[::1]:2379,http://e3"});
  ASSERT_EQ(loaded.outcome.action, ConfigOutcome::Action::kRun) << loaded.err;
  expect_refused(load({"--etcd-endpoints", "10.0.0.1:2379"}), "must be an http:// or https:// URL");
  expect_refused(load({"--etcd-endpoints", "http://h:1,,http://h:2"}), "comma-separated");
  expect_refused(load({"--etcd-endpoints", "http://h:1/v3"}), "must not have a path");
  expect_refused(load({"--etcd-endpoints", "http://h:99999"}), "etcd_endpoints");
  expect_refused(load({"--etcd-endpoints", "http://a:1,https://b:1"}), "must not mix");
}

TEST(ConfigEtcdTest, OptionsThatDoNotGoTogetherStopTheStart) {
  expect_refused(load({"--backend", "etcd", "--state-file", "/tmp/s.json"}),
                 "state_file cannot be used with backend = \"etcd\"");
  expect_refused(load({"--backend", "etcd", "--etcd-cert", "/c.pem"}),
                 "etcd_cert and etcd_key must be given together");
  expect_refused(load({"--backend", "etcd", "--etcd-cacert", "/ca.pem"}), "need https://");
  // The same options without etcd are only unused.
  EXPECT_EQ(load({"--etcd-cacert", "/ca.pem"}).outcome.action, ConfigOutcome::Action::kRun);
}

}  // namespace
}  // namespace gemstone::registry
