#pragma once
// Parked watch_services calls, in the manner of redis' blocked clients: a
// watcher holds no thread, only its Responder. The store tells the hub of every
// change; one thread wakes the watchers a change matches, answers those
// whose timeout passed, and frees those whose client hung up.
//
// A bounded ring of recent changes answers a watcher at once when a change
// it has not seen (index above its own) matches it; a watcher whose index
// is older than the ring, or newer than the store's (a restart), is
// answered at once too: nobody waits on an index that hides something.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gemstone/glob.hpp"
#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/metrics.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

/// What a watch is about: a name pattern and pairs the metadata must hold.
struct WatchFilter {
  Glob pattern;
  Meta meta;

  bool matches(const Instance& instance) const {
    return pattern.matches(instance.name) && meta_holds(instance.meta, meta);
  }
  /// A change matches when the instance matched before or after it.
  bool matches(const Change& change) const {
    return (change.before && matches(*change.before)) || (change.after && matches(*change.after));
  }
};

class WatchHub {
 public:
  /// The result of a watch as JSON text: the current state for `filter`,
  /// with `recent`, the changes it matched since the watcher's index.
  using Answer = std::function<std::string(const WatchFilter& filter, const std::vector<Change>& recent)>;

  /// The most changes listed in one answer; more, and none are listed.
  static constexpr std::size_t kMaxRecent = 100;

  /// Recent changes kept to answer a returning watcher without waiting.
  static constexpr std::size_t kRingSize = 8192;

  /// `metrics` may be null. Call attach() before the store is shared.
  WatchHub(Store& store, std::size_t max_watchers, Metrics* metrics = nullptr);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  /// Listens to the store's changes and starts the hub's thread.
  void attach();
  /// How the answers are made (the methods layer knows JSON); before any watch.
  void set_answer(Answer answer) { answer_ = std::move(answer); }
  /// Also shows every batch of changes to `observer`, on the hub's thread,
  /// in the order they are matched (the daemon logs them); before attach().
  void set_change_observer(std::function<void(const std::vector<Change>&)> observer) {
    change_observer_ = std::move(observer);
  }

  enum class Outcome {
    kNow,     ///< answer at once with the current state
    kParked,  ///< parked: the Responder from `park` answers later
    kFull,    ///< max_watchers are parked already
  };
  /// Parks a watch of `filter` that has seen up to `index`, for `timeout`,
  /// or says to answer at once. An empty `park` (a batch) always answers at once.
  Outcome watch(std::shared_ptr<const WatchFilter> filter, std::uint64_t index,
                Clock::duration timeout, const jsonrpc::Park& park);

  /// Answers every parked watcher now, and every later watch at once: the
  /// daemon is stopping. Also stops the thread.
  void shutdown();

  std::size_t parked() const;

  /// The changes matching `filter` with an index above `since`, oldest
  /// first, when the hub still holds all of them and they are at most
  /// kMaxRecent; else none. Some may be newer than a state read after.
  std::vector<Change> recent(const WatchFilter& filter, std::uint64_t since) const;

 private:
  struct Watcher {
    std::uint64_t index;
    Clock::time_point deadline;
    jsonrpc::Responder reply;
  };
  struct Group {
    std::shared_ptr<const WatchFilter> filter;
    std::unordered_map<std::uint64_t, Watcher> watchers;
  };
  struct Deadline {
    Clock::time_point at;
    std::uint64_t id;
    bool operator>(const Deadline& other) const { return at > other.at; }
  };
  // Watchers to answer outside the lock, by filter.
  struct Due {
    std::shared_ptr<const WatchFilter> filter;
    std::vector<std::pair<std::uint64_t, jsonrpc::Responder>> replies;  // (index, reply)
  };

  Outcome decide(std::shared_ptr<const WatchFilter> filter, std::uint64_t index,
                 Clock::duration timeout, const jsonrpc::Park& park);
  void on_changes(std::vector<Change>&& changes);
  void run();
  void wake(const std::vector<Change>& changes, std::vector<Due>& due);   // under mutex_
  void expire(Clock::time_point now, std::vector<Due>& due);              // under mutex_
  void drop_abandoned();                                                  // under mutex_
  void compact_deadlines();                                               // under mutex_
  std::vector<Change> recent_locked(const WatchFilter& filter, std::uint64_t since) const;
  void answer(std::vector<Due>& due, bool by_timeout);

  Store& store_;
  const std::size_t max_watchers_;
  Metrics* metrics_;
  Answer answer_;
  std::function<void(const std::vector<Change>&)> change_observer_;

  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  bool closing_ = false;
  std::deque<Change> ring_;       // sorted by index
  std::uint64_t floor_ = 0;       // changes at or below it may be missing from ring_
  std::vector<Change> pending_;   // not yet matched against the parked watchers
  std::unordered_map<std::string, Group> groups_;  // by pattern and filter
  std::unordered_map<std::uint64_t, std::string> group_of_;  // watcher id -> group key
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::uint64_t next_id_ = 0;
  std::size_t parked_ = 0;
  bool attached_ = false;
  std::thread thread_;
};

}  // namespace gemstone::registry
