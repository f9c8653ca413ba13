#pragma once
// EventLoop: one thread, one epoll set. It runs file events, timers and
// tasks posted from other threads, and knows nothing of what the bytes mean.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

namespace gemstone::registry::http {

/// Receives the readiness of one descriptor.
class FileHandler {
 public:
  virtual ~FileHandler() = default;
  /// `events`: EventLoop::kReadable and/or kWritable; errors and hang-ups
  /// add kHangup (and both of the others, so that the next read or write
  /// sees them). They are reported whatever the interest.
  virtual void on_io(std::uint32_t events) = 0;
};

/// Tasks for a loop from any thread. Shared, so that a poster may outlive
/// the loop: once the loop is gone, posted tasks are dropped.
class Mailbox {
 public:
  Mailbox();
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  /// False (and the task dropped) once the loop has closed the mailbox.
  bool post(std::function<void()> task);
  int fd() const { return wake_fd_; }
  /// Loop thread: takes what was posted.
  std::vector<std::function<void()>> take();
  void close();

 private:
  std::mutex mutex_;
  std::vector<std::function<void()>> tasks_;
  int wake_fd_ = -1;  // eventfd
  bool woken_ = false;
  bool closed_ = false;
};

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimerId = std::uint64_t;
  static constexpr std::uint32_t kReadable = 1;
  static constexpr std::uint32_t kWritable = 2;
  static constexpr std::uint32_t kHangup = 4;
  /// Interest and event: the peer shut its sending side (EPOLLRDHUP).
  static constexpr std::uint32_t kPeerClosed = 8;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Sets the interest in `fd` (0: none, but still registered), adding it
  /// the first time. Errors are values: false when epoll refused it.
  bool watch(int fd, std::uint32_t interest, FileHandler* handler);
  /// Removes `fd`; call before closing it.
  void unwatch(int fd);

  /// Runs `task` once at `when` (or soon after) on the loop thread.
  TimerId add_timer(Clock::time_point when, std::function<void()> task);
  void cancel_timer(TimerId id);

  /// From any thread: runs `task` on the loop thread soon. Dropped when the
  /// loop is gone.
  void post(std::function<void()> task) { mailbox_->post(std::move(task)); }
  const std::shared_ptr<Mailbox>& mailbox() const { return mailbox_; }

  /// Runs once per turn, after the events and timers of the turn (the place
  /// to free what handlers let go of: nothing of theirs is on the stack).
  void set_before_sleep(std::function<void()> hook) { before_sleep_ = std::move(hook); }

  /// Runs until stop(); on the calling thread.
  void run();
  /// From any thread.
  void stop();

  /// The time the current turn started: cheaper than asking the clock in
  /// every handler, and the same for every event of the turn.
  Clock::time_point now() const { return now_; }

 private:
  struct Timer {
    Clock::time_point when;
    TimerId id;
    bool operator>(const Timer& other) const {
      return when != other.when ? when > other.when : id > other.id;
    }
  };
  int next_timeout_ms() const;
  void run_due_timers();

  int epoll_fd_ = -1;
  std::shared_ptr<Mailbox> mailbox_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::unordered_map<TimerId, std::function<void()>> timer_tasks_;  // cancelled: absent
  TimerId next_timer_id_ = 1;
  std::function<void()> before_sleep_;
  bool stop_ = false;  // loop thread only; stop() posts
  Clock::time_point now_ = Clock::now();
};

}  // namespace gemstone::registry::http
