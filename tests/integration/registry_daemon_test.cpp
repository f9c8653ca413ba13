// The daemon as an operator sees it: start-up, logs, health, metrics,
// signals, configuration errors, and the old gemstone clients.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

TEST(RegistryDaemonTest, LogsWhereItListens) {
  RegistryProcess registry;
  EXPECT_NE(registry.process().err().find("listening on http://127.0.0.1:" +
                                          std::to_string(registry.port()) + "/api"),
            std::string::npos);
}

TEST(RegistryDaemonTest, HealthAnswers200WithUptimeAndInstances) {
  RegistryProcess registry;
  registry.call("ping", R"(["svc","h",1])");
  auto res = registry.get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsObject()) << res->body;
  EXPECT_STREQ(doc["status"].GetString(), "ok");
  EXPECT_GE(doc["uptime_seconds"].GetDouble(), 0.0);
  EXPECT_EQ(doc["instances"].GetInt(), 1);
}

TEST(RegistryDaemonTest, MetricsCountRequestsByMethodAndOutcome) {
  RegistryProcess registry;
  registry.call("ping", R"(["svc","h",1])");
  registry.call("ping", R"(["svc","h",2])");
  registry.call("ping", R"(["bad name","h",1])");
  registry.call("locate_service", R"(["svc"])");
  registry.call("nope");
  auto res = registry.get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = res->body;
  EXPECT_NE(m.find("gemstone_registry_requests_total{method=\"ping\",outcome=\"ok\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("gemstone_registry_requests_total{method=\"ping\",outcome=\"invalid_params\"} 1"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_requests_total{method=\"locate_service\",outcome=\"ok\"} 1"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_requests_total{method=\"other\",outcome=\"method_not_found\"} 1"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_pings_total 2"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_instances 2"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_request_duration_seconds_count{method=\"ping\"} 3"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_request_duration_seconds_count{method=\"locate_service\"} 1"), std::string::npos);
  EXPECT_NE(m.find("gemstone_registry_request_duration_seconds_count{method=\"other\"} 1"), std::string::npos);
  EXPECT_NE(m.find("process_start_time_seconds "), std::string::npos);
}

TEST(RegistryDaemonTest, SigtermExitsZero) {
  RegistryProcess registry;
  EXPECT_EQ(registry.stop(), 0);
  EXPECT_NE(registry.process().err().find("received SIGTERM"), std::string::npos);
}

TEST(RegistryDaemonTest, SigintExitsZero) {
  RegistryProcess registry;
  registry.process().send_signal(SIGINT);
  EXPECT_EQ(registry.process().wait(10s), std::optional<int>(0));
}

TEST(RegistryDaemonTest, SigtermLetsARequestInFlightFinish) {
  RegistryProcess registry;
  // A request whose body arrives slowly is in flight when SIGTERM comes.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(registry.port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":["svc","h",1],"id":1})";
  const std::string head = "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(write(fd, body.data(), 10), 10);
  std::this_thread::sleep_for(200ms);
  registry.process().send_signal(SIGTERM);
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(write(fd, body.data() + 10, body.size() - 10), static_cast<ssize_t>(body.size() - 10));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_NE(response.find("HTTP/1.1 200"), std::string::npos) << response;
  EXPECT_NE(response.find("\"result\""), std::string::npos) << response;
  EXPECT_EQ(registry.process().wait(10s), std::optional<int>(0));
}

TEST(RegistryDaemonTest, PortTakenExitsNonZeroWithOneLine) {
  RegistryProcess first;
  auto result = run(registry_binary(), {"--host", "127.0.0.1", "--port", std::to_string(first.port())},
                    with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.status, -1) << "must exit, not hang";
  EXPECT_NE(result.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("Address already in use"), std::string::npos) << result.err;
}

// Whatever stops the start, the last line says why in one format, the one
// a bad flag has: "gemstone-registry: ...", no timestamp.
TEST(RegistryDaemonTest, StartUpErrorsHaveOneFormatAndSayWhy) {
  RegistryProcess first;
  const std::string taken = std::to_string(first.port());
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--host", "127.0.0.1", "--port", taken},
       "gemstone-registry: cannot listen on 127.0.0.1:" + taken + ": bind: Address already in use"},
      {{"--host", "no-such-host.invalid", "--port", "0"},
       "gemstone-registry: cannot listen on no-such-host.invalid:0: getaddrinfo: "},
      {{"--write-token-file", "/nonexistent/tokens"},
       "gemstone-registry: write_token_file: cannot read token file /nonexistent/tokens: No such "
       "file or directory"},
      {{"--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"},
       "gemstone-registry: cannot read TLS certificate /nonexistent/cert.pem: No such file or "
       "directory"},
      {{"--port", "70000"}, "gemstone-registry: --port 70000: port must be an integer"},
  };
  for (const auto& [args, expected] : cases) {
    auto result = run(registry_binary(), args, with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
    EXPECT_NE(result.status, 0) << expected;
    EXPECT_NE(result.status, -1) << "must exit, not hang";
    const auto last = result.err.rfind('\n', result.err.size() - 2);
    const std::string last_line = result.err.substr(last == std::string::npos ? 0 : last + 1);
    EXPECT_EQ(last_line.rfind(expected, 0), 0u) << result.err;
  }
}

TEST(RegistryDaemonTest, BadFlagIsOneLineAndExit2) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, {"--port", "70000"}, {"--ttl", "abc"}, {"--ttl", "0"},
        {"--response-style", "loose"}, {"--log-level", "loud"}, {"--event-loops", "-1"},
        {"--event-loops", "2000"}, {"extra"}}) {
    auto result = run(registry_binary(), args, with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
    EXPECT_EQ(result.status, 2) << args[0];
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_TRUE(result.out.empty());
  }
}

// Threads of `pid` named `name` (the loops are named "http-loop").
std::size_t threads_named(pid_t pid, const std::string& name) {
  std::size_t count = 0;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++count;
  }
  return count;
}

TEST(RegistryDaemonTest, EventLoopsSetHowManyThreadsServeConnections) {
  RegistryProcess one({"--event-loops", "1"});
  RegistryProcess four({"--event-loops", "4"});
  RegistryProcess per_cpu;
  const std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());
  // The loops start beside the "listening on" line: wait for them.
  EXPECT_TRUE(eventually([&] { return threads_named(one.process().pid(), "http-loop") == 1; }));
  EXPECT_TRUE(eventually([&] { return threads_named(four.process().pid(), "http-loop") == 4; }));
  EXPECT_TRUE(eventually([&] { return threads_named(per_cpu.process().pid(), "http-loop") == cpus; }));
  // Connections spread over the loops are all served.
  for (RegistryProcess* registry : {&one, &four}) {
    std::vector<std::unique_ptr<httplib::Client>> clients;
    for (int i = 0; i < 8; ++i) {
      clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", registry->port()));
      clients.back()->set_keep_alive(true);
    }
    for (int round = 0; round < 2; ++round) {
      for (auto& client : clients) {
        auto r = client->Post("/api", R"({"jsonrpc":"2.0","method":"ping","params":["svc","h",1],"id":1})",
                              "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
      }
    }
  }
}

TEST(RegistryDaemonTest, HelpExitsZeroAndShowsOptions) {
  auto result = run(registry_binary(), {"--help"}, {}, 10s);
  EXPECT_EQ(result.status, 0);
  for (const char* flag : {"--host", "--port", "--ttl", "--config", "--log-level", "--response-style"}) {
    EXPECT_NE(result.out.find(flag), std::string::npos) << flag;
  }
}

TEST(RegistryDaemonTest, EnvironmentAndConfigFileSetOptionsFlagsWin) {
  const std::string path = ::testing::TempDir() + "registry_test_config.toml";
  {
    std::ofstream f(path);
    f << "# test\nttl = 12.5\nresponse_style = \"strict\"\nport = 1234\n";
  }
  auto result = run(registry_binary(), {"--config", path, "--port", "4321", "--print-config"},
                    with_env({{"GEMSTONE_REGISTRY_RESPONSE_STYLE", "gemstone"}}), 10s);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("ttl = 12.5"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("port = 4321"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("response_style = \"gemstone\""), std::string::npos) << result.out;
  std::remove(path.c_str());
}

TEST(RegistryDaemonTest, BadConfigFileNamesTheLine) {
  const std::string path = ::testing::TempDir() + "registry_bad_config.toml";
  {
    std::ofstream f(path);
    f << "ttl = 5\n\nport = \"eighty\"\n";
  }
  auto result = run(registry_binary(), {"--config", path}, {}, 10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find(path + ":3:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("port"), std::string::npos) << result.err;
  {
    std::ofstream f(path);
    f << "ttl = 5\ncolour = 1\n";
  }
  result = run(registry_binary(), {"--config", path}, {}, 10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find(path + ":2: unknown key 'colour'"), std::string::npos) << result.err;
  std::remove(path.c_str());
}

TEST(RegistryDaemonTest, GemstoneEraPythonClientWorksUnchanged) {
  RegistryProcess registry;
  auto result = run("/usr/bin/env",
                    {"python3", std::string(GEMSTONE_TESTS_DIR) + "/integration/python/gemstone_era_client.py",
                     registry.api_url()},
                    {}, 30s);
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "ok\n") << result.err;
}

}  // namespace
}  // namespace gemstone::testing
