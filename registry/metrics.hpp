#pragma once
// Counters and a latency histogram for GET /metrics (Prometheus text format).
// Everything on the request path is a relaxed atomic add: no lock, no map.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gemstone::registry {

/// Why a request was refused before it reached a method.
enum class Rejection { kBodyTooLarge, kContentType, kHttpMethod, kHeaderTooLarge, kCount };

class Metrics {
 public:
  /// `methods`: the method names to count separately; others count as "other".
  explicit Metrics(std::vector<std::string> methods);

  /// One JSON-RPC call (a batch member counts on its own). `code` 0 is success.
  void record_call(std::string_view method, int code);
  /// One HTTP request to /api, from first byte read to response ready.
  void record_latency(std::chrono::nanoseconds elapsed);
  void record_rejection(Rejection why);
  /// A connection accepted and closed at once because the process was out
  /// of file descriptors.
  void record_connection_refused_fd_limit() {
    refused_fd_limit_.fetch_add(1, std::memory_order_relaxed);
  }
  void record_ping() { pings_.fetch_add(1, std::memory_order_relaxed); }
  void record_unregister() { unregisters_.fetch_add(1, std::memory_order_relaxed); }
  void record_expired(std::uint64_t n) { expirations_.fetch_add(n, std::memory_order_relaxed); }
  /// One attempt to write the state file; `wall_seconds` is when (Unix time).
  void record_state_save(bool ok, double wall_seconds);
  /// Instances the store took from the state file at start.
  void record_state_restored(std::uint64_t n) { state_restored_.store(n, std::memory_order_relaxed); }

  /// A watch_services call answered: woken by a change (or answered at
  /// once) or by its timeout.
  void record_watch_answered(bool by_timeout) {
    (by_timeout ? watch_timeouts_ : watch_changes_).fetch_add(1, std::memory_order_relaxed);
  }

  struct Gauges {
    std::uint64_t instances = 0;
    std::uint64_t services = 0;
    std::uint64_t watchers = 0;  ///< watch_services calls parked now
    std::uint64_t index = 0;     ///< the store's change index
    /// A remote backend (etcd) only; rendered only when `remote`.
    bool remote = false;
    bool backend_up = false;             ///< the view follows the backend now
    std::uint64_t backend_requests = 0;  ///< requests to the backend
    std::uint64_t backend_failures = 0;  ///< of which no member answered
    std::uint64_t backend_lists = 0;     ///< complete lists read (start, compaction, lost watch)
  };
  /// The exposition text; `gauges` are read at scrape time.
  std::string render(const Gauges& gauges) const;

  std::uint64_t expirations() const { return expirations_.load(std::memory_order_relaxed); }
  std::uint64_t state_saves() const { return state_saves_.load(std::memory_order_relaxed); }
  std::uint64_t state_save_failures() const {
    return state_save_failures_.load(std::memory_order_relaxed);
  }
  std::uint64_t state_restored() const { return state_restored_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kOutcomes = 9;
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.5,    1.0};
  std::size_t method_index(std::string_view method) const;
  static std::size_t outcome_index(int code);

  std::vector<std::string> methods_;  // + "other" at the end
  std::vector<std::array<std::atomic<std::uint64_t>, kOutcomes>> calls_;
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> latency_buckets_{};
  std::atomic<std::uint64_t> latency_sum_ns_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Rejection::kCount)> rejected_{};
  std::atomic<std::uint64_t> refused_fd_limit_{0};
  std::atomic<std::uint64_t> pings_{0};
  std::atomic<std::uint64_t> unregisters_{0};
  std::atomic<std::uint64_t> expirations_{0};
  std::atomic<std::uint64_t> state_saves_{0};
  std::atomic<std::uint64_t> state_save_failures_{0};
  std::atomic<std::uint64_t> state_restored_{0};
  std::atomic<std::uint64_t> watch_changes_{0};
  std::atomic<std::uint64_t> watch_timeouts_{0};
  std::atomic<double> state_last_save_seconds_{0};
  double start_time_seconds_;
};

}  // namespace gemstone::registry
