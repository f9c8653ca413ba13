#include "registry/api/watch_hub.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "registry/store/memory_store.hpp"
#include "eventually.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;
using gemstone::testing::eventually;

// Parks watches through a real dispatcher, so that each parked call has a
// Responder, and collects the bodies they are answered with.
class WatchHubTest : public ::testing::Test {
 protected:
  WatchHubTest() {
    hub_.attach();
    hub_.set_answer([this](const WatchFilter& filter, const std::vector<Change>&) {
      return "{\"index\":" + std::to_string(store_.index()) + ",\"pattern\":\"" +
             filter.pattern.pattern() + "\"}";
    });
    jsonrpc::Method method{"watch", {"pattern", "index", "timeout"}, 0, "", {}, jsonrpc::Scope::kRead};
    method.deferred = [this](const jsonrpc::Params& p, jsonrpc::Allocator&,
                             const jsonrpc::Park& park) -> std::optional<jsonrpc::MethodResult> {
      auto filter = std::make_shared<WatchFilter>(WatchFilter{Glob((*p[0]).GetString()), {}});
      const auto timeout = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>((*p[2]).GetDouble()));
      switch (hub_.watch(filter, (*p[1]).GetUint64(), timeout, park)) {
        case WatchHub::Outcome::kParked: return std::nullopt;
        case WatchHub::Outcome::kFull: return jsonrpc::MethodResult(jsonrpc::Error{-32004, "Too many watchers", {}});
        case WatchHub::Outcome::kNow: break;
      }
      return jsonrpc::MethodResult(rapidjson::Value("now"));
    };
    dispatcher_.add(std::move(method));
  }
  // Parked watchers are answered into answers_, which goes before hub_.
  ~WatchHubTest() override { hub_.shutdown(); }

  // Returns the answer given at once, or "" when the call parked.
  std::string watch(const std::string& pattern, std::uint64_t index, double timeout = 30) {
    const std::string body = R"({"jsonrpc":"2.0","method":"watch","params":[")" + pattern + "\"," +
                             std::to_string(index) + "," + std::to_string(timeout) + R"(],"id":1})";
    auto now = dispatcher_.handle_async(body, {}, [this] {
      return jsonrpc::Dispatcher::Parked{[this](std::string b) {
                                           std::lock_guard lock(mutex_);
                                           answers_.push_back(std::move(b));
                                         },
                                         [] { return false; }};
    });
    return now ? *now : std::string();
  }
  std::size_t answered() {
    std::lock_guard lock(mutex_);
    return answers_.size();
  }
  void ping(const std::string& name, std::uint16_t port = 1) {
    ASSERT_TRUE(store_.ping(Instance{name, "h", port, "http://h/api", Clock::now() + 60s, {}}).ok());
  }

  MemoryStore store_;
  WatchHub hub_{store_, 3};
  jsonrpc::Dispatcher dispatcher_;
  std::mutex mutex_;
  std::vector<std::string> answers_;
};

TEST_F(WatchHubTest, AMatchingChangeWakesOnlyTheWatchersOfItsPattern) {
  store_.raise_index(100);
  EXPECT_EQ(watch("api.*", 100), "");
  EXPECT_EQ(watch("db.*", 100), "");
  EXPECT_EQ(hub_.parked(), 2u);
  ping("api.a");
  ASSERT_TRUE(eventually([&] { return answered() == 1; }, 2s));
  EXPECT_NE(answers_[0].find("\"pattern\":\"api.*\""), std::string::npos) << answers_[0];
  EXPECT_NE(answers_[0].find("\"index\":101"), std::string::npos) << answers_[0];
  EXPECT_EQ(hub_.parked(), 1u);
}

TEST_F(WatchHubTest, AnswersAtOnceWhenTheIndexHidesSomething) {
  store_.raise_index(100);
  ping("api.a");  // 101
  EXPECT_NE(watch("api.*", 0), "");     // index 0
  EXPECT_NE(watch("api.*", 100), "");   // a matching change after 100 is in the ring
  EXPECT_NE(watch("api.*", 50), "");    // older than anything the hub knows
  EXPECT_NE(watch("api.*", 500), "");   // newer than the store: a restart
  EXPECT_EQ(watch("db.*", 100), "");    // the change after 100 is not one of its
  EXPECT_EQ(watch("api.*", 101), "");   // up to date
  EXPECT_EQ(hub_.parked(), 2u);
}

TEST_F(WatchHubTest, TimeoutsAnswerAndBeyondTheLimitAWatchIsRefused) {
  store_.raise_index(100);
  EXPECT_EQ(watch("a", 100, 0.05), "");
  EXPECT_EQ(watch("b", 100), "");
  EXPECT_EQ(watch("c", 100), "");
  EXPECT_NE(watch("d", 100).find("-32004"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return answered() == 1; }, 2s));
  EXPECT_EQ(hub_.parked(), 2u);
  EXPECT_EQ(watch("d", 100), "");  // the timed-out one's place is free again
}

TEST_F(WatchHubTest, ShutdownAnswersEveryoneAndParksNoMore) {
  store_.raise_index(100);
  EXPECT_EQ(watch("a", 100), "");
  EXPECT_EQ(watch("b", 100), "");
  hub_.shutdown();
  EXPECT_EQ(answered(), 2u);
  EXPECT_EQ(hub_.parked(), 0u);
  EXPECT_NE(watch("a", 100), "");
}

TEST_F(WatchHubTest, ChurnWithLongTimeoutsKeepsWorking) {
  store_.raise_index(100);
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t index = store_.index();
    ASSERT_EQ(watch("api.*", index, 300), "");
    ping("api.a", static_cast<std::uint16_t>(i % 60000 + 1));
    ASSERT_TRUE(eventually([&] { return hub_.parked() == 0; }, 2s, 1ms)) << i;
  }
  EXPECT_EQ(answered(), 3000u);
}

// The daemon logs changes through this: every one, in order, off the
// request path.
TEST(WatchHubObserverTest, SeesEveryChangeInIndexOrder) {
  MemoryStore store;
  WatchHub hub(store, 10);
  std::mutex mutex;
  std::vector<std::pair<ChangeKind, std::uint64_t>> seen;
  hub.set_change_observer([&](const std::vector<Change>& changes) {
    std::lock_guard lock(mutex);
    for (const Change& c : changes) seen.emplace_back(c.kind, c.index);
  });
  hub.attach();
  ASSERT_TRUE(store.ping(Instance{"a", "h", 1, "http://h/api", Clock::now() + 60s, {}}).ok());
  ASSERT_TRUE(store.ping(Instance{"a", "h", 1, "http://h:2/api", Clock::now() + 60s, {}}).ok());
  ASSERT_TRUE(store.unregister("a", "h", 1, Clock::now()));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return seen.size() == 3;
  }, 2s));
  hub.shutdown();
  EXPECT_EQ(seen[0].first, ChangeKind::kAdded);
  EXPECT_EQ(seen[1].first, ChangeKind::kUpdated);
  EXPECT_EQ(seen[2].first, ChangeKind::kRemoved);
  EXPECT_LT(seen[0].second, seen[1].second);
  EXPECT_LT(seen[1].second, seen[2].second);
}

// The daemon stops the hub first, then lets requests in flight finish:
// nothing that changed meanwhile goes unlogged.
TEST(WatchHubObserverTest, ChangesAroundAShutdownAreStillSeen) {
  MemoryStore store;
  WatchHub hub(store, 10);
  std::mutex mutex;
  std::size_t seen = 0;
  hub.set_change_observer([&](const std::vector<Change>& changes) {
    std::lock_guard lock(mutex);
    seen += changes.size();
  });
  hub.attach();
  for (std::uint16_t port = 1; port <= 50; ++port) {
    ASSERT_TRUE(store.ping(Instance{"a", "h", port, "http://h/api", Clock::now() + 60s, {}}).ok());
  }
  hub.shutdown();
  ASSERT_TRUE(store.unregister("a", "h", 1, Clock::now()));
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, 51u);
}

}  // namespace
}  // namespace gemstone::registry
