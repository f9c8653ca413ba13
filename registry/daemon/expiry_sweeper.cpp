#include "registry/daemon/expiry_sweeper.hpp"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

namespace gemstone::registry {

std::chrono::milliseconds sweep_interval(double ttl_seconds) {
  return std::chrono::milliseconds(std::clamp<long>(static_cast<long>(ttl_seconds * 1000 / 4), 50, 1000));
}

ExpirySweeper::ExpirySweeper(Store& store, Metrics& metrics, std::chrono::milliseconds every)
    : store_(store), metrics_(metrics), task_(every, [this] { sweep(Clock::now()); }) {}

std::size_t ExpirySweeper::sweep(Clock::time_point now) {
  std::size_t total = 0;
  for (;;) {
    const std::size_t n = store_.expire(now, kChunk);
    total += n;
    if (n < kChunk) break;
    std::this_thread::yield();  // let the requests waiting for the lock in
  }
  if (total > 0) {
    metrics_.record_expired(total);
    spdlog::info("expired {} instance{}, {} left", total, total == 1 ? "" : "s", store_.size());
  }
  return total;
}

}  // namespace gemstone::registry
