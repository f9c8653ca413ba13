#include "registry/daemon/periodic_task.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "eventually.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;

// Polls every millisecond: these tests time periods of a few milliseconds.
bool eventually(const std::function<bool()>& done) {
  return gemstone::testing::eventually(done, std::chrono::seconds(10), std::chrono::milliseconds(1));
}

TEST(PeriodicTaskTest, RunsTheCallableEveryInterval) {
  std::atomic<int> ticks{0};
  PeriodicTask task(5ms, [&] { ++ticks; });
  EXPECT_TRUE(eventually([&] { return ticks >= 3; }));
}

TEST(PeriodicTaskTest, FirstRunComesOneIntervalAfterTheStart) {
  std::atomic<int> ticks{0};
  PeriodicTask task(1h, [&] { ++ticks; });
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ticks, 0);
}

TEST(PeriodicTaskTest, StopWakesASleepingTaskAtOnce) {
  PeriodicTask task(1h, [] {});
  const auto start = std::chrono::steady_clock::now();
  task.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(PeriodicTaskTest, NoRunAfterStop) {
  std::atomic<int> ticks{0};
  PeriodicTask task(1ms, [&] { ++ticks; });
  ASSERT_TRUE(eventually([&] { return ticks >= 1; }));
  task.stop();
  const int after_stop = ticks;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ticks, after_stop);
}

TEST(PeriodicTaskTest, StopLetsARunUnderWayFinish) {
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  PeriodicTask task(1ms, [&] {
    if (started.exchange(true)) return;
    std::this_thread::sleep_for(50ms);
    finished = true;
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  task.stop();
  EXPECT_TRUE(finished);
}

TEST(PeriodicTaskTest, OnStopRunsOnceAfterTheLastRunOnTheStoppingThread) {
  std::atomic<int> ticks{0};
  int stops = 0;
  int ticks_at_stop = -1;
  std::thread::id stopped_on;
  PeriodicTask task(
      1ms, [&] { ++ticks; },
      [&] {
        ++stops;
        ticks_at_stop = ticks;
        stopped_on = std::this_thread::get_id();
      });
  ASSERT_TRUE(eventually([&] { return ticks >= 2; }));
  task.stop();
  task.stop();
  EXPECT_EQ(stops, 1);
  EXPECT_EQ(ticks_at_stop, ticks);
  EXPECT_EQ(stopped_on, std::this_thread::get_id());
}

TEST(PeriodicTaskTest, DestructionStopsAndRunsOnStop) {
  int stops = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    PeriodicTask task(1h, [] {}, [&] { ++stops; });
  }
  EXPECT_EQ(stops, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace gemstone::registry
