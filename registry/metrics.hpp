#pragma once
// Counters and a latency histogram for GET /metrics (Prometheus text format),
// with the process metrics every Prometheus exporter has.
// Everything on the request path is a relaxed atomic add into an array
// picked by index: no lock, no map, no string compared.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/jsonrpc/dispatcher.hpp"

namespace gemstone::registry {

/// Why a request was refused before it reached a method.
enum class Rejection { kBodyTooLarge, kContentType, kHttpMethod, kHeaderTooLarge, kCount };

class Metrics {
 public:
  /// `methods`: the method names counted and timed separately; others count
  /// as "other".
  explicit Metrics(std::vector<std::string> methods);

  /// Which of those names each of the dispatcher's methods is (by position,
  /// CallRecord::index), so that a call is counted by index, never by name.
  /// Once, before any request.
  void index_methods(const std::vector<jsonrpc::Method>& dispatcher_methods);

  /// One JSON-RPC call (a batch member counts on its own).
  void record_call(const jsonrpc::CallRecord& call);
  /// One HTTP request to /api, from first byte read to response ready: a
  /// single call of the method at `method_index` (CallRecord::index), or a
  /// batch. The label is one of a fixed few whatever the client sent.
  void record_latency(std::chrono::nanoseconds elapsed, std::size_t method_index, bool batch);
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
  /// Upper bounds of the latency buckets, in nanoseconds: from 10 µs, where
  /// a ping is answered, to 2.5 s.
  static constexpr std::array<std::uint64_t, 17> kBucketsNs = {
      10'000,     25'000,     50'000,      100'000,     250'000,     500'000,
      1'000'000,  2'500'000,  5'000'000,   10'000'000,  25'000'000,  50'000'000,
      100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
  /// Dispatcher methods told apart; those past it count as "other".
  static constexpr std::size_t kMaxIndexed = 64;
  static std::size_t outcome_index(int code);
  std::size_t slot_of(std::size_t method_index) const {
    return method_index < kMaxIndexed ? slot_of_[method_index] : other_slot();
  }
  std::size_t other_slot() const { return methods_.size() - 2; }
  std::size_t batch_slot() const { return methods_.size() - 1; }

  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBucketsNs.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};
  };

  std::vector<std::string> methods_;  // + "other" and "batch" at the end
  std::array<std::uint16_t, kMaxIndexed> slot_of_{};
  std::vector<std::array<std::atomic<std::uint64_t>, kOutcomes>> calls_;  // all slots but batch
  std::vector<Histogram> latency_;                                       // every slot
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
