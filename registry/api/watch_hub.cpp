#include "registry/api/watch_hub.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

namespace gemstone::registry {
namespace {

// How often watchers whose client hung up are looked for.
constexpr auto kAbandonedScan = std::chrono::seconds(1);

std::string group_key(const WatchFilter& filter) {
  std::string key = filter.pattern.pattern();
  for (const auto& [k, v] : filter.meta) {
    key.push_back('\0');
    key.append(k).push_back('=');
    key.append(v);
  }
  return key;
}

}  // namespace

WatchHub::WatchHub(Store& store, std::size_t max_watchers, Metrics* metrics)
    : store_(store), max_watchers_(max_watchers), metrics_(metrics) {}

WatchHub::~WatchHub() {
  shutdown();
  if (attached_) store_.set_change_listener(nullptr);
}

void WatchHub::attach() {
  {
    std::lock_guard lock(mutex_);
    floor_ = store_.index();
  }
  attached_ = true;
  store_.set_change_listener([this](std::vector<Change>&& changes) { on_changes(std::move(changes)); });
  thread_ = std::thread([this] { run(); });
}

void WatchHub::on_changes(std::vector<Change>&& changes) {
  std::unique_lock lock(mutex_);
  if (closing_) {
    // No thread to hand them to: the observer still sees what changes
    // while requests in flight finish.
    lock.unlock();
    if (change_observer_) change_observer_(changes);
    return;
  }
  for (Change& change : changes) {
    // Two writers may report out of order; the ring stays sorted.
    auto at = ring_.end();
    while (at != ring_.begin() && std::prev(at)->index > change.index) --at;
    ring_.insert(at, change);
    pending_.push_back(std::move(change));
  }
  while (ring_.size() > kRingSize) {
    floor_ = std::max(floor_, ring_.front().index);
    ring_.pop_front();
  }
  wakeup_.notify_one();
}

WatchHub::Outcome WatchHub::watch(std::shared_ptr<const WatchFilter> filter, std::uint64_t index,
                                  Clock::duration timeout, const jsonrpc::Park& park) {
  const Outcome outcome = decide(std::move(filter), index, timeout, park);
  // Answered at once counts with the woken: the change had happened already.
  if (outcome == Outcome::kNow && metrics_ != nullptr) metrics_->record_watch_answered(false);
  return outcome;
}

WatchHub::Outcome WatchHub::decide(std::shared_ptr<const WatchFilter> filter, std::uint64_t index,
                                   Clock::duration timeout, const jsonrpc::Park& park) {
  std::unique_lock lock(mutex_);
  if (!park || closing_ || index == 0 || index < floor_ || timeout <= Clock::duration::zero()) {
    return Outcome::kNow;
  }
  // Newer than anything here: the registry restarted under the client.
  if (index > store_.index()) return Outcome::kNow;
  for (auto it = ring_.rbegin(); it != ring_.rend() && it->index > index; ++it) {
    if (filter->matches(*it)) return Outcome::kNow;
  }
  if (parked_ >= max_watchers_) {
    drop_abandoned();
    if (parked_ >= max_watchers_) return Outcome::kFull;
  }
  jsonrpc::Responder reply = park();
  const std::uint64_t id = ++next_id_;
  std::string key = group_key(*filter);
  Group& group = groups_[key];
  if (!group.filter) group.filter = std::move(filter);
  const Clock::time_point deadline = Clock::now() + timeout;
  group.watchers.emplace(id, Watcher{index, deadline, std::move(reply)});
  group_of_.emplace(id, std::move(key));
  const bool sooner = deadlines_.empty() || deadline < deadlines_.top().at;
  deadlines_.push(Deadline{deadline, id});
  ++parked_;
  if (sooner) wakeup_.notify_one();
  return Outcome::kParked;
}

std::size_t WatchHub::parked() const {
  std::lock_guard lock(mutex_);
  return parked_;
}

void WatchHub::wake(const std::vector<Change>& changes, std::vector<Due>& due) {
  for (auto group = groups_.begin(); group != groups_.end();) {
    std::uint64_t newest = 0;
    for (const Change& change : changes) {
      if (change.index > newest && group->second.filter->matches(change)) newest = change.index;
    }
    if (newest != 0) {
      Due* out = nullptr;
      auto& watchers = group->second.watchers;
      for (auto w = watchers.begin(); w != watchers.end();) {
        if (w->second.index >= newest) {
          ++w;
          continue;
        }
        if (out == nullptr) out = &due.emplace_back(Due{group->second.filter, {}});
        out->replies.emplace_back(w->second.index, std::move(w->second.reply));
        group_of_.erase(w->first);
        w = watchers.erase(w);
        --parked_;
      }
    }
    group = group->second.watchers.empty() ? groups_.erase(group) : std::next(group);
  }
}

void WatchHub::expire(Clock::time_point now, std::vector<Due>& due) {
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const std::uint64_t id = deadlines_.top().id;
    deadlines_.pop();
    auto where = group_of_.find(id);
    if (where == group_of_.end()) continue;  // answered already
    auto group = groups_.find(where->second);
    auto w = group->second.watchers.find(id);
    Due& d = due.emplace_back(Due{group->second.filter, {}});
    d.replies.emplace_back(w->second.index, std::move(w->second.reply));
    group->second.watchers.erase(w);
    if (group->second.watchers.empty()) groups_.erase(group);
    group_of_.erase(where);
    --parked_;
  }
}

void WatchHub::drop_abandoned() {
  for (auto group = groups_.begin(); group != groups_.end();) {
    auto& watchers = group->second.watchers;
    for (auto w = watchers.begin(); w != watchers.end();) {
      if (!w->second.reply.abandoned()) {
        ++w;
        continue;
      }
      group_of_.erase(w->first);
      w = watchers.erase(w);
      --parked_;
    }
    group = watchers.empty() ? groups_.erase(group) : std::next(group);
  }
}

// The deadlines of watchers answered early stay in the heap until their
// time comes; under churn with long timeouts they would pile up, so the
// heap is rebuilt from the parked watchers once most of it is stale.
void WatchHub::compact_deadlines() {
  if (deadlines_.size() <= 2 * parked_ + 1024) return;
  std::vector<Deadline> live;
  live.reserve(parked_);
  for (const auto& [key, group] : groups_) {
    for (const auto& [id, watcher] : group.watchers) live.push_back(Deadline{watcher.deadline, id});
  }
  deadlines_ = decltype(deadlines_)(std::greater<>(), std::move(live));
}

void WatchHub::answer(std::vector<Due>& due, bool by_timeout) {
  // Watchers of one filter and index woken together get the same answer:
  // made once (1,000 watchers of one pattern usually share their index).
  std::map<std::pair<const WatchFilter*, std::uint64_t>, std::string> made;
  for (Due& d : due) {
    for (const auto& [index, reply] : d.replies) {
      const auto key = std::make_pair(d.filter.get(), index);
      auto it = made.find(key);
      if (it == made.end()) {
        const std::string text = answer_ ? answer_(*d.filter, recent(*d.filter, index)) : "null";
        it = made.emplace(key, text).first;
      }
      // Counted first: a client that reads /metrics after its answer sees it.
      if (metrics_ != nullptr) metrics_->record_watch_answered(by_timeout);
      reply.result_json(it->second);
    }
  }
  due.clear();
}

std::vector<Change> WatchHub::recent(const WatchFilter& filter, std::uint64_t since) const {
  std::lock_guard lock(mutex_);
  return recent_locked(filter, since);
}

std::vector<Change> WatchHub::recent_locked(const WatchFilter& filter, std::uint64_t since) const {
  std::vector<Change> out;
  if (since == 0 || since < floor_) return out;
  for (auto it = ring_.rbegin(); it != ring_.rend() && it->index > since; ++it) {
    if (!filter.matches(*it)) continue;
    if (out.size() == kMaxRecent) return {};
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void WatchHub::run() {
  std::vector<Due> woken;
  std::vector<Due> timed_out;
  std::vector<Change> changes;
  auto next_scan = Clock::now() + kAbandonedScan;
  std::unique_lock lock(mutex_);
  while (!closing_) {
    changes.swap(pending_);
    if (!changes.empty()) {
      wake(changes, woken);
      if (change_observer_) {
        lock.unlock();
        change_observer_(changes);
        lock.lock();
      }
    }
    changes.clear();
    const auto now = Clock::now();
    expire(now, timed_out);
    if (now >= next_scan) {
      drop_abandoned();
      next_scan = now + kAbandonedScan;
    }
    compact_deadlines();
    if (!woken.empty() || !timed_out.empty()) {
      lock.unlock();
      answer(woken, false);
      answer(timed_out, true);
      lock.lock();
      continue;
    }
    if (!pending_.empty()) continue;
    auto until = next_scan;
    if (!deadlines_.empty()) until = std::min(until, deadlines_.top().at);
    wakeup_.wait_until(lock, until);
  }
}

void WatchHub::shutdown() {
  std::vector<Due> due;
  {
    std::lock_guard lock(mutex_);
    if (!closing_) {
      closing_ = true;
      for (auto& [key, group] : groups_) {
        Due& d = due.emplace_back(Due{group.filter, {}});
        for (auto& [id, watcher] : group.watchers) {
          d.replies.emplace_back(watcher.index, std::move(watcher.reply));
        }
      }
      groups_.clear();
      group_of_.clear();
      deadlines_ = {};
      parked_ = 0;
    }
    wakeup_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (!due.empty()) answer(due, false);
  // Changes the thread had not taken yet are still shown.
  std::vector<Change> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  if (change_observer_ && !left.empty()) change_observer_(left);
}

}  // namespace gemstone::registry
