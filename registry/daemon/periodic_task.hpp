#pragma once
// A callable run every interval on a thread of its own, until stopped.
// The daemon's background work (expiry sweeps, state saves) is built on it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace gemstone::registry {

class PeriodicTask {
 public:
  /// Starts the thread at once; `tick` runs first one `every` from now, then
  /// every `every` after the previous run ended. `on_stop`, if given, runs
  /// once in stop(), after the last tick, on the thread that calls stop().
  PeriodicTask(std::chrono::milliseconds every, std::function<void()> tick,
               std::function<void()> on_stop = {});
  /// Stops, as stop() does.
  ~PeriodicTask();

  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  /// Wakes the thread (a tick under way is finished, not cut short), joins
  /// it, then runs `on_stop`. Later calls return at once.
  void stop();

  std::chrono::milliseconds interval() const { return every_; }

 private:
  void run();

  const std::chrono::milliseconds every_;
  const std::function<void()> tick_;
  const std::function<void()> on_stop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once every other member is ready
};

}  // namespace gemstone::registry
