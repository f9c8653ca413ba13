// GET /metrics as Prometheus reads it: every family the operator needs,
// counted right, and accepted by `promtool check metrics`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tools.hpp"
#include "eventually.hpp"
#include "gemstone/version.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

std::string metrics_of(RegistryProcess& registry) {
  auto res = registry.get("/metrics");
  if (!res || res->status != 200) {
    ADD_FAILURE() << "GET /metrics failed";
    return {};
  }
  return res->body;
}

// The value of one sample line (`name{labels} value`), if present.
std::optional<double> sample(const std::string& metrics, const std::string& series) {
  const std::string prefix = series + " ";
  for (std::size_t at = metrics.find(prefix); at != std::string::npos;
       at = metrics.find(prefix, at + 1)) {
    if (at == 0 || metrics[at - 1] == '\n') {
      return std::strtod(metrics.c_str() + at + prefix.size(), nullptr);
    }
  }
  return std::nullopt;
}

// Something in every family: calls of each outcome, rejections of each
// reason, an unregister and an expiry.
void exercise(RegistryProcess& registry) {
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
  registry.call("ping", R"(["svc.b","10.0.0.6",8080])");
  registry.call("ping", R"(["svc.short","10.0.0.7",8080])");
  registry.call("ping", R"(["bad name","h",1])");
  registry.call("locate_service", R"(["svc.*"])");
  registry.call("list_services");
  registry.call("unregister", R"(["svc.b","10.0.0.6",8080])");
  registry.call("no_such_method");
  registry.post("not json");
  registry.post("{}", "text/plain");
  registry.get("/api");
  registry.post(std::string(2048, ' '));
}

TEST(RegistryMetricsTest, PassesPromtoolCheckMetrics) {
  const auto promtool = find_in_path("promtool");
  if (!promtool) {
    if (in_ci()) FAIL() << "promtool (Debian package prometheus) is required in CI";
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
  }
  RegistryProcess registry({"--max-body-bytes", "1024"});
  exercise(registry);
  const std::string metrics = metrics_of(registry);
  ProcessOptions options;
  options.stdin_data = metrics;
  auto result = run(*promtool, {"check", "metrics"}, options, 30s);
  EXPECT_EQ(result.status, 0) << result.out << result.err << "\n" << metrics;
  EXPECT_EQ(result.out + result.err, "") << "promtool's lint found problems";
}

TEST(RegistryMetricsTest, DeclaresEveryFamilyWithItsType) {
  RegistryProcess registry;
  const std::string metrics = metrics_of(registry);
  for (const auto& [family, type] : std::vector<std::pair<std::string, std::string>>{
           {"gemstone_registry_requests_total", "counter"},
           {"gemstone_registry_request_duration_seconds", "histogram"},
           {"gemstone_registry_rejected_requests_total", "counter"},
           {"gemstone_registry_pings_total", "counter"},
           {"gemstone_registry_unregisters_total", "counter"},
           {"gemstone_registry_expirations_total", "counter"},
           {"gemstone_registry_instances", "gauge"},
           {"gemstone_registry_services", "gauge"},
           {"gemstone_registry_state_saves_total", "counter"},
           {"gemstone_registry_state_save_failures_total", "counter"},
           {"gemstone_registry_state_last_save_timestamp_seconds", "gauge"},
           {"gemstone_registry_state_restored_instances", "gauge"},
           {"gemstone_registry_build_info", "gauge"},
           {"process_cpu_seconds_total", "counter"},
           {"process_resident_memory_bytes", "gauge"},
           {"process_virtual_memory_bytes", "gauge"},
           {"process_open_fds", "gauge"},
           {"process_max_fds", "gauge"},
           {"process_start_time_seconds", "gauge"}}) {
    EXPECT_NE(metrics.find("# HELP " + family + " "), std::string::npos) << family;
    EXPECT_NE(metrics.find("# TYPE " + family + " " + type + "\n"), std::string::npos) << family;
  }
}

TEST(RegistryMetricsTest, CountsCallsRejectionsUnregistersAndExpirations) {
  RegistryProcess registry({"--max-body-bytes", "1024", "--ttl", "0.3"});
  exercise(registry);
  ASSERT_TRUE(eventually([&] {
    return sample(metrics_of(registry), "gemstone_registry_expirations_total") == 2.0;
  })) << metrics_of(registry);
  const std::string m = metrics_of(registry);
  auto requests = [](const std::string& method, const std::string& outcome) {
    return "gemstone_registry_requests_total{method=\"" + method + "\",outcome=\"" + outcome +
           "\"}";
  };
  EXPECT_EQ(sample(m, requests("ping", "ok")), 3.0) << m;
  EXPECT_EQ(sample(m, requests("ping", "invalid_params")), 1.0);
  EXPECT_EQ(sample(m, requests("unregister", "ok")), 1.0);
  EXPECT_EQ(sample(m, requests("other", "method_not_found")), 1.0);
  EXPECT_EQ(sample(m, requests("other", "parse_error")), 1.0);
  EXPECT_EQ(sample(m, "gemstone_registry_rejected_requests_total{reason=\"content_type\"}"), 1.0);
  EXPECT_EQ(sample(m, "gemstone_registry_rejected_requests_total{reason=\"http_method\"}"), 1.0);
  EXPECT_EQ(sample(m, "gemstone_registry_rejected_requests_total{reason=\"body_too_large\"}"), 1.0);
  EXPECT_EQ(sample(m, "gemstone_registry_pings_total"), 3.0);
  EXPECT_EQ(sample(m, "gemstone_registry_unregisters_total"), 1.0);
  EXPECT_EQ(sample(m, "gemstone_registry_instances"), 0.0);
  EXPECT_EQ(sample(m, "gemstone_registry_services"), 0.0);
  const auto start = sample(m, "process_start_time_seconds");
  ASSERT_TRUE(start.has_value());
  EXPECT_GT(*start, 1.6e9) << "seconds since the Unix epoch";
}

TEST(RegistryMetricsTest, ProcessMetricsAndBuildInfoSayWhatRuns) {
  RegistryProcess registry;
  const std::string m = metrics_of(registry);
  EXPECT_EQ(sample(m, std::string("gemstone_registry_build_info{version=\"") + gemstone::kVersion + "\"}"),
            1.0)
      << m;
  const pid_t pid = registry.process().pid();
  const double resident = sample(m, "process_resident_memory_bytes").value_or(0);
  const double measured = static_cast<double>(resident_kib(pid)) * 1024;
  EXPECT_GT(resident, measured / 2) << m;
  EXPECT_LT(resident, measured * 2) << m;
  EXPECT_GE(sample(m, "process_cpu_seconds_total").value_or(-1), 0.0);
  // Its own descriptors: the listening socket and this scrape's connection at least.
  std::size_t fds = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)entry;
    ++fds;
  }
  const double open = sample(m, "process_open_fds").value_or(0);
  EXPECT_GE(open, 2.0);
  EXPECT_LE(open, static_cast<double>(fds) + 2) << m;
  EXPECT_GE(sample(m, "process_max_fds").value_or(0), open);
}

// The count of requests to /api labelled `method` in the latency histogram.
std::optional<double> timed(const std::string& metrics, const std::string& method) {
  return sample(metrics,
                "gemstone_registry_request_duration_seconds_count{method=\"" + method + "\"}");
}

TEST(RegistryMetricsTest, LatencyIsLabelledByMethodWithABoundedSetOfLabels) {
  RegistryProcess registry;
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
  registry.call("ping", R"(["svc.b","10.0.0.5",8080])");
  registry.call("locate_service", R"(["svc.*"])");
  registry.post(R"([{"jsonrpc":"2.0","method":"ping","params":["svc.c","h",1],"id":1}])");
  registry.post("not json");
  // Whatever names clients invent, they never become labels.
  for (int i = 0; i < 20; ++i) registry.call("invented_" + std::to_string(i));
  const std::string m = metrics_of(registry);
  EXPECT_EQ(timed(m, "ping"), 2.0) << m;
  EXPECT_EQ(timed(m, "locate_service"), 1.0);
  EXPECT_EQ(timed(m, "batch"), 1.0);
  EXPECT_EQ(timed(m, "other"), 21.0);
  EXPECT_EQ(timed(m, "unregister"), 0.0);
  EXPECT_EQ(m.find("invented_"), std::string::npos);
  std::set<std::string> labels;
  const std::regex label(R"re(gemstone_registry_request_duration_seconds_count\{method="([^"]*)"\})re");
  for (std::sregex_iterator it(m.begin(), m.end(), label), end; it != end; ++it) {
    labels.insert((*it)[1].str());
  }
  EXPECT_EQ(labels, (std::set<std::string>{"ping", "locate_service", "unregister", "list_services",
                                           "watch_services", "get_service_specs", "batch", "other"}));
}

TEST(RegistryMetricsTest, LatencyBucketsStartAtTenMicroseconds) {
  RegistryProcess registry;
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
  const std::string m = metrics_of(registry);
  auto bucket = [&](const std::string& le) {
    return sample(m, "gemstone_registry_request_duration_seconds_bucket{method=\"ping\",le=\"" +
                         le + "\"}");
  };
  std::optional<double> previous = 0.0;
  for (const char* le : {"1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001",
                         "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                         "2.5", "+Inf"}) {
    const auto n = bucket(le);
    ASSERT_TRUE(n.has_value()) << le << "\n" << m;
    EXPECT_GE(*n, *previous) << le << ": buckets are cumulative";
    previous = n;
  }
  EXPECT_EQ(bucket("+Inf"), 1.0);
}

TEST(RegistryMetricsTest, LiveInstancesAndDistinctServicesAreGauges) {
  RegistryProcess registry;
  registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
  registry.call("ping", R"(["svc.a","10.0.0.6",8080])");
  registry.call("ping", R"(["svc.b","10.0.0.5",8081])");
  const std::string m = metrics_of(registry);
  EXPECT_EQ(sample(m, "gemstone_registry_instances"), 3.0) << m;
  EXPECT_EQ(sample(m, "gemstone_registry_services"), 2.0) << m;
}

TEST(RegistryMetricsTest, StateSavesAndRestoredInstancesAreReported) {
  std::string dir = ::testing::TempDir() + "registry_metrics_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/state.json";
  const std::vector<std::string> args = {"--state-file", path, "--state-save-interval", "0.05"};
  {
    RegistryProcess registry(args);
    registry.call("ping", R"(["svc.a","10.0.0.5",8080])");
    ASSERT_TRUE(eventually([&] {
      return sample(metrics_of(registry), "gemstone_registry_state_saves_total").value_or(0) >= 1;
    }));
    const std::string m = metrics_of(registry);
    EXPECT_GT(sample(m, "gemstone_registry_state_last_save_timestamp_seconds").value_or(0), 1.6e9);
    EXPECT_EQ(sample(m, "gemstone_registry_state_save_failures_total"), 0.0);
    EXPECT_EQ(sample(m, "gemstone_registry_state_restored_instances"), 0.0);
    ASSERT_EQ(registry.stop(), 0);
  }
  RegistryProcess registry(args);
  EXPECT_EQ(sample(metrics_of(registry), "gemstone_registry_state_restored_instances"), 1.0);
  registry.stop();
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace gemstone::testing
