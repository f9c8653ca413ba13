// The event loop alone: timers in order, cancelled timers, tasks posted from
// other threads, file events, stop.

#include "registry/http/event_loop.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace gemstone::registry::http {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

TEST(EventLoopTest, TimersRunInDeadlineOrderNotInsertionOrder) {
  EventLoop loop;
  std::vector<int> order;
  const auto now = Clock::now();
  loop.add_timer(now + 30ms, [&] { order.push_back(3); loop.stop(); });
  loop.add_timer(now + 10ms, [&] { order.push_back(1); });
  loop.add_timer(now + 20ms, [&] { order.push_back(2); });
  const auto started = Clock::now();
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(Clock::now() - started, 30ms);
}

TEST(EventLoopTest, CancelledTimerNeverRuns) {
  EventLoop loop;
  bool ran = false;
  const auto id = loop.add_timer(Clock::now() + 5ms, [&] { ran = true; });
  loop.cancel_timer(id);
  loop.add_timer(Clock::now() + 20ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_FALSE(ran);
}

TEST(EventLoopTest, TimerMayAddTimers) {
  EventLoop loop;
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 5) return loop.stop();
    loop.add_timer(Clock::now() + 1ms, tick);
  };
  loop.add_timer(Clock::now(), tick);
  loop.run();
  EXPECT_EQ(ticks, 5);
}

TEST(EventLoopTest, PostedTasksRunOnTheLoopThreadInOrder) {
  EventLoop loop;
  std::thread::id loop_thread;
  std::vector<int> seen;
  std::thread runner([&] {
    loop_thread = std::this_thread::get_id();
    loop.run();
  });
  std::promise<void> done;
  std::thread::id ran_on;
  for (int i = 0; i < 100; ++i) loop.post([&, i] { seen.push_back(i); });
  loop.post([&] {
    ran_on = std::this_thread::get_id();
    done.set_value();
  });
  ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
  loop.stop();
  runner.join();
  EXPECT_EQ(ran_on, loop_thread);
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(EventLoopTest, PostWakesALoopThatSleepsWithoutTimers) {
  EventLoop loop;
  std::thread runner([&] { loop.run(); });
  std::this_thread::sleep_for(20ms);
  const auto posted = Clock::now();
  std::promise<Clock::time_point> ran;
  loop.post([&] { ran.set_value(Clock::now()); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  EXPECT_LT(future.get() - posted, 100ms);
  loop.stop();
  runner.join();
}

TEST(EventLoopTest, PostAfterTheLoopIsGoneIsDropped) {
  std::shared_ptr<Mailbox> mailbox;
  {
    EventLoop loop;
    mailbox = loop.mailbox();
  }
  bool ran = false;
  EXPECT_FALSE(mailbox->post([&] { ran = true; }));
  EXPECT_FALSE(ran);
}

class Reader final : public FileHandler {
 public:
  Reader(EventLoop& loop, int fd) : loop_(loop), fd_(fd) {}
  void on_io(std::uint32_t events) override {
    if ((events & EventLoop::kReadable) == 0) return;
    char buf[64];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    if (got.size() >= 5) loop_.stop();
  }
  std::string got;

 private:
  EventLoop& loop_;
  int fd_;
};

TEST(EventLoopTest, FileEventsReportReadableDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EventLoop loop;
  Reader reader(loop, fds[0]);
  ASSERT_TRUE(loop.watch(fds[0], EventLoop::kReadable, &reader));
  std::thread writer([&] {
    for (const char* part : {"he", "l", "lo"}) {
      std::this_thread::sleep_for(5ms);
      [[maybe_unused]] const ssize_t n = ::write(fds[1], part, std::char_traits<char>::length(part));
    }
  });
  loop.add_timer(Clock::now() + 2s, [&] { loop.stop(); });
  loop.run();
  writer.join();
  EXPECT_EQ(reader.got, "hello");
  loop.unwatch(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoopTest, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  loop.add_timer(Clock::now() + 10s, [] {});
  std::thread runner([&] { loop.run(); });
  std::this_thread::sleep_for(10ms);
  const auto asked = Clock::now();
  loop.stop();
  runner.join();
  EXPECT_LT(Clock::now() - asked, 1s);
}

}  // namespace
}  // namespace gemstone::registry::http
