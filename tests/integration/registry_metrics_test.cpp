// GET /metrics as Prometheus reads it: every family the operator needs,
// counted right, and accepted by `promtool check metrics`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::optional<std::string> find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

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
