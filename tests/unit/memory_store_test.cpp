#include "registry/store/memory_store.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gemstone/glob.hpp"
#include "store_contract.hpp"

namespace gemstone::registry {
namespace {

using std::chrono::seconds;

// A fixed origin: the store never reads the clock, every time is passed in.
const Clock::time_point kT0 = Clock::time_point{} + std::chrono::hours(1000);

Instance make(std::string name, std::string host, std::uint16_t port, Clock::time_point expires_at,
              std::string url = {}) {
  if (url.empty()) url = "http://" + host + ":" + std::to_string(port) + "/api";
  return Instance{std::move(name), std::move(host), port, std::move(url), expires_at, {}};
}

std::vector<Instance> locate(const Store& store, std::string_view pattern, Clock::time_point now) {
  std::vector<Instance> out;
  store.locate(Glob(pattern), now, [&](const Instance& i) { out.push_back(i); });
  return out;
}

std::vector<std::string> located_names(const Store& store, std::string_view pattern,
                                       Clock::time_point now) {
  std::vector<std::string> out;
  for (const Instance& i : locate(store, pattern, now)) out.push_back(i.name);
  return out;
}

using Names = std::vector<std::string>;

// The Store contract (tests/support/store_contract_tests.cpp) on this store;
// below, what depends on its clock or is its own.
class MemoryStoreUnderTest final : public testing::StoreUnderTest {
 public:
  explicit MemoryStoreUnderTest(std::size_t capacity) : store_(capacity) {}
  Store& store() override { return store_; }
  Clock::time_point now() const override { return kT0; }

 private:
  MemoryStore store_;
};

}  // namespace

namespace testing_instances {
using gemstone::testing::StoreContractTest;
using gemstone::testing::StoreLocateTest;
INSTANTIATE_STORE_CONTRACT(Memory, ::testing::Values(gemstone::testing::StoreBackend{
                                       "memory", [](std::size_t capacity) {
                                         return std::unique_ptr<gemstone::testing::StoreUnderTest>(
                                             new MemoryStoreUnderTest(capacity));
                                       }}));
}  // namespace testing_instances

namespace {

TEST(MemoryStoreTest, PingAddsAnInstanceAndReturnsIt) {
  MemoryStore store;
  auto stored = store.ping(make("svc", "h1", 8000, kT0 + seconds(90), "http://h1:8000/x"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored.value().name, "svc");
  EXPECT_EQ(stored.value().host, "h1");
  EXPECT_EQ(stored.value().port, 8000);
  EXPECT_EQ(stored.value().url, "http://h1:8000/x");
  EXPECT_EQ(stored.value().expires_at, kT0 + seconds(90));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.service_count(), 1u);

  const auto found = locate(store, "svc", kT0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].url, "http://h1:8000/x");
}

TEST(MemoryStoreTest, PingRenewsWithoutDuplicating) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("svc", "h1", 8000, kT0 + seconds(10), "http://old/")).ok());
  auto renewed = store.ping(make("svc", "h1", 8000, kT0 + seconds(100), "http://new/"));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed.value().url, "http://new/");
  EXPECT_EQ(renewed.value().expires_at, kT0 + seconds(100));
  EXPECT_EQ(store.size(), 1u);

  const auto found = locate(store, "svc", kT0 + seconds(50));  // the old expiry has passed
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].url, "http://new/");
  EXPECT_EQ(found[0].expires_at, kT0 + seconds(100));
}

TEST(MemoryStoreTest, UnregisterOfExpiredInstanceReturnsFalse) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("svc", "h1", 1, kT0 + seconds(10))).ok());
  EXPECT_FALSE(store.unregister("svc", "h1", 1, kT0 + seconds(20)).value());
  EXPECT_TRUE(locate(store, "svc", kT0).empty()) << "the instance should be gone";
}

TEST(MemoryStoreTest, LocateReturnsOnlyLiveInstances) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("svc", "old", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.ping(make("svc", "new", 1, kT0 + seconds(100))).ok());
  const auto found = locate(store, "svc", kT0 + seconds(50));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "new");
  EXPECT_EQ(locate(store, "s*", kT0 + seconds(50)).size(), 1u);
}

TEST(MemoryStoreTest, InstanceIsLiveUntilItsExpiryAndNotAtIt) {
  MemoryStore store;
  const auto exp = kT0 + seconds(10);
  ASSERT_TRUE(store.ping(make("svc", "h", 1, exp)).ok());
  EXPECT_EQ(locate(store, "svc", exp - std::chrono::nanoseconds(1)).size(), 1u);
  EXPECT_TRUE(locate(store, "svc", exp).empty());
}

TEST(MemoryStoreTest, ExpiredButNotSweptIsNeverReturned) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("svc.a", "h", 1, kT0 + seconds(10))).ok());
  const auto later = kT0 + seconds(11);
  EXPECT_TRUE(locate(store, "svc.a", later).empty());
  EXPECT_TRUE(locate(store, "svc.*", later).empty());
  EXPECT_TRUE(locate(store, "*", later).empty());
  EXPECT_TRUE(store.list(Glob("*"), later).empty());
  EXPECT_TRUE(store.snapshot(later).empty());
  EXPECT_EQ(store.size(), 1u) << "still held until expire() sweeps it";
  EXPECT_EQ(store.service_count(), 1u);
}

TEST(MemoryStoreTest, ExpireRemovesInChunksAndReturnsCounts) {
  MemoryStore store;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store.ping(make("dead" + std::to_string(i), "h", 1, kT0 + seconds(i + 1))).ok());
  }
  ASSERT_TRUE(store.ping(make("alive", "h", 1, kT0 + seconds(1000))).ok());
  const auto now = kT0 + seconds(100);
  EXPECT_EQ(store.expire(now, 3), 3u);
  EXPECT_EQ(store.size(), 8u);
  EXPECT_EQ(store.expire(now, 3), 3u);
  EXPECT_EQ(store.expire(now, 3), 3u);
  EXPECT_EQ(store.expire(now, 3), 1u);
  EXPECT_EQ(store.expire(now, 3), 0u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.service_count(), 1u);
  EXPECT_EQ(located_names(store, "*", now), Names{"alive"});
}

TEST(MemoryStoreTest, ExpireRemovesOnlyWhatHasExpired) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(20))).ok());
  EXPECT_EQ(store.expire(kT0 + seconds(5), 100), 0u);
  EXPECT_EQ(store.expire(kT0 + seconds(10), 100), 1u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(located_names(store, "*", kT0), Names{"b"});
}

TEST(MemoryStoreTest, ExpiryOrderFollowsRenewalsInAnotherOrder) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(20))).ok());
  ASSERT_TRUE(store.ping(make("c", "h", 1, kT0 + seconds(30))).ok());
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(40))).ok());  // a renewed last

  EXPECT_EQ(store.expire(kT0 + seconds(25), 100), 1u);  // b only
  EXPECT_EQ(located_names(store, "*", kT0 + seconds(25)), (Names{"a", "c"}));
  EXPECT_EQ(store.expire(kT0 + seconds(35), 100), 1u);  // c
  EXPECT_EQ(located_names(store, "*", kT0 + seconds(35)), Names{"a"});
  EXPECT_EQ(store.expire(kT0 + seconds(45), 100), 1u);  // a
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemoryStoreTest, ExpiryOrderHoldsForOutOfOrderExpiresAt) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(30))).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.ping(make("c", "h", 1, kT0 + seconds(20))).ok());

  EXPECT_EQ(store.expire(kT0 + seconds(15), 100), 1u);
  EXPECT_EQ(located_names(store, "*", kT0), (Names{"a", "c"}));
  EXPECT_EQ(store.expire(kT0 + seconds(25), 100), 1u);
  EXPECT_EQ(located_names(store, "*", kT0), Names{"a"});
  EXPECT_EQ(store.expire(kT0 + seconds(35), 100), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemoryStoreTest, RenewalToAnEarlierExpiryMovesItForward) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(30))).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(20))).ok());
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10))).ok());
  EXPECT_EQ(store.expire(kT0 + seconds(15), 100), 1u);
  EXPECT_EQ(located_names(store, "*", kT0), Names{"b"});
}

TEST(MemoryStoreTest, FullStoreRefusesNewInstanceButRenews) {
  MemoryStore store(2);
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(10))).ok());

  auto refused = store.ping(make("c", "h", 1, kT0 + seconds(10)));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), StoreError::kFull);
  auto another_endpoint = store.ping(make("a", "h", 2, kT0 + seconds(10)));
  ASSERT_FALSE(another_endpoint.ok());
  EXPECT_EQ(another_endpoint.error(), StoreError::kFull);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.service_count(), 2u) << "a refused ping must not leave an empty service behind";
  EXPECT_TRUE(store.list(Glob("c"), kT0).empty());

  auto renewed = store.ping(make("a", "h", 1, kT0 + seconds(50)));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed.value().expires_at, kT0 + seconds(50));
}

TEST(MemoryStoreTest, FullStoreAcceptsAgainAfterRoomIsMade) {
  MemoryStore store(1);
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_FALSE(store.ping(make("b", "h", 1, kT0 + seconds(10))).ok());
  ASSERT_TRUE(store.unregister("a", "h", 1, kT0).value());
  EXPECT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(10))).ok());
  EXPECT_EQ(store.expire(kT0 + seconds(10), 10), 1u);
  EXPECT_TRUE(store.ping(make("c", "h", 1, kT0 + seconds(20))).ok());
}

TEST(MemoryStoreTest, ZeroCapacityMeansNoLimit) {
  MemoryStore store(0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store.ping(make("svc", "h", static_cast<std::uint16_t>(i + 1), kT0 + seconds(1))).ok());
  }
  EXPECT_EQ(store.size(), 1000u);
}

TEST(MemoryStoreTest, ListIsSortedByNameWithLiveCounts) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("b", "h1", 1, kT0 + seconds(90))).ok());
  ASSERT_TRUE(store.ping(make("b", "h2", 1, kT0 + seconds(90))).ok());
  ASSERT_TRUE(store.ping(make("b", "h3", 1, kT0 + seconds(5))).ok());  // expired at kT0 + 10s
  ASSERT_TRUE(store.ping(make("a", "h1", 1, kT0 + seconds(90))).ok());
  ASSERT_TRUE(store.ping(make("c", "h1", 1, kT0 + seconds(5))).ok());  // expired at kT0 + 10s

  const auto services = store.list(Glob("*"), kT0 + seconds(10));
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0].name, "a");
  EXPECT_EQ(services[0].instances, 1u);
  EXPECT_EQ(services[1].name, "b");
  EXPECT_EQ(services[1].instances, 2u);
}

TEST(MemoryStoreTest, SizeAndServiceCountIncludeUnsweptAndDropAfterExpire) {
  MemoryStore store;
  ASSERT_TRUE(store.ping(make("a", "h1", 1, kT0 + seconds(5))).ok());
  ASSERT_TRUE(store.ping(make("a", "h2", 1, kT0 + seconds(90))).ok());
  ASSERT_TRUE(store.ping(make("b", "h1", 1, kT0 + seconds(5))).ok());
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.service_count(), 2u);
  EXPECT_EQ(store.expire(kT0 + seconds(10), 100), 2u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.service_count(), 1u);
}

// Four threads ping, locate, unregister and expire at once (also meant for
// TSan). Each thread owns its names, so the final contents are known.
TEST(MemoryStoreConcurrencyTest, ParallelOperationsLeaveAConsistentStore) {
  MemoryStore store;
  constexpr int kThreads = 4;
  constexpr int kOps = 10000;
  constexpr int kLivePerThread = 100;
  const Clock::time_point now = kT0;
  std::atomic<bool> saw_dead{false};

  auto work = [&](int t) {
    const std::string prefix = "svc.t" + std::to_string(t) + ".";
    for (int i = 0; i < kOps; ++i) {
      switch (i % 5) {
        case 0:  // a live instance, renewed many times
          (void)store.ping(make(prefix + std::to_string((i / 5) % kLivePerThread), "h", 1,
                                now + seconds(90 + i)));
          break;
        case 1:  // an already expired one, for the sweepers
          (void)store.ping(make("dead.t" + std::to_string(t) + "." + std::to_string(i), "h", 1,
                                now - seconds(1)));
          break;
        case 2:
          store.locate(Glob("*"), now, [&](const Instance& instance) {
            if (instance.expires_at <= now) saw_dead = true;
          });
          break;
        case 3:
          (void)store.expire(now, 16);
          break;
        case 4: {  // a short-lived extra instance, removed again at once
          const std::string name = prefix + "tmp";
          (void)store.ping(make(name, "h", 2, now + seconds(90)));
          (void)store.unregister(name, "h", 2, now).ok();
          break;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (auto& th : threads) th.join();

  EXPECT_FALSE(saw_dead.load()) << "locate visited an expired instance";
  while (store.expire(now, 1000) > 0) {
  }
  constexpr std::size_t kLive = kThreads * kLivePerThread;
  EXPECT_EQ(store.size(), kLive);
  EXPECT_EQ(store.service_count(), kLive);
  EXPECT_EQ(store.snapshot(now).size(), kLive);
  EXPECT_EQ(locate(store, "svc.*", now).size(), kLive);
  std::size_t listed = 0;
  for (const auto& s : store.list(Glob("*"), now)) listed += s.instances;
  EXPECT_EQ(listed, kLive);
}

// What the store tells its listener, collected.
struct Recorder {
  std::vector<Change> changes;
  ChangeListener listener() {
    return [this](std::vector<Change>&& batch) {
      for (Change& c : batch) changes.push_back(std::move(c));
    };
  }
};

TEST(MemoryStoreChangesTest, EveryChangeTakesTheNextIndexAndRenewalsNone) {
  MemoryStore store;
  store.raise_index(100);
  Recorder seen;
  store.set_change_listener(seen.listener());
  ASSERT_TRUE(store.ping(make("svc", "h", 1, kT0 + seconds(10)), kT0).ok());
  ASSERT_TRUE(store.ping(make("svc", "h", 1, kT0 + seconds(20)), kT0).ok());  // renewal
  Instance moved = make("svc", "h", 1, kT0 + seconds(20), "http://h:1/v2");
  ASSERT_TRUE(store.ping(moved, kT0).ok());
  Instance tagged = moved;
  tagged.meta = {{"zone", "eu-1"}};
  ASSERT_TRUE(store.ping(tagged, kT0).ok());
  EXPECT_TRUE(store.unregister("svc", "h", 1, kT0).value());

  ASSERT_EQ(seen.changes.size(), 4u);
  EXPECT_EQ(seen.changes[0].kind, ChangeKind::kAdded);
  EXPECT_EQ(seen.changes[1].kind, ChangeKind::kUpdated);
  EXPECT_EQ(seen.changes[1].before->url, "http://h:1/api");
  EXPECT_EQ(seen.changes[1].after->url, "http://h:1/v2");
  EXPECT_EQ(seen.changes[2].kind, ChangeKind::kUpdated);
  EXPECT_EQ(seen.changes[2].after->meta, (Meta{{"zone", "eu-1"}}));
  EXPECT_EQ(seen.changes[3].kind, ChangeKind::kRemoved);
  EXPECT_EQ(seen.changes[3].reason, RemovalReason::kUnregistered);
  for (std::size_t i = 0; i < seen.changes.size(); ++i) EXPECT_EQ(seen.changes[i].index, 101 + i);
  EXPECT_EQ(store.index(), 104u);
}

TEST(MemoryStoreChangesTest, ExpiryIsARemovalAndARevivalAnAddition) {
  MemoryStore store;
  Recorder seen;
  store.set_change_listener(seen.listener());
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(10)), kT0).ok());
  ASSERT_TRUE(store.ping(make("b", "h", 1, kT0 + seconds(10)), kT0).ok());
  // a expired but not swept: its ping brings it back, an addition.
  ASSERT_TRUE(store.ping(make("a", "h", 1, kT0 + seconds(30)), kT0 + seconds(11)).ok());
  EXPECT_EQ(store.expire(kT0 + seconds(11), 100), 1u);
  ASSERT_EQ(seen.changes.size(), 4u);
  EXPECT_EQ(seen.changes[2].kind, ChangeKind::kAdded);
  EXPECT_EQ(seen.changes[3].kind, ChangeKind::kRemoved);
  EXPECT_EQ(seen.changes[3].reason, RemovalReason::kExpired);
  EXPECT_EQ(seen.changes[3].before->name, "b");
  // Unregistering what already expired changes nothing anyone could see.
  ASSERT_TRUE(store.ping(make("c", "h", 1, kT0 + seconds(10)), kT0).ok());
  EXPECT_FALSE(store.unregister("c", "h", 1, kT0 + seconds(12)).value());
  EXPECT_EQ(seen.changes.size(), 5u);
}

TEST(MemoryStoreChangesTest, TheIndexNeverGoesBack) {
  MemoryStore store;
  store.raise_index(50);
  store.raise_index(10);
  EXPECT_EQ(store.index(), 50u);
  std::uint64_t at = 0;
  store.snapshot(kT0, &at);
  EXPECT_EQ(at, 50u);
  EXPECT_EQ(store.locate(Glob("*"), kT0, [](const Instance&) {}), 50u);
}

}  // namespace
}  // namespace gemstone::registry
