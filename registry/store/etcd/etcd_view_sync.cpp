#include "registry/store/etcd/etcd_view_sync.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace gemstone::registry::etcd {
namespace {

// Keys per range request: bounded answers, also for 100,000 instances.
constexpr std::int64_t kPageSize = 2000;

}  // namespace

EtcdViewSync::EtcdViewSync(EtcdGateway& gateway, EtcdView& view, std::chrono::milliseconds idle)
    : gateway_(gateway), view_(view), idle_(idle) {}

EtcdViewSync::~EtcdViewSync() { stop(); }

void EtcdViewSync::start() {
  thread_ = std::thread([this] { run(); });
}

void EtcdViewSync::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  gateway_.stop_streams();
  if (thread_.joinable()) thread_.join();
}

void EtcdViewSync::pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, how_long, [this] { return stopping_; });
}

bool EtcdViewSync::list() {
  const std::string& from = view_.keys().instances();
  const std::string end = prefix_range_end(from);
  std::vector<KeyValue> kvs;
  std::int64_t revision = 0;
  std::string next = from;
  // Page by page, every page as of the first one's revision.
  while (true) {
    auto answer = gateway_.post("/v3/kv/range", range_request(next, end, kPageSize, revision));
    if (!answer.ok()) {
      spdlog::debug("etcd list: {}", answer.error());
      return false;
    }
    auto range = parse_range(answer.value().body);
    if (!range.ok()) {
      spdlog::warn("etcd list: {} (HTTP {})", range.error(), answer.value().status);
      return false;
    }
    if (revision == 0) revision = range.value().revision;
    const bool more = range.value().more && !range.value().kvs.empty();
    if (more) next = range.value().kvs.back().key + '\0';
    for (KeyValue& kv : range.value().kvs) kvs.push_back(std::move(kv));
    if (!more) break;
  }
  view_.reconcile(kvs, revision);
  lists_.fetch_add(1);
  return true;
}

bool EtcdViewSync::watch(bool& relist) {
  const std::string& from = view_.keys().prefix();
  bool created = false;
  auto ended = gateway_.stream(
      "/v3/watch", watch_request(from, prefix_range_end(from), view_.revision() + 1), idle_,
      [&](std::string_view line) {
        auto message = parse_watch_message(line);
        if (!message.ok()) {
          spdlog::warn("etcd watch: {}", message.error());
          relist = true;
          return false;
        }
        const WatchMessage& m = message.value();
        if (m.canceled) {
          if (m.compact_revision > 0) {
            spdlog::info("etcd compacted past revision {} (now {}): listing again",
                         view_.revision() + 1, m.compact_revision);
          } else {
            spdlog::warn("etcd canceled the watch: {}", m.cancel_reason);
          }
          relist = true;
          return false;
        }
        if (m.created) {
          created = true;
          connected_ = true;
        }
        view_.apply(m);
        return true;
      });
  if (!ended.ok()) spdlog::debug("etcd watch: {}", ended.error());
  return created;
}

void EtcdViewSync::run() {
  bool relist = true;
  bool down_logged = false;
  std::chrono::milliseconds backoff{50};
  auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  while (!stopping()) {
    bool ok = true;
    if (relist) {
      ok = list();
      if (ok) {
        relist = false;
        if (!ready_) spdlog::info("etcd: first list applied, revision {}", view_.revision());
        ready_ = true;
      }
    }
    if (ok) ok = watch(relist);
    if (stopping()) break;
    if (ok) {
      // It was up: the stream ended (quiet, or its member left); make it again at once.
      backoff = std::chrono::milliseconds(50);
      if (down_logged) spdlog::info("etcd: reachable again, revision {}", view_.revision());
      down_logged = false;
      continue;
    }
    connected_ = false;
    if (!down_logged) {
      spdlog::warn("etcd unreachable at {}; retrying (reads serve the last view)",
                   ready_ ? "revision " + std::to_string(view_.revision()) : std::string("start"));
      down_logged = true;
    }
    pause(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace gemstone::registry::etcd
