// The local view of etcd: recorded watch messages applied in order, and
// reconciliation with a complete list (after a compaction or a lost watch).
#include "registry/store/etcd/etcd_view.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gemstone::registry::etcd {
namespace {

using std::chrono::seconds;

std::vector<std::string> recorded_lines(const std::string& name) {
  std::ifstream in(std::string(GEMSTONE_TESTS_DIR) + "/data/etcd/" + name);
  EXPECT_TRUE(in) << name;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

const Clock::time_point kT0 = Clock::time_point{} + std::chrono::hours(1000);

class EtcdViewTest : public ::testing::Test {
 protected:
  EtcdViewTest() : view_(KeyLayout("/rec/"), seconds(90), [] { return kT0; }) {
    view_.store().set_change_listener([this](std::vector<Change>&& changes) {
      for (Change& c : changes) changes_.push_back(std::move(c));
    });
  }

  std::vector<Instance> all() const {
    std::vector<Instance> out;
    view_.store().locate(Glob("*"), Clock::time_point::min(), [&](const Instance& i) { out.push_back(i); });
    return out;
  }

  KeyValue kv(const std::string& name, const std::string& url, std::int64_t lease,
              const Meta& meta = {}) {
    return KeyValue{view_.keys().instance_key(name, "h", 1), instance_value(url, meta, 30), lease, 1, 1};
  }

  EtcdView view_;
  std::vector<Change> changes_;
};

TEST_F(EtcdViewTest, RecordedStreamAddsUpdatesAndRemovesAtEtcdsRevisions) {
  const auto lines = recorded_lines("watch_stream.txt");
  ASSERT_EQ(lines.size(), 6u);
  for (const auto& line : lines) {
    auto message = parse_watch_message(line);
    ASSERT_TRUE(message.ok()) << message.error();
    view_.apply(message.value());
  }
  ASSERT_EQ(changes_.size(), 5u);
  EXPECT_EQ(changes_[0].kind, ChangeKind::kAdded);
  EXPECT_EQ(changes_[0].index, 9u);
  EXPECT_EQ(changes_[0].after->name, "svc.a");
  EXPECT_EQ(changes_[0].after->host, "10.0.0.5");
  EXPECT_EQ(changes_[0].after->port, 8080);
  EXPECT_EQ(changes_[0].after->meta, (Meta{{"zone", "eu-1"}}));
  EXPECT_EQ(changes_[0].after->expires_at, kT0 + seconds(3));  // the value's ttl
  EXPECT_EQ(changes_[1].kind, ChangeKind::kUpdated);
  EXPECT_EQ(changes_[1].index, 10u);
  EXPECT_EQ(changes_[1].after->url, "http://10.0.0.5:8080/v2");
  EXPECT_EQ(changes_[2].kind, ChangeKind::kRemoved);
  EXPECT_EQ(changes_[2].index, 11u);
  EXPECT_EQ(changes_[2].reason, RemovalReason::kUnregistered);  // the marker said so
  EXPECT_EQ(changes_[3].kind, ChangeKind::kAdded);
  EXPECT_EQ(changes_[3].index, 12u);
  EXPECT_EQ(changes_[4].kind, ChangeKind::kRemoved);
  EXPECT_EQ(changes_[4].reason, RemovalReason::kExpired);  // its lease ran out
  EXPECT_EQ(changes_[4].index, 13u);
  EXPECT_TRUE(all().empty());
  EXPECT_EQ(view_.revision(), 13);
  EXPECT_EQ(view_.store().index(), 13u);
}

TEST_F(EtcdViewTest, FindGivesTheLeaseOfTheKey) {
  view_.reconcile({kv("a", "http://h:1/a", 77, {{"k", "v"}})}, 5);
  auto entry = view_.find(view_.keys().instance_key("a", "h", 1));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->lease, 77);
  EXPECT_EQ(entry->url, "http://h:1/a");
  EXPECT_EQ(entry->meta, (Meta{{"k", "v"}}));
  EXPECT_FALSE(view_.find(view_.keys().instance_key("b", "h", 1)));
}

TEST_F(EtcdViewTest, ReconcileTurnsTheDifferenceIntoChangesAtTheListsRevision) {
  view_.reconcile({kv("a", "http://h:1/a", 1), kv("b", "http://h:1/b", 2), kv("c", "http://h:1/c", 3)}, 10);
  changes_.clear();
  // Meanwhile (watch lost): a went, b changed its url, c stayed, d came.
  view_.reconcile({kv("b", "http://h:1/b2", 2), kv("c", "http://h:1/c", 3), kv("d", "http://h:1/d", 4)}, 20);
  ASSERT_EQ(changes_.size(), 3u);
  std::vector<std::string> seen;
  for (const Change& c : changes_) {
    EXPECT_EQ(c.index, 20u);
    static const char* kinds[] = {"added", "updated", "removed"};
    seen.push_back(std::string(kinds[static_cast<int>(c.kind)]) + " " + c.instance().name);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"added d", "removed a", "updated b"}));
  const auto now = all();
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now[0].url, "http://h:1/b2");
  EXPECT_FALSE(view_.find(view_.keys().instance_key("a", "h", 1)));
  EXPECT_EQ(view_.store().index(), 20u);
}

// A watcher woken by the first change of a re-list reads the view at once:
// it must find the whole new state, not the additions without the removals.
TEST(EtcdViewStep, ReconcileIsOneStepForTheListenerAndForReaders) {
  EtcdView view(KeyLayout("/rec/"), seconds(90), [] { return kT0; });
  auto key_value = [&](const std::string& name) {
    return KeyValue{view.keys().instance_key(name, "h", 1), instance_value("http://h:1/" + name, {}, 30), 1, 1, 1};
  };
  int batches = 0;
  std::vector<std::vector<std::string>> seen_by_listener;
  view.store().set_change_listener([&](std::vector<Change>&&) {
    ++batches;
    std::vector<std::string> names;
    view.store().locate(Glob("*"), Clock::time_point::min(),
                        [&](const Instance& i) { names.push_back(i.name); });
    seen_by_listener.push_back(names);
  });
  view.reconcile({key_value("a"), key_value("b")}, 10);
  batches = 0;
  seen_by_listener.clear();
  view.reconcile({key_value("b"), key_value("c"), key_value("d")}, 20);
  EXPECT_EQ(batches, 1);
  ASSERT_EQ(seen_by_listener.size(), 1u);
  EXPECT_EQ(seen_by_listener[0], (std::vector<std::string>{"b", "c", "d"}));
}

TEST_F(EtcdViewTest, ReconcileOfTheSameStateChangesNothing) {
  view_.reconcile({kv("a", "http://h:1/a", 1)}, 10);
  changes_.clear();
  view_.reconcile({kv("a", "http://h:1/a", 1)}, 15);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(view_.revision(), 15);
}

TEST_F(EtcdViewTest, KeysThatAreNoInstancesAreLeftOut) {
  view_.reconcile({KeyValue{"/rec/unregistered", "/rec/instances/a/h/1", 0, 1, 1},
                   KeyValue{"/rec/instances/bad/h/1", "not json", 0, 1, 1},
                   kv("good", "http://h:1/api", 1)},
                  3);
  const auto now = all();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].name, "good");
}

TEST_F(EtcdViewTest, WaitForReturnsOnceTheRevisionIsReachedOrItsTimeIsUp) {
  view_.reconcile({}, 4);
  EXPECT_TRUE(view_.wait_for(4, Clock::now()));
  EXPECT_FALSE(view_.wait_for(5, Clock::now() + std::chrono::milliseconds(20)));
  std::thread later([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    view_.reconcile({}, 6);
  });
  EXPECT_TRUE(view_.wait_for(5, Clock::now() + seconds(5)));
  later.join();
}

}  // namespace
}  // namespace gemstone::registry::etcd
