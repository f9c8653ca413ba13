#include "registry/http/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace gemstone::registry::http {

Mailbox::Mailbox() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Mailbox::~Mailbox() { close(); }

bool Mailbox::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    tasks_.push_back(std::move(task));
    if (woken_) return true;
    woken_ = true;
    const std::uint64_t one = 1;
    // Under the lock: close() cannot have closed the descriptor.
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  return true;
}

std::vector<std::function<void()>> Mailbox::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof count);
  std::vector<std::function<void()>> tasks;
  std::lock_guard lock(mutex_);
  tasks.swap(tasks_);
  woken_ = false;
  return tasks;
}

void Mailbox::close() {
  std::vector<std::function<void()>> dropped;
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  dropped.swap(tasks_);
  ::close(wake_fd_);
}

EventLoop::EventLoop() : mailbox_(std::make_shared<Mailbox>()) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the mailbox
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, mailbox_->fd(), &ev);
}

EventLoop::~EventLoop() {
  mailbox_->close();
  ::close(epoll_fd_);
}

bool EventLoop::watch(int fd, std::uint32_t interest, FileHandler* handler) {
  epoll_event ev{};
  ev.events = ((interest & kReadable) ? EPOLLIN : 0u) | ((interest & kWritable) ? EPOLLOUT : 0u) |
              ((interest & kPeerClosed) ? EPOLLRDHUP : 0u);
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0) return true;
  return errno == ENOENT && ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

EventLoop::TimerId EventLoop::add_timer(Clock::time_point when, std::function<void()> task) {
  const TimerId id = next_timer_id_++;
  timers_.push({when, id});
  timer_tasks_.emplace(id, std::move(task));
  return id;
}

void EventLoop::cancel_timer(TimerId id) { timer_tasks_.erase(id); }

void EventLoop::stop() {
  post([this] { stop_ = true; });
}

int EventLoop::next_timeout_ms() const {
  if (timers_.empty()) return -1;
  const auto first = timers_.top().when;
  const auto now = Clock::now();
  if (first <= now) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(first - now).count());
}

void EventLoop::run_due_timers() {
  while (!timers_.empty() && timers_.top().when <= now_) {
    const TimerId id = timers_.top().id;
    timers_.pop();
    auto it = timer_tasks_.find(id);
    if (it == timer_tasks_.end()) continue;  // cancelled
    std::function<void()> task = std::move(it->second);
    timer_tasks_.erase(it);
    task();
  }
  // Cancelled timers must not pile up in the heap while far in the future.
  if (timers_.size() > 64 && timers_.size() > 4 * timer_tasks_.size()) {
    std::vector<Timer> live;
    while (!timers_.empty()) {
      if (timer_tasks_.count(timers_.top().id) != 0) live.push_back(timers_.top());
      timers_.pop();
    }
    for (const Timer& t : live) timers_.push(t);
  }
}

void EventLoop::run() {
  std::array<epoll_event, 128> events;
  stop_ = false;
  while (!stop_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               next_timeout_ms());
    if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (auto& task : mailbox_->take()) task();
        continue;
      }
      std::uint32_t ready = 0;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ready |= kReadable;
      if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ready |= kWritable;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) ready |= kHangup;
      if (events[i].events & EPOLLRDHUP) ready |= kPeerClosed;
      static_cast<FileHandler*>(events[i].data.ptr)->on_io(ready);
    }
    run_due_timers();
    if (before_sleep_) before_sleep_();
  }
}

}  // namespace gemstone::registry::http
