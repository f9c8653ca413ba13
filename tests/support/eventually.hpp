#pragma once
// Waiting in tests for something another thread or process does.

#include <chrono>
#include <functional>
#include <thread>

namespace gemstone::testing {

/// Polls `done` every `every` until it holds or `timeout` has passed, then
/// asks once more; whether it held.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace gemstone::testing
