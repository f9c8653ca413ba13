#include "registry/http/elastic_task_queue.hpp"

#include <utility>

namespace gemstone::registry {

ElasticTaskQueue::ElasticTaskQueue(std::size_t min_threads, std::size_t max_threads,
                                   std::chrono::milliseconds idle_timeout)
    : min_threads_(min_threads),
      max_threads_(max_threads < 1 ? 1 : max_threads),
      idle_timeout_(idle_timeout) {
  std::lock_guard lock(mutex_);
  while (threads_.size() < min_threads_ && threads_.size() < max_threads_) start_thread_locked();
}

ElasticTaskQueue::~ElasticTaskQueue() { shutdown(); }

void ElasticTaskQueue::start_thread_locked() {
  threads_.emplace_back();
  auto self = std::prev(threads_.end());
  *self = std::thread([this, self] { worker(self); });
}

void ElasticTaskQueue::join_finished_locked() {
  for (auto& t : finished_) {
    if (t.joinable()) t.join();
  }
  finished_.clear();
}

void ElasticTaskQueue::enqueue(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  join_finished_locked();
  if (idle_ >= tasks_.size()) {
    wake_.notify_one();
  } else if (threads_.size() < max_threads_) {
    start_thread_locked();
  }
  // else: every thread is busy and the cap is reached; the task waits.
}

void ElasticTaskQueue::worker(std::list<std::thread>::iterator self) {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool woke = wake_.wait_for(lock, idle_timeout_,
                                     [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (!woke && threads_.size() > min_threads_) {
      // Hand our own std::thread to finished_; whoever takes the lock next joins it.
      finished_.splice(finished_.end(), threads_, self);
      return;
    }
  }
}

void ElasticTaskQueue::shutdown() {
  std::list<std::thread> to_join;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty() && finished_.empty()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  // Threads stay in threads_ until joined here (only idle exits move them).
  for (;;) {
    std::unique_lock lock(mutex_);
    to_join.splice(to_join.end(), threads_);
    to_join.splice(to_join.end(), finished_);
    lock.unlock();
    if (to_join.empty()) break;
    for (auto& t : to_join) {
      if (t.joinable()) t.join();
    }
    to_join.clear();
  }
}

std::size_t ElasticTaskQueue::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace gemstone::registry
