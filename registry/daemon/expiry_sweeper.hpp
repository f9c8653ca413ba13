#pragma once
// Reclaims expired instances in the background. An expired instance is
// already invisible to every method; the sweep frees its memory, counts it
// for /metrics and logs how many went.

#include <chrono>
#include <cstddef>

#include "registry/daemon/periodic_task.hpp"
#include "registry/metrics.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

/// A quarter of the TTL, kept between 50 ms and 1 s: often enough that a
/// mass expiry is freed in small steps, rarely enough to cost nothing idle.
std::chrono::milliseconds sweep_interval(double ttl_seconds);

class ExpirySweeper {
 public:
  /// Most instances removed under one hold of the store's lock, so that
  /// expiring 100,000 at once never stalls the requests for long.
  static constexpr std::size_t kChunk = 1000;

  /// Sweeps every `every` from now on, until stopped or destroyed.
  ExpirySweeper(Store& store, Metrics& metrics, std::chrono::milliseconds every);

  /// Removes every instance expired at `now`, kChunk at a time, records them
  /// in the metrics and logs one line if there were any. Returns how many.
  std::size_t sweep(Clock::time_point now);

  void stop() { task_.stop(); }

 private:
  Store& store_;
  Metrics& metrics_;
  PeriodicTask task_;  // last: its thread calls sweep()
};

}  // namespace gemstone::registry
