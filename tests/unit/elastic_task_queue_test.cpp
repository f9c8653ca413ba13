#include "registry/http/elastic_task_queue.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;

// Every wait in these tests is bounded by this, so a broken queue fails
// instead of hanging. It is a safety net, never what a test measures.
constexpr auto kPatience = 10s;

// A counter that can be waited on (C++17 has no std::latch).
class Counter {
 public:
  void add() {
    {
      std::lock_guard lock(mutex_);
      ++value_;
    }
    changed_.notify_all();
  }
  int value() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  /// Waits until the count reaches `n`; false if it did not within kPatience.
  bool wait_for_at_least(int n) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return value_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  int value_ = 0;
};

// Blocks tasks until opened.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  /// False if the gate stayed shut for kPatience.
  bool wait() {
    std::unique_lock lock(mutex_);
    return opened_.wait_for(lock, kPatience, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// Polls `condition` until it holds or kPatience passes.
template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(ElasticTaskQueueTest, StartsMinThreadsAtConstruction) {
  ElasticTaskQueue queue(3, 8);
  EXPECT_EQ(queue.threads(), 3u);
}

TEST(ElasticTaskQueueTest, RunsEveryTask) {
  ElasticTaskQueue queue(2, 8);
  Counter done;
  constexpr int kTasks = 1000;
  for (int i = 0; i < kTasks; ++i) queue.enqueue([&] { done.add(); });
  EXPECT_TRUE(done.wait_for_at_least(kTasks));
  queue.shutdown();
  EXPECT_EQ(done.value(), kTasks);
}

TEST(ElasticTaskQueueTest, RunsTasksWithoutMinThreads) {
  ElasticTaskQueue queue(0, 4);
  EXPECT_EQ(queue.threads(), 0u);
  Counter done;
  queue.enqueue([&] { done.add(); });
  EXPECT_TRUE(done.wait_for_at_least(1));
  queue.shutdown();
}

TEST(ElasticTaskQueueTest, ZeroMaxThreadsStillRunsTasks) {
  ElasticTaskQueue queue(0, 0);
  Counter done;
  queue.enqueue([&] { done.add(); });
  queue.enqueue([&] { done.add(); });
  EXPECT_TRUE(done.wait_for_at_least(2));
  queue.shutdown();
}

// 20 tasks that each wait until all 20 have started: only possible if the
// queue grows to 20 threads, far beyond min_threads.
TEST(ElasticTaskQueueTest, GrowsBeyondMinThreadsWhenTasksBlock) {
  constexpr int kTasks = 20;
  ElasticTaskQueue queue(1, 32);
  Counter started;
  Counter met;  // tasks that saw all others start
  Counter finished;
  for (int i = 0; i < kTasks; ++i) {
    queue.enqueue([&] {
      started.add();
      if (started.wait_for_at_least(kTasks)) met.add();
      finished.add();
    });
  }
  ASSERT_TRUE(finished.wait_for_at_least(kTasks)) << "tasks are stuck";
  EXPECT_EQ(met.value(), kTasks) << "the tasks never ran all at once: only "
                                 << queue.threads() << " threads";
  EXPECT_GE(queue.threads(), static_cast<std::size_t>(kTasks));
  EXPECT_LE(queue.threads(), 32u);
  queue.shutdown();
}

TEST(ElasticTaskQueueTest, NeverExceedsMaxThreads) {
  constexpr int kTasks = 20;
  constexpr int kMax = 4;
  ElasticTaskQueue queue(1, kMax);
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<std::size_t> most_threads{0};
  Counter started;
  Counter finished;
  Gate gate;
  for (int i = 0; i < kTasks; ++i) {
    queue.enqueue([&] {
      const int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      started.add();
      gate.wait();
      --running;
      finished.add();
    });
    const std::size_t threads = queue.threads();
    std::size_t seen = most_threads.load();
    while (threads > seen && !most_threads.compare_exchange_weak(seen, threads)) {
    }
  }
  // kMax tasks hold every thread; the rest must wait in the queue.
  ASSERT_TRUE(started.wait_for_at_least(kMax));
  std::this_thread::sleep_for(50ms);  // room for a wrongly started fifth thread to show up
  EXPECT_EQ(started.value(), kMax) << "more tasks ran at once than max_threads";
  EXPECT_LE(queue.threads(), static_cast<std::size_t>(kMax));
  gate.open();
  ASSERT_TRUE(finished.wait_for_at_least(kTasks));
  EXPECT_EQ(most.load(), kMax);
  EXPECT_LE(most_threads.load(), static_cast<std::size_t>(kMax));
  EXPECT_LE(queue.threads(), static_cast<std::size_t>(kMax));
  queue.shutdown();
}

TEST(ElasticTaskQueueTest, ShutdownRunsQueuedTasksAndJoins) {
  ElasticTaskQueue queue(1, 1);
  Gate gate;
  Counter blocker_started;
  std::atomic<int> done{0};
  queue.enqueue([&] {
    blocker_started.add();
    gate.wait();
  });
  ASSERT_TRUE(blocker_started.wait_for_at_least(1));
  for (int i = 0; i < 10; ++i) queue.enqueue([&] { ++done; });
  EXPECT_EQ(done.load(), 0) << "the only thread is blocked, so the tasks must be queued";

  auto shutdown = std::async(std::launch::async, [&] { queue.shutdown(); });
  // shutdown() must wait for the blocked task and the queued ones.
  EXPECT_EQ(shutdown.wait_for(50ms), std::future_status::timeout)
      << "shutdown returned while a task was still running";
  gate.open();
  ASSERT_EQ(shutdown.wait_for(kPatience), std::future_status::ready) << "shutdown hangs";
  EXPECT_EQ(done.load(), 10) << "shutdown dropped queued tasks";
  EXPECT_EQ(queue.threads(), 0u);
}

TEST(ElasticTaskQueueTest, ShutdownTwiceIsHarmless) {
  ElasticTaskQueue queue(2, 4);
  Counter done;
  queue.enqueue([&] { done.add(); });
  queue.shutdown();
  queue.shutdown();
  EXPECT_EQ(done.value(), 1);
  EXPECT_EQ(queue.threads(), 0u);
}

TEST(ElasticTaskQueueTest, DestructorRunsQueuedTasks) {
  std::atomic<int> done{0};
  {
    ElasticTaskQueue queue(1, 1);
    for (int i = 0; i < 50; ++i) queue.enqueue([&] { ++done; });
  }
  EXPECT_EQ(done.load(), 50);
}

TEST(ElasticTaskQueueTest, IdleThreadsShedBackToMin) {
  constexpr int kTasks = 10;
  ElasticTaskQueue queue(2, 16, 50ms);
  Counter started;
  Counter finished;
  Gate gate;
  for (int i = 0; i < kTasks; ++i) {
    queue.enqueue([&] {
      started.add();
      gate.wait();
      finished.add();
    });
  }
  ASSERT_TRUE(started.wait_for_at_least(kTasks));
  EXPECT_GE(queue.threads(), static_cast<std::size_t>(kTasks));
  gate.open();
  ASSERT_TRUE(finished.wait_for_at_least(kTasks));
  EXPECT_TRUE(eventually([&] { return queue.threads() == 2u; }))
      << "still " << queue.threads() << " threads";
  // ...and the queue still works after shedding.
  Counter later;
  queue.enqueue([&] { later.add(); });
  EXPECT_TRUE(later.wait_for_at_least(1));
  queue.shutdown();
}

TEST(ElasticTaskQueueTest, IdleThreadsShedToZeroWhenMinIsZero) {
  ElasticTaskQueue queue(0, 4, 50ms);
  Counter done;
  for (int i = 0; i < 3; ++i) queue.enqueue([&] { done.add(); });
  ASSERT_TRUE(done.wait_for_at_least(3));
  EXPECT_TRUE(eventually([&] { return queue.threads() == 0u; }))
      << "still " << queue.threads() << " threads";
  Counter later;
  queue.enqueue([&] { later.add(); });
  EXPECT_TRUE(later.wait_for_at_least(1));
  queue.shutdown();
}

}  // namespace
}  // namespace gemstone::registry
