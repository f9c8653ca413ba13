#include "registry/metrics.hpp"

#include <cstdarg>
#include <cstdio>

#include "gemstone/jsonrpc/error.hpp"
#include "gemstone/registry_protocol.hpp"
#include "gemstone/version.hpp"
#include "registry/process_metrics.hpp"

namespace gemstone::registry {
namespace {

constexpr std::array<const char*, 9> kOutcomeNames = {
    "ok",           "parse_error",   "invalid_request", "method_not_found", "invalid_params",
    "internal_error", "access_denied", "registry_full",   "other_error"};

// In the order of enum class Rejection.
constexpr std::array<const char*, 4> kRejectionNames = {"body_too_large", "content_type",
                                                        "http_method", "header_too_large"};

void append_format(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void append_format(std::string& out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n > 0) out.append(buffer, static_cast<std::size_t>(n) < sizeof buffer ? n : sizeof buffer - 1);
}

}  // namespace

Metrics::Metrics(std::vector<std::string> methods) : methods_(std::move(methods)) {
  methods_.emplace_back("other");
  methods_.emplace_back("batch");
  calls_ = decltype(calls_)(methods_.size() - 1);
  latency_ = std::vector<Histogram>(methods_.size());
  slot_of_.fill(static_cast<std::uint16_t>(other_slot()));
  start_time_seconds_ = std::chrono::duration<double>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
}

void Metrics::index_methods(const std::vector<jsonrpc::Method>& dispatcher_methods) {
  slot_of_.fill(static_cast<std::uint16_t>(other_slot()));
  for (std::size_t i = 0; i < dispatcher_methods.size() && i < kMaxIndexed; ++i) {
    for (std::size_t m = 0; m < other_slot(); ++m) {
      if (methods_[m] == dispatcher_methods[i].name) slot_of_[i] = static_cast<std::uint16_t>(m);
    }
  }
}

std::size_t Metrics::outcome_index(int code) {
  switch (code) {
    case 0: return 0;
    case jsonrpc::kParseError: return 1;
    case jsonrpc::kInvalidRequest: return 2;
    case jsonrpc::kMethodNotFound: return 3;
    case jsonrpc::kInvalidParams: return 4;
    case jsonrpc::kInternalError: return 5;
    case registry_protocol::kAccessDenied: return 6;
    case registry_protocol::kRegistryFull: return 7;
    default: return 8;
  }
}

void Metrics::record_call(const jsonrpc::CallRecord& call) {
  calls_[slot_of(call.index)][outcome_index(call.code)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::record_latency(std::chrono::nanoseconds elapsed, std::size_t method_index,
                             bool batch) {
  Histogram& h = latency_[batch ? batch_slot() : slot_of(method_index)];
  const auto ns = static_cast<std::uint64_t>(elapsed.count() > 0 ? elapsed.count() : 0);
  std::size_t i = 0;
  while (i < kBucketsNs.size() && ns > kBucketsNs[i]) ++i;
  h.buckets[i].fetch_add(1, std::memory_order_relaxed);
  h.sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

void Metrics::record_state_save(bool ok, double wall_seconds) {
  if (ok) {
    state_saves_.fetch_add(1, std::memory_order_relaxed);
    state_last_save_seconds_.store(wall_seconds, std::memory_order_relaxed);
  } else {
    state_save_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Metrics::record_rejection(Rejection why) {
  rejected_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const Gauges& gauges) const {
  std::string out;
  out.reserve(4096);
  out += "# HELP gemstone_registry_requests_total JSON-RPC calls handled, by method and outcome.\n"
         "# TYPE gemstone_registry_requests_total counter\n";
  for (std::size_t m = 0; m < calls_.size(); ++m) {
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      const auto n = calls_[m][o].load(std::memory_order_relaxed);
      if (n == 0 && o != 0) continue;
      append_format(out, "gemstone_registry_requests_total{method=\"%s\",outcome=\"%s\"} %llu\n",
                    methods_[m].c_str(), kOutcomeNames[o], static_cast<unsigned long long>(n));
    }
  }

  out += "# HELP gemstone_registry_request_duration_seconds Time to answer one HTTP request to "
         "/api, by JSON-RPC method (batch: a batch; other: none the registry has).\n"
         "# TYPE gemstone_registry_request_duration_seconds histogram\n";
  for (std::size_t m = 0; m < latency_.size(); ++m) {
    const Histogram& h = latency_[m];
    const char* method = methods_[m].c_str();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBucketsNs.size(); ++i) {
      cumulative += h.buckets[i].load(std::memory_order_relaxed);
      append_format(out,
                    "gemstone_registry_request_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %llu\n",
                    method, static_cast<double>(kBucketsNs[i]) / 1e9,
                    static_cast<unsigned long long>(cumulative));
    }
    cumulative += h.buckets[kBucketsNs.size()].load(std::memory_order_relaxed);
    append_format(out,
                  "gemstone_registry_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %llu\n",
                  method, static_cast<unsigned long long>(cumulative));
    append_format(out, "gemstone_registry_request_duration_seconds_sum{method=\"%s\"} %.9f\n",
                  method, static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9);
    append_format(out, "gemstone_registry_request_duration_seconds_count{method=\"%s\"} %llu\n",
                  method, static_cast<unsigned long long>(cumulative));
  }

  out += "# HELP gemstone_registry_rejected_requests_total HTTP requests refused before any method ran, by reason.\n"
         "# TYPE gemstone_registry_rejected_requests_total counter\n";
  for (std::size_t i = 0; i < kRejectionNames.size(); ++i) {
    append_format(out, "gemstone_registry_rejected_requests_total{reason=\"%s\"} %llu\n",
                  kRejectionNames[i],
                  static_cast<unsigned long long>(rejected_[i].load(std::memory_order_relaxed)));
  }

  out += "# HELP gemstone_registry_connections_refused_total Connections closed at once when accepted, by reason.\n"
         "# TYPE gemstone_registry_connections_refused_total counter\n";
  append_format(out, "gemstone_registry_connections_refused_total{reason=\"fd_limit\"} %llu\n",
                static_cast<unsigned long long>(refused_fd_limit_.load(std::memory_order_relaxed)));

  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    append_format(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                  static_cast<unsigned long long>(value));
  };
  auto gauge = [&](const char* name, const char* help, double value) {
    append_format(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, value);
  };
  counter("gemstone_registry_pings_total", "Successful pings (registrations and renewals).",
          pings_.load(std::memory_order_relaxed));
  counter("gemstone_registry_unregisters_total", "Instances removed by unregister.",
          unregisters_.load(std::memory_order_relaxed));
  counter("gemstone_registry_expirations_total", "Instances removed because their TTL ran out.",
          expirations_.load(std::memory_order_relaxed));
  gauge("gemstone_registry_instances", "Instances held now.", static_cast<double>(gauges.instances));
  gauge("gemstone_registry_services", "Distinct service names held now.",
        static_cast<double>(gauges.services));
  gauge("gemstone_registry_watchers", "watch_services calls parked now.",
        static_cast<double>(gauges.watchers));
  out += "# HELP gemstone_registry_watch_answers_total watch_services calls answered, by what answered them.\n"
         "# TYPE gemstone_registry_watch_answers_total counter\n";
  append_format(out, "gemstone_registry_watch_answers_total{by=\"change\"} %llu\n",
                static_cast<unsigned long long>(watch_changes_.load(std::memory_order_relaxed)));
  append_format(out, "gemstone_registry_watch_answers_total{by=\"timeout\"} %llu\n",
                static_cast<unsigned long long>(watch_timeouts_.load(std::memory_order_relaxed)));
  gauge("gemstone_registry_index", "The change index: grows by one per change of an instance.",
        static_cast<double>(gauges.index));
  counter("gemstone_registry_state_saves_total", "Successful writes of the state file.",
          state_saves_.load(std::memory_order_relaxed));
  counter("gemstone_registry_state_save_failures_total", "Failed writes of the state file.",
          state_save_failures_.load(std::memory_order_relaxed));
  gauge("gemstone_registry_state_last_save_timestamp_seconds",
        "Time of the last successful write of the state file since the Unix epoch (0: never).",
        state_last_save_seconds_.load(std::memory_order_relaxed));
  gauge("gemstone_registry_state_restored_instances",
        "Instances the store took from the state file at start.",
        static_cast<double>(state_restored_.load(std::memory_order_relaxed)));
  if (gauges.remote) {
    gauge("gemstone_registry_backend_up",
          "1 while the registry follows its backend (etcd), 0 while it cannot reach it.",
          gauges.backend_up ? 1.0 : 0.0);
    counter("gemstone_registry_backend_requests_total", "Requests sent to the backend (etcd).",
            gauges.backend_requests);
    counter("gemstone_registry_backend_request_failures_total",
            "Backend requests no member answered.", gauges.backend_failures);
    counter("gemstone_registry_backend_lists_total",
            "Complete lists read from the backend (at start, after a compaction or a lost watch).",
            gauges.backend_lists);
  }
  out += "# HELP gemstone_registry_build_info The version of gemstone-registry running (always 1).\n"
         "# TYPE gemstone_registry_build_info gauge\n";
  append_format(out, "gemstone_registry_build_info{version=\"%s\"} 1\n", kVersion);
  append_process_metrics(out, start_time_seconds_);
  return out;
}

}  // namespace gemstone::registry
