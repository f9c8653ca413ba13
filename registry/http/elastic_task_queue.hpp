#pragma once
// A task queue for cpp-httplib that grows and sheds threads.
//
// cpp-httplib runs each connection as one task that holds its thread for the
// connection's whole keep-alive life. With the library's fixed pool of
// max(8, cores-1) threads, a handful of idle keep-alive connections starve
// everyone else (16 idle connections made a new request wait ~9 s). Here a
// task never waits for a busy thread while fewer than `max_threads` exist: a
// new thread is started instead, and threads idle for `idle_timeout` exit
// again, down to `min_threads`.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include <httplib.h>

namespace gemstone::registry {

class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  ElasticTaskQueue(std::size_t min_threads, std::size_t max_threads,
                   std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));
  ~ElasticTaskQueue() override;

  void enqueue(std::function<void()> task) override;
  /// Runs every queued task, then joins all threads.
  void shutdown() override;

  std::size_t threads() const;

 private:
  void start_thread_locked();
  void worker(std::list<std::thread>::iterator self);
  void join_finished_locked();

  const std::size_t min_threads_;
  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_timeout_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::list<std::thread> threads_;
  std::list<std::thread> finished_;  // exited for idleness, to be joined
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace gemstone::registry
