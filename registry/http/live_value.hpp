#pragma once
// A value that the event loops read on every request and a reload (SIGHUP)
// replaces now and then, such as the access tokens. A read costs one atomic
// load: each thread keeps its own reference to the current value and takes
// the lock only to refresh it, once after each replacement.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace gemstone::registry::http {

template <class T>
class LiveValue {
 public:
  explicit LiveValue(T value)
      : current_(std::make_shared<const T>(std::move(value))), version_(next_version()) {}
  LiveValue(const LiveValue&) = delete;
  LiveValue& operator=(const LiveValue&) = delete;

  /// From any thread; readers see the new value from their next get().
  void set(T value) {
    auto fresh = std::make_shared<const T>(std::move(value));
    std::lock_guard lock(mutex_);
    current_.swap(fresh);
    version_.store(next_version(), std::memory_order_release);
    // The old value is freed here, or by the last thread still holding it
    // at its next get().
  }

  /// The current value. The reference stays valid on this thread until its
  /// next get() of any LiveValue<T>: use it, do not keep it.
  const T& get() const { return *held().value; }

  /// The current value, kept alive for as long as the caller holds it (for
  /// work that outlives the request: one reference count more).
  std::shared_ptr<const T> share() const { return held().value; }

 private:
  struct Held {
    std::uint64_t version = 0;
    std::shared_ptr<const T> value;
  };

  // This thread's reference to the current value, refreshed when it moved.
  Held& held() const {
    thread_local Held held;
    const std::uint64_t version = version_.load(std::memory_order_acquire);
    if (held.version != version) {
      std::lock_guard lock(mutex_);
      held.value = current_;
      held.version = version_.load(std::memory_order_relaxed);
    }
    return held;
  }
  // Unique across every LiveValue<T>, so that a thread's Held never takes
  // one instance's value for another's.
  static std::uint64_t next_version() {
    static std::atomic<std::uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
  std::atomic<std::uint64_t> version_;
};

}  // namespace gemstone::registry::http
