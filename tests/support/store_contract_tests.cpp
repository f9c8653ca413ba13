#include "store_contract.hpp"

#include <algorithm>
#include <mutex>
#include <chrono>
#include <string>
#include <vector>

namespace gemstone::testing {

void StoreContractTest::SetUp() {
  GetParam().require();
  if (IsSkipped() || HasFatalFailure()) return;
  under_test_ = make();
}

namespace {

using registry::Change;
using registry::ChangeKind;
using registry::Instance;
using registry::Meta;
using registry::RemovalReason;
using registry::StoreError;
using Names = std::vector<std::string>;

Instance instance(const StoreUnderTest& s, std::string name, std::string host, std::uint16_t port,
                  std::string url = {}, Meta meta = {}) {
  if (url.empty()) url = "http://" + host + ":" + std::to_string(port) + "/api";
  return Instance{std::move(name), std::move(host), port, std::move(url),
                  s.now() + std::chrono::seconds(90), std::move(meta)};
}

std::vector<Instance> locate(StoreUnderTest& s, std::string_view pattern) {
  std::vector<Instance> out;
  s.store().locate(Glob(pattern), s.now(), [&](const Instance& i) { out.push_back(i); });
  return out;
}

Names names(StoreUnderTest& s, std::string_view pattern) {
  Names out;
  for (const Instance& i : locate(s, pattern)) out.push_back(i.name);
  return out;
}

#define PING(s, ...) ASSERT_TRUE((s).store().ping(instance((s), __VA_ARGS__), (s).now()).ok())

TEST_P(StoreContractTest, PingAddsAnInstanceAndLocateReturnsItWithItsFields) {
  auto& s = *under_test_;
  auto stored = store().ping(instance(s, "svc", "h1", 8000, "http://h1:8000/x", {{"zone", "eu"}}), now());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored.value().name, "svc");
  EXPECT_EQ(stored.value().url, "http://h1:8000/x");
  EXPECT_GT(stored.value().expires_at, now());
  EXPECT_EQ(store().size(), 1u);
  EXPECT_EQ(store().service_count(), 1u);
  const auto found = locate(s, "svc");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "h1");
  EXPECT_EQ(found[0].port, 8000);
  EXPECT_EQ(found[0].url, "http://h1:8000/x");
  EXPECT_EQ(found[0].meta, (Meta{{"zone", "eu"}}));
}

TEST_P(StoreContractTest, RenewalKeepsOneInstanceAndReplacesUrlAndMeta) {
  auto& s = *under_test_;
  PING(s, "svc", "h1", 8000, "http://old/", Meta{{"v", "1"}});
  PING(s, "svc", "h1", 8000, "http://new/", Meta{});
  EXPECT_EQ(store().size(), 1u);
  const auto found = locate(s, "svc");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].url, "http://new/");
  EXPECT_TRUE(found[0].meta.empty());
}

TEST_P(StoreContractTest, IdentityIsNameHostAndPort) {
  auto& s = *under_test_;
  PING(s, "svc", "h1", 1);
  PING(s, "svc", "h1", 2);    // other port
  PING(s, "svc", "h2", 1);    // other host
  PING(s, "other", "h1", 1);  // other name
  PING(s, "svc", "h1", 1);    // the first again
  EXPECT_EQ(store().size(), 4u);
  EXPECT_EQ(store().service_count(), 2u);
  EXPECT_EQ(locate(s, "svc").size(), 3u);
}

TEST_P(StoreContractTest, UnregisterRemovesOnceAndKeepsTheOthers) {
  auto& s = *under_test_;
  PING(s, "svc", "h1", 1);
  PING(s, "svc", "h2", 1);
  EXPECT_TRUE(store().unregister("svc", "h1", 1, now()).value());
  EXPECT_FALSE(store().unregister("svc", "h1", 1, now()).value());
  const auto found = locate(s, "svc");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "h2");
  EXPECT_EQ(store().service_count(), 1u);
  EXPECT_TRUE(store().unregister("svc", "h2", 1, now()).value());
  EXPECT_EQ(store().size(), 0u);
  EXPECT_EQ(store().service_count(), 0u);
}

TEST_P(StoreContractTest, UnregisterOfAnUnknownInstanceReturnsFalseAndKeepsOthers) {
  auto& s = *under_test_;
  PING(s, "svc", "h1", 1);
  EXPECT_FALSE(store().unregister("nope", "h1", 1, now()).value());
  EXPECT_FALSE(store().unregister("svc", "h2", 1, now()).value());
  EXPECT_FALSE(store().unregister("svc", "h1", 2, now()).value());
  EXPECT_EQ(store().size(), 1u);
}

}  // namespace

void StoreLocateTest::SetUp() {
  StoreContractTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  for (const char* name : {"svc", "svc.a", "svc.b", "svcx", "svc1", "svc2", "svc3", "other",
                           "svc.a.deep"}) {
    PING(*under_test_, name, "h", 1);
  }
}

std::vector<std::string> StoreLocateTest::names(std::string_view pattern) {
  return testing::names(*under_test_, pattern);
}

namespace {

TEST_P(StoreLocateTest, LiteralPatternMatchesExactlyOneName) {
  EXPECT_EQ(names("svc"), Names{"svc"});
  EXPECT_TRUE(names("sv").empty());
  EXPECT_TRUE(names("SVC").empty()) << "matching is case-sensitive";
}

TEST_P(StoreLocateTest, PrefixPatternMatchesOnlyThatPrefix) {
  EXPECT_EQ(names("svc.*"), (Names{"svc.a", "svc.a.deep", "svc.b"}));
}

TEST_P(StoreLocateTest, StarMatchesEverythingInNameOrder) {
  EXPECT_EQ(names("*"), (Names{"other", "svc", "svc.a", "svc.a.deep", "svc.b", "svc1", "svc2", "svc3", "svcx"}));
}

TEST_P(StoreLocateTest, PatternWithoutPrefixMatchesAnywhere) { EXPECT_EQ(names("*.a"), Names{"svc.a"}); }

TEST_P(StoreLocateTest, QuestionMarkMatchesOneCharacter) {
  EXPECT_EQ(names("svc?"), (Names{"svc1", "svc2", "svc3", "svcx"}));
}

TEST_P(StoreLocateTest, SetMatchesItsMembers) {
  EXPECT_EQ(names("svc[12]"), (Names{"svc1", "svc2"}));
  EXPECT_EQ(names("svc[0-9]"), (Names{"svc1", "svc2", "svc3"}));
  EXPECT_EQ(names("svc[!0-9]"), Names{"svcx"});
}

TEST_P(StoreLocateTest, NoMatchGivesNothing) { EXPECT_TRUE(names("zzz*").empty()); }

TEST_P(StoreContractTest, ListIsSortedByNameWithCountsAndFilteredByPattern) {
  auto& s = *under_test_;
  PING(s, "b", "h1", 1);
  PING(s, "b", "h2", 1);
  PING(s, "a", "h1", 1);
  PING(s, "svc.a", "h", 1);
  const auto all = store().list(Glob("*"), now());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[0].instances, 1u);
  EXPECT_EQ(all[1].name, "b");
  EXPECT_EQ(all[1].instances, 2u);
  EXPECT_EQ(all[2].name, "svc.a");
  const auto some = store().list(Glob("svc.*"), now());
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].name, "svc.a");
}

TEST_P(StoreContractTest, AFullStoreRefusesNewInstancesButRenewsAndTakesAgainAfterRoomIsMade) {
  auto small = make(2);
  auto& s = *small;
  PING(s, "a", "h", 1);
  PING(s, "b", "h", 1);
  auto refused = s.store().ping(instance(s, "c", "h", 1), s.now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), StoreError::kFull);
  auto another_endpoint = s.store().ping(instance(s, "a", "h", 2), s.now());
  ASSERT_FALSE(another_endpoint.ok());
  EXPECT_EQ(s.store().size(), 2u);
  EXPECT_EQ(s.store().service_count(), 2u) << "a refused ping must not leave an empty service behind";
  EXPECT_TRUE(s.store().list(Glob("c"), s.now()).empty());
  EXPECT_TRUE(s.store().ping(instance(s, "a", "h", 1, "http://new/"), s.now()).ok());
  ASSERT_TRUE(s.store().unregister("a", "h", 1, s.now()).value());
  EXPECT_TRUE(s.store().ping(instance(s, "c", "h", 1), s.now()).ok());
}

TEST_P(StoreContractTest, SnapshotHoldsEveryInstanceWithItsFieldsAndTheIndex) {
  auto& s = *under_test_;
  PING(s, "a", "h1", 1, "http://h1:1/a");
  PING(s, "b", "h2", 2, "http://h2:2/b", Meta{{"k", "v"}});
  std::uint64_t index = 0;
  auto snap = store().snapshot(now(), &index);
  ASSERT_EQ(snap.size(), 2u);
  std::sort(snap.begin(), snap.end(), [](const Instance& x, const Instance& y) { return x.name < y.name; });
  EXPECT_EQ(snap[0].host, "h1");
  EXPECT_EQ(snap[0].port, 1);
  EXPECT_EQ(snap[0].url, "http://h1:1/a");
  EXPECT_EQ(snap[1].meta, (Meta{{"k", "v"}}));
  EXPECT_EQ(index, store().index());
}

TEST_P(StoreContractTest, EveryChangeTakesAHigherIndexAndARenewalIsNone) {
  auto& s = *under_test_;
  std::vector<Change> seen;
  std::mutex mutex;
  store().set_change_listener([&](std::vector<Change>&& changes) {
    std::lock_guard lock(mutex);
    for (Change& c : changes) seen.push_back(std::move(c));
  });
  const std::uint64_t start = store().index();
  PING(s, "svc", "h", 1);                       // added
  PING(s, "svc", "h", 1);                       // renewed: no change
  PING(s, "svc", "h", 1, "http://h:1/v2");      // updated
  ASSERT_TRUE(store().unregister("svc", "h", 1, now()).value());  // removed
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kind, ChangeKind::kAdded);
  EXPECT_EQ(seen[1].kind, ChangeKind::kUpdated);
  EXPECT_EQ(seen[1].before->url, "http://h:1/api");
  EXPECT_EQ(seen[1].after->url, "http://h:1/v2");
  EXPECT_EQ(seen[2].kind, ChangeKind::kRemoved);
  EXPECT_EQ(seen[2].reason, RemovalReason::kUnregistered);
  EXPECT_GT(seen[0].index, start);
  EXPECT_GT(seen[1].index, seen[0].index);
  EXPECT_GT(seen[2].index, seen[1].index);
  EXPECT_EQ(store().index(), seen[2].index);
  store().set_change_listener(nullptr);
}

}  // namespace
}  // namespace gemstone::testing
