#pragma once
// A fixed set of threads running queued work in order of arrival: where
// requests that wait on a remote store (etcd writes) run, so that the event
// loops never wait.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gemstone::registry {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  /// Runs what is queued, then joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> work);
  /// Lets the queue run dry and joins the threads; later work runs at once
  /// on the caller's thread. Idempotent.
  void stop();
  std::size_t queued() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gemstone::registry
