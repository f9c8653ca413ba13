#include "registry/daemon/periodic_task.hpp"

#include <utility>

namespace gemstone::registry {

PeriodicTask::PeriodicTask(std::chrono::milliseconds every, std::function<void()> tick,
                           std::function<void()> on_stop)
    : every_(every), tick_(std::move(tick)), on_stop_(std::move(on_stop)), thread_([this] { run(); }) {}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (on_stop_) on_stop_();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) {
    // The lock guards only the stop flag: stop() must not wait for a tick to take it.
    lock.unlock();
    tick_();
    lock.lock();
  }
}

}  // namespace gemstone::registry
