#pragma once
// Deadline: the moment by which a whole operation must be done. A command
// computes one deadline and hands every step the time that is left, so that
// `--timeout 2` bounds the command, not each request.

#include <algorithm>
#include <chrono>

namespace gemstone {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// The deadline `timeout` from now.
  template <class Rep, class Period>
  static Deadline in(std::chrono::duration<Rep, Period> timeout) {
    return Deadline(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  }

  /// The deadline at a given moment.
  static Deadline at(Clock::time_point when) { return Deadline(when); }

  Clock::time_point when() const { return at_; }

  /// Time left; zero once the deadline has passed, never negative.
  std::chrono::microseconds remaining() const {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(at_ - Clock::now());
    return std::max(left, std::chrono::microseconds::zero());
  }

  bool passed() const { return Clock::now() >= at_; }

 private:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  Clock::time_point at_;
};

}  // namespace gemstone
