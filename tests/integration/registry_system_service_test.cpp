// The daemon as systemd and an operator run it: IPv6, journald logging, the
// option table (flag, environment, file) and the packaged config file.

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

const ProcessOptions kNoConfig =
    with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}, {"SPDLOG_LEVEL", std::nullopt}});

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// `key = value` lines of --print-config, in order.
std::vector<std::pair<std::string, std::string>> parse_print_config(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  static const std::regex line(R"(^([a-z_]+) = (.*)$)");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) out.emplace_back(m[1].str(), m[2].str());
  }
  return out;
}

std::string print_config(const std::vector<std::string>& args, ProcessOptions options = kNoConfig) {
  std::vector<std::string> full = args;
  full.push_back("--print-config");
  auto result = run(registry_binary(), full, options, 10s);
  EXPECT_EQ(result.status, 0) << result.err;
  return result.out;
}

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path =
      ::testing::TempDir() + "registry_system_service_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

TEST(RegistrySystemServiceTest, ListensOnIpv6Loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "this machine has no IPv6 loopback";
  auto process = Process::start(registry_binary(), {"--host", "::1", "--port", "0"}, kNoConfig);
  static const std::regex listening(R"(listening on http://\[::1\]:(\d+)/api)");
  ASSERT_TRUE(process->wait_for_stderr(
      [](const std::string& err) { return std::regex_search(err, listening); }, 10s))
      << process->err();
  const std::string err = process->err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, listening));
  const int port = std::stoi(m[1].str());

  httplib::Client client("::1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto ping =
      client.Post("/api", R"({"jsonrpc":"2.0","method":"ping","params":["svc","::1",9],"id":1})",
                  "application/json");
  ASSERT_TRUE(ping) << httplib::to_string(ping.error());
  EXPECT_EQ(ping->status, 200);
  EXPECT_NE(ping->body.find(R"("url":"http://[::1]:9/api")"), std::string::npos) << ping->body;
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find(R"("instances":1)"), std::string::npos) << health->body;
  process->send_signal(SIGTERM);
  EXPECT_EQ(process->wait(10s), std::optional<int>(0));
}

TEST(RegistrySystemServiceTest, UnderJournaldLinesCarryAPriorityAndNoTimestamp) {
  // What systemd does: JOURNAL_STREAM names the device and inode of stderr.
  auto process = Process::start(
      "/bin/sh",
      {"-c",
       "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" --host 127.0.0.1 --port 0",
       registry_binary()},
      kNoConfig);
  ASSERT_TRUE(process->wait_for_stderr(
      [](const std::string& err) { return err.find("listening on") != std::string::npos; }, 10s))
      << process->err();
  process->send_signal(SIGTERM);
  ASSERT_EQ(process->wait(10s), std::optional<int>(0));
  process->join_output();
  std::istringstream lines(process->err());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(std::regex_match(
        line, std::regex(R"(<[0-7]>(trace|debug|info|warning|error|critical) .*)")))
        << line;
  }
  EXPECT_GE(count, 2);
  EXPECT_NE(process->err().find("<6>info gemstone-registry"), std::string::npos) << process->err();
}

TEST(RegistrySystemServiceTest, OnATerminalOrInAFileLinesCarryATimestampWithItsZone) {
  // A JOURNAL_STREAM inherited from a parent whose stderr went elsewhere.
  ProcessOptions options = kNoConfig;
  options.env["JOURNAL_STREAM"] = "1:1";
  options.env["TZ"] = "IST-5:30";  // POSIX: 5 h 30 ahead of UTC
  RegistryProcess registry({}, options);
  EXPECT_TRUE(std::regex_search(
      registry.process().err(),
      std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30 info )")))
      << registry.process().err();
}

TEST(RegistrySystemServiceTest, AccessLogWritesOneLinePerRequestOnlyWhenOn) {
  auto count_access_lines = [](const std::string& err) {
    std::size_t n = 0;
    for (std::size_t at = err.find("\"GET /health\" 200"); at != std::string::npos;
         at = err.find("\"GET /health\" 200", at + 1)) {
      ++n;
    }
    return n;
  };
  {
    RegistryProcess registry({"--access-log", "true"}, kNoConfig);
    registry.get("/health");
    registry.get("/health");
    ASSERT_EQ(registry.stop(), 0);
    registry.process().join_output();
    EXPECT_EQ(count_access_lines(registry.process().err()), 2u) << registry.process().err();
  }
  RegistryProcess registry({}, kNoConfig);
  registry.get("/health");
  ASSERT_EQ(registry.stop(), 0);
  registry.process().join_output();
  EXPECT_EQ(count_access_lines(registry.process().err()), 0u) << registry.process().err();
}

TEST(RegistrySystemServiceTest, AccessLogNamesTheJsonRpcCallsAndTheDuration) {
  RegistryProcess registry({"--access-log", "true"}, kNoConfig);
  registry.call("ping", R"(["svc","10.0.0.5",8080])");
  registry.post(R"([{"jsonrpc":"2.0","method":"locate_service","params":["svc"],"id":1},)"
                R"({"jsonrpc":"2.0","method":"invented\nmethod","id":2}])");
  // A long poll is logged when it is answered, with the time it waited.
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  registry.call("watch_services", R"({"timeout":0.3,"index":)" + std::to_string(index) + "}");
  ASSERT_EQ(registry.stop(), 0);
  registry.process().join_output();
  const std::string err = registry.process().err();
  const std::string line = R"("POST /api" 200 \d+B in, \d+B out, (\d+\.\d{3}) ms, rpc )";
  EXPECT_TRUE(std::regex_search(err, std::regex(line + "ping\n"))) << err;
  EXPECT_TRUE(std::regex_search(err, std::regex(line + R"(locate_service,\?\(-32601\)\n)"))) << err;
  EXPECT_EQ(err.find("invented"), std::string::npos) << "a client's method name is not logged";
  double longest_watch = 0;
  const std::regex watch(line + "watch_services\n");
  for (std::sregex_iterator it(err.begin(), err.end(), watch), end; it != end; ++it) {
    longest_watch = std::max(longest_watch, std::stod((*it)[1].str()));
  }
  EXPECT_GE(longest_watch, 250.0) << err;
}

TEST(RegistrySystemServiceTest, AtDebugLevelEachInstanceThatCameOrWentIsLogged) {
  RegistryProcess registry({"--log-level", "debug", "--ttl", "0.3"}, kNoConfig);
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");  // a renewal: no line
  registry.call("ping", R"(["svc.b","::1",9000])");
  registry.call("unregister", R"(["svc.b","::1",9000])");
  ASSERT_TRUE(registry.process().wait_for_stderr(
      [](const std::string& err) {
        return err.find("debug instance expired: svc.a 10.0.0.5:8080") != std::string::npos;
      },
      10s))
      << registry.process().err();
  const std::string err = registry.process().err();
  const auto registered = err.find("debug instance registered: svc.a 10.0.0.5:8080");
  EXPECT_NE(registered, std::string::npos) << err;
  EXPECT_EQ(err.find("debug instance registered: svc.a", registered + 1), std::string::npos) << err;
  EXPECT_NE(err.find("debug instance registered: svc.b [::1]:9000"), std::string::npos) << err;
  EXPECT_NE(err.find("debug instance unregistered: svc.b [::1]:9000"), std::string::npos) << err;
}

TEST(RegistrySystemServiceTest, PrintConfigOutputIsAConfigFileThatReadsBackTheSame) {
  const std::string printed = print_config(
      {"--ttl", "12.5", "--state-file", "/tmp/x y/\"state\".json", "--access-log", "true"});
  const std::string path = temp_file("printed.toml", printed);
  EXPECT_EQ(print_config({"--config", path}), printed);
  std::remove(path.c_str());
}

TEST(RegistrySystemServiceTest, EveryOptionIsSetByFlagEnvironmentAndFile) {
  // A value other than the default for each option, as text for all three ways.
  const std::map<std::string, std::pair<std::string, std::string>> changed = {
      // name: {flag/env text, TOML text}
      {"host", {"::1", "\"::1\""}},
      {"port", {"9001", "9001"}},
      {"ttl", {"2.5", "2.5"}},
      {"log_level", {"debug", "\"debug\""}},
      {"response_style", {"strict", "\"strict\""}},
      {"locate_result", {"urls", "\"urls\""}},
      {"max_response_bytes", {"4096", "4096"}},
      {"access_log", {"true", "true"}},
      {"max_body_bytes", {"2048", "2048"}},
      {"max_batch", {"7", "7"}},
      {"max_threads", {"16", "16"}},
      {"event_loops", {"3", "3"}},
      {"keep_alive_timeout", {"30", "30"}},
      {"request_timeout", {"1.5", "1.5"}},
      {"shutdown_timeout", {"2.5", "2.5"}},
      {"state_file", {"/var/lib/x/state.json", "\"/var/lib/x/state.json\""}},
      {"state_save_interval", {"0.5", "0.5"}},
      {"backend", {"etcd", "\"etcd\""}},
      {"etcd_endpoints", {"http://10.0.0.1:2379,http://10.0.0.2:2379", "\"http://10.0.0.1:2379,http://10.0.0.2:2379\""}},
      {"etcd_prefix", {"/other/", "\"/other/\""}},
      {"etcd_timeout", {"0.5", "0.5"}},
      {"etcd_cacert", {"/etc/x/ca.pem", "\"/etc/x/ca.pem\""}},
      {"etcd_cert", {"/etc/x/etcd.pem", "\"/etc/x/etcd.pem\""}},
      {"etcd_key", {"/etc/x/etcd-key.pem", "\"/etc/x/etcd-key.pem\""}},
      {"max_instances", {"5", "5"}},
      {"max_watchers", {"7", "7"}},
      {"max_name_length", {"40", "40"}},
      {"max_host_length", {"60", "60"}},
      {"max_header_bytes", {"4096", "4096"}},
      {"read_token_file", {"/etc/x/read", "\"/etc/x/read\""}},
      {"write_token_file", {"/etc/x/write", "\"/etc/x/write\""}},
      {"tls_cert", {"/etc/x/cert.pem", "\"/etc/x/cert.pem\""}},
      {"tls_key", {"/etc/x/key.pem", "\"/etc/x/key.pem\""}},
      {"tls_ciphers", {"ECDHE-RSA-AES128-GCM-SHA256", "\"ECDHE-RSA-AES128-GCM-SHA256\""}},
      {"ui", {"false", "false"}},
  };
  const auto defaults = parse_print_config(print_config({}));
  ASSERT_EQ(defaults.size(), changed.size()) << "an option without a case here";
  for (const auto& [name, default_value] : defaults) {
    SCOPED_TRACE(name);
    ASSERT_EQ(changed.count(name), 1u);
    const auto& [text, toml] = changed.at(name);
    std::string flag = "--" + name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    std::string env = "GEMSTONE_REGISTRY_" + name;
    std::transform(env.begin(), env.end(), env.begin(), ::toupper);
    const std::string file = temp_file(name + ".toml", name + " = " + toml + "\n");

    ProcessOptions with_env_var = kNoConfig;
    with_env_var.env[env] = text;
    for (const std::string& printed : {print_config({flag, text}), print_config({}, with_env_var),
                                       print_config({"--config", file})}) {
      const auto values = parse_print_config(printed);
      for (const auto& [key, value] : values) {
        if (key == name) {
          EXPECT_NE(value, default_value);
          EXPECT_TRUE(value == toml || value == text) << value;
        }
      }
    }
    std::remove(file.c_str());
  }
}

TEST(RegistrySystemServiceTest, EnvironmentBeatsTheFileAndTheFlagBeatsBoth) {
  const std::string file = temp_file("precedence.toml", "ttl = 10.0\nmax_batch = 5\nport = 1111\n");
  ProcessOptions options = kNoConfig;
  options.env["GEMSTONE_REGISTRY_CONFIG"] = file;
  options.env["GEMSTONE_REGISTRY_TTL"] = "20";
  options.env["GEMSTONE_REGISTRY_PORT"] = "2222";
  const std::string printed = print_config({"--port", "3333"}, options);
  EXPECT_NE(printed.find("max_batch = 5\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("ttl = 20.0\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("port = 3333\n"), std::string::npos) << printed;
  std::remove(file.c_str());
}

TEST(RegistrySystemServiceTest, SpdlogLevelSetsTheLevelBelowOurOwnVariable) {
  ProcessOptions spdlog_only = kNoConfig;
  spdlog_only.env["SPDLOG_LEVEL"] = "warn";
  EXPECT_NE(print_config({}, spdlog_only).find("log_level = \"warn\""), std::string::npos);

  ProcessOptions both = spdlog_only;
  both.env["GEMSTONE_REGISTRY_LOG_LEVEL"] = "debug";
  EXPECT_NE(print_config({}, both).find("log_level = \"debug\""), std::string::npos);
  EXPECT_NE(print_config({"--log-level", "error"}, both).find("log_level = \"error\""),
            std::string::npos);
}

TEST(RegistrySystemServiceTest, BadEnvironmentValueIsOneLineNamingTheVariableAndTheKey) {
  for (const auto& [env, value] : std::vector<std::pair<std::string, std::string>>{
           {"GEMSTONE_REGISTRY_PORT", "eighty"},
           {"GEMSTONE_REGISTRY_STATE_SAVE_INTERVAL", "0"},
           {"GEMSTONE_REGISTRY_ACCESS_LOG", "maybe"},
           {"SPDLOG_LEVEL", "loud"}}) {
    ProcessOptions options = kNoConfig;
    options.env[env] = value;
    auto result = run(registry_binary(), {}, options, 10s);
    EXPECT_EQ(result.status, 2) << env;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find(env + "=" + value), std::string::npos) << result.err;
  }
}

TEST(RegistrySystemServiceTest, ConfigFileThatCannotBeReadStopsTheStart) {
  auto result = run(registry_binary(), {"--config", "/nonexistent/registry.toml"}, kNoConfig, 10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("/nonexistent/registry.toml"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(RegistrySystemServiceTest, PackagedConfigFileDocumentsEveryOptionWithItsDefault) {
  const std::string packaged = std::string(GEMSTONE_TESTS_DIR) + "/../packaging/registry.toml";
  std::ifstream in(packaged);
  ASSERT_TRUE(in) << packaged;
  std::stringstream text;
  text << in.rdbuf();

  // As shipped, it changes only where the state lives.
  auto shipped = run(registry_binary(), {"--config", packaged, "--print-config"}, kNoConfig, 10s);
  ASSERT_EQ(shipped.status, 0) << shipped.err;
  std::string expected = print_config({"--state-file", "/var/lib/gemstone-registry/state.json"});
  EXPECT_EQ(shipped.out, expected);

  // Every "# key = value" line, uncommented, must be the default.
  std::string uncommented;
  std::istringstream lines(text.str());
  static const std::regex commented(R"(^# ?([a-z_]+ = .*)$)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    uncommented += std::regex_match(line, m, commented) ? m[1].str() + "\n" : line + "\n";
  }
  const std::string path = temp_file("uncommented.toml", uncommented);
  auto result = run(registry_binary(), {"--config", path, "--print-config"}, kNoConfig, 10s);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, expected);
  for (const auto& [name, value] : parse_print_config(expected)) {
    EXPECT_NE(text.str().find(name + " = " + value), std::string::npos)
        << "the packaged file does not show " << name << " = " << value;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace gemstone::testing
