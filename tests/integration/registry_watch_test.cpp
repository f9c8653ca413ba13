// watch_services and instance metadata against the real daemon: who is
// woken by what, what answers at once, limits, shutdown, many watchers.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "raw_http.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
using rapidjson::Document;

std::string http_post(const std::string& body) {
  return "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// True once `bytes` holds a whole response (head and Content-Length body).
bool whole_response(const std::string& bytes) {
  const auto head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const auto at = bytes.find("Content-Length: ");
  if (at == std::string::npos || at > head_end) return true;
  const auto length = std::stoul(bytes.substr(at + 16));
  return bytes.size() >= head_end + 4 + length;
}

// One watch_services call on its own connection, answered whenever.
class WatchCall {
 public:
  WatchCall(int port, const std::string& params) : fd_(connect_loopback(port)) {
    EXPECT_GE(fd_, 0);
    EXPECT_TRUE(send_all(fd_, http_post(request_body("watch_services", params))));
  }
  ~WatchCall() { close(); }
  WatchCall(const WatchCall&) = delete;
  WatchCall& operator=(const WatchCall&) = delete;

  /// The response's JSON body if it came within `timeout`.
  std::optional<Document> answer(std::chrono::milliseconds timeout) {
    Received r = receive_until(fd_, timeout, [&](const std::string& b) { return whole_response(buffer_ + b); });
    buffer_ += r.bytes;
    if (!whole_response(buffer_)) return std::nullopt;
    return parse(buffer_.substr(buffer_.find("\r\n\r\n") + 4));
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  std::string buffer_;
};

std::uint64_t index_of(const Document& doc) { return doc["result"]["index"].GetUint64(); }

std::string watch_params(const std::string& pattern, std::uint64_t index, double timeout = 10,
                         const std::string& meta = "") {
  std::string p = R"({"pattern":")" + pattern + R"(","index":)" + std::to_string(index) +
                  R"(,"timeout":)" + std::to_string(timeout);
  if (!meta.empty()) p += R"(,"meta":)" + meta;
  return p + "}";
}

class RegistryWatchTest : public ::testing::Test {
 protected:
  std::uint64_t current_index(const std::string& pattern = "*") {
    Document doc = registry_.call("watch_services", watch_params(pattern, 0));
    return index_of(doc);
  }
  // A watch of `pattern` from the current index, checked to be parked.
  std::unique_ptr<WatchCall> parked(const std::string& pattern, const std::string& meta = "") {
    auto call = std::make_unique<WatchCall>(registry_.port(),
                                            watch_params(pattern, current_index(pattern), 10, meta));
    EXPECT_FALSE(call->answer(150ms)) << "answered although nothing changed";
    return call;
  }
  void ping(const std::string& params) {
    Document doc = registry_.call("ping", params);
    ASSERT_TRUE(doc["result"].IsObject()) << params;
  }

  RegistryProcess registry_{{"--ttl", "60"}};
};

TEST_F(RegistryWatchTest, IndexZeroAnswersAtOnceWithTheCurrentState) {
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80})");
  Document doc = registry_.call("watch_services", R"({"pattern":"api.*"})");
  ASSERT_TRUE(doc["result"].IsObject());
  EXPECT_GT(index_of(doc), 1000000000000000u) << "starts at the wall clock in microseconds";
  ASSERT_EQ(doc["result"]["instances"].Size(), 1u);
  EXPECT_STREQ(doc["result"]["instances"][0]["name"].GetString(), "api.a");
  EXPECT_TRUE(doc["result"]["instances"][0]["meta"].IsObject());
}

TEST_F(RegistryWatchTest, WakesOnAdd) {
  auto watch = parked("api.*");
  const auto before = current_index();
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80})");
  auto answer = watch->answer(2s);
  ASSERT_TRUE(answer);
  EXPECT_GT(index_of(*answer), before);
  ASSERT_EQ((*answer)["result"]["instances"].Size(), 1u);
}

TEST_F(RegistryWatchTest, WakesOnUnregister) {
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80})");
  auto watch = parked("api.*");
  registry_.call("unregister", R"({"name":"api.a","host":"10.0.0.1","port":80})");
  auto answer = watch->answer(2s);
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["result"]["instances"].Size(), 0u);
  // The answer says why it went.
  const auto& changes = (*answer)["result"]["changes"];
  ASSERT_TRUE(changes.IsArray());
  ASSERT_EQ(changes.Size(), 1u);
  EXPECT_STREQ(changes[0]["event"].GetString(), "removed");
  EXPECT_STREQ(changes[0]["reason"].GetString(), "unregistered");
  EXPECT_STREQ(changes[0]["name"].GetString(), "api.a");
  EXPECT_EQ(changes[0]["index"].GetUint64(), index_of(*answer));
}

TEST_F(RegistryWatchTest, AnAnswerAtOnceListsTheChangesSinceTheIndex) {
  const auto before = current_index();
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80})");
  ping(R"({"name":"db.a","host":"10.0.0.1","port":80})");
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80,"meta":{"v":"2"}})");
  Document doc = registry_.call("watch_services", watch_params("api.*", before));
  const auto& changes = doc["result"]["changes"];
  ASSERT_TRUE(changes.IsArray());
  ASSERT_EQ(changes.Size(), 2u);
  EXPECT_STREQ(changes[0]["event"].GetString(), "added");
  EXPECT_STREQ(changes[1]["event"].GetString(), "updated");
  EXPECT_FALSE(changes[1].HasMember("reason"));
  // Index 0 (or one the registry no longer holds the changes for): no list.
  EXPECT_FALSE(registry_.call("watch_services", watch_params("api.*", 0))["result"].HasMember("changes"));
}

TEST_F(RegistryWatchTest, WakesOnUrlOrMetaChangeButNotOnRenewal) {
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80,"meta":{"zone":"eu-1"}})");
  auto watch = parked("api.*");
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80,"meta":{"zone":"eu-1"}})");  // renewal
  EXPECT_FALSE(watch->answer(300ms)) << "a renewal woke the watcher";
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80,"meta":{"zone":"eu-2"}})");
  auto answer = watch->answer(2s);
  ASSERT_TRUE(answer);
  EXPECT_STREQ((*answer)["result"]["instances"][0]["meta"]["zone"].GetString(), "eu-2");

  auto second = parked("api.*");
  ping(R"({"name":"api.a","url":"http://10.0.0.1:80/v2","meta":{"zone":"eu-2"}})");
  auto moved = second->answer(2s);
  ASSERT_TRUE(moved);
  EXPECT_STREQ((*moved)["result"]["instances"][0]["url"].GetString(), "http://10.0.0.1:80/v2");
}

TEST_F(RegistryWatchTest, NotWokenByAChangeOutsideItsPattern) {
  auto watch = parked("api.*");
  ping(R"({"name":"db.a","host":"10.0.0.1","port":80})");
  EXPECT_FALSE(watch->answer(300ms));
}

TEST_F(RegistryWatchTest, AStaleIndexAnswersAtOnce) {
  const auto before = current_index();
  ping(R"({"name":"api.a","host":"10.0.0.1","port":80})");
  WatchCall watch(registry_.port(), watch_params("api.*", before));
  auto answer = watch.answer(1s);
  ASSERT_TRUE(answer);
  EXPECT_GT(index_of(*answer), before);
}

TEST_F(RegistryWatchTest, AnIndexFromTheFutureAnswersAtOnce) {
  const auto now = current_index();
  WatchCall watch(registry_.port(), watch_params("*", now + 1000));
  auto answer = watch.answer(1s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(index_of(*answer), now);
}

TEST_F(RegistryWatchTest, ATimeoutAnswersWithTheIndexUnchanged) {
  const auto now = current_index();
  WatchCall watch(registry_.port(), watch_params("*", now, 0.3));
  EXPECT_FALSE(watch.answer(100ms));
  auto answer = watch.answer(3s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(index_of(*answer), now);
}

TEST_F(RegistryWatchTest, ATimeoutReportsChangesElsewhereInTheIndex) {
  const auto now = current_index();
  WatchCall watch(registry_.port(), watch_params("api.*", now, 0.4));
  ping(R"({"name":"db.a","host":"10.0.0.1","port":80})");
  auto answer = watch.answer(3s);
  ASSERT_TRUE(answer);
  EXPECT_GT(index_of(*answer), now);
  EXPECT_EQ((*answer)["result"]["instances"].Size(), 0u);
}

TEST_F(RegistryWatchTest, InABatchAWatchAnswersAtOnce) {
  const auto now = current_index();
  auto response = registry_.post("[" + request_body("watch_services", watch_params("*", now), 1) + "]");
  ASSERT_TRUE(response);
  Document doc = parse(response->body);
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(doc[0]["result"]["index"].GetUint64(), now);
}

TEST_F(RegistryWatchTest, ParamsAreChecked) {
  EXPECT_EQ(error_field_of(registry_.call("watch_services", R"({"index":-1})")), "index");
  EXPECT_EQ(error_field_of(registry_.call("watch_services", R"({"index":1.5})")), "index");
  EXPECT_EQ(error_field_of(registry_.call("watch_services", R"({"timeout":"x"})")), "timeout");
  EXPECT_EQ(error_field_of(registry_.call("watch_services", R"({"pattern":3})")), "pattern");
  EXPECT_EQ(error_field_of(registry_.call("watch_services", R"({"meta":{"a":1}})")), "meta");
  Document positional = registry_.call("watch_services", R"(["*", 0, 1, {}])");
  EXPECT_TRUE(positional["result"]["instances"].IsArray());
}

TEST_F(RegistryWatchTest, MetaIsValidated) {
  const std::string long_key(65, 'k');
  const std::string long_value(513, 'v');
  std::string many = "{";
  for (int i = 0; i < 33; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  many += "}";
  std::string big = "{";
  for (int i = 0; i < 9; ++i) big += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"" + std::string(500, 'v') + "\"";
  big += "}";
  const std::vector<std::string> bad = {
      "[]", "\"zone\"", R"({"zone":1})", R"({"zone":null})", R"({"":"x"})",
      R"({"a b":"x"})", R"({"zöne":"x"})", "{\"" + long_key + "\":\"x\"}",
      "{\"k\":\"" + long_value + "\"}", many, big};
  for (const std::string& meta : bad) {
    SCOPED_TRACE(meta);
    Document doc = registry_.call("ping", R"({"name":"svc","host":"h","port":1,"meta":)" + meta + "}");
    EXPECT_EQ(error_code_of(doc), -32602);
    EXPECT_EQ(error_field_of(doc), "meta");
  }
  const std::vector<std::string> good = {
      "{}", R"({"zone":"eu-1","version":"2.3","weight":"10"})",
      "{\"" + std::string(64, 'k') + "\":\"" + std::string(512, 'v') + "\"}",
      R"({"A_b.c-9":""})"};
  for (const std::string& meta : good) {
    SCOPED_TRACE(meta);
    Document doc = registry_.call("ping", R"({"name":"svc","host":"h","port":1,"meta":)" + meta + "}");
    EXPECT_TRUE(doc["result"].IsObject());
  }
}

TEST_F(RegistryWatchTest, MetaIsStoredReplacedAndFiltered) {
  Document first = registry_.call("ping", R"(["svc","h1",1,{"zone":"eu-1","v":"2"}])");
  ASSERT_TRUE(first["result"].IsObject());
  EXPECT_STREQ(first["result"]["meta"]["zone"].GetString(), "eu-1");
  Document by_url = registry_.call("ping", R"(["svc","http://h2:2/api",{"zone":"us-1"}])");
  ASSERT_TRUE(by_url["result"].IsObject());
  EXPECT_STREQ(by_url["result"]["meta"]["zone"].GetString(), "us-1");
  ping(R"(["svc","h3",3])");

  Document eu = registry_.call("locate_service", R"({"name":"svc","meta":{"zone":"eu-1"}})");
  ASSERT_EQ(eu["result"].Size(), 1u);
  EXPECT_STREQ(eu["result"][0]["host"].GetString(), "h1");
  Document both = registry_.call("locate_service", R"(["svc",{"zone":"eu-1","v":"2"}])");
  EXPECT_EQ(both["result"].Size(), 1u);
  Document none = registry_.call("locate_service", R"({"name":"svc","meta":{"zone":"eu-1","v":"3"}})");
  EXPECT_EQ(none["result"].Size(), 0u);
  Document all = registry_.call("locate_service", R"({"name":"svc"})");
  EXPECT_EQ(all["result"].Size(), 3u);

  // A ping without meta stores none.
  Document cleared = registry_.call("ping", R"(["svc","h1",1])");
  EXPECT_EQ(cleared["result"]["meta"].MemberCount(), 0u);
}

TEST_F(RegistryWatchTest, AnInstanceLeavingTheFilterWakesTheWatch) {
  ping(R"({"name":"api.a","host":"h1","port":1,"meta":{"zone":"eu-1"}})");
  auto watch = parked("api.*", R"({"zone":"eu-1"})");
  ping(R"({"name":"api.b","host":"h2","port":1,"meta":{"zone":"us-1"}})");  // outside the filter
  EXPECT_FALSE(watch->answer(300ms));
  ping(R"({"name":"api.a","host":"h1","port":1,"meta":{"zone":"us-1"}})");
  auto answer = watch->answer(2s);
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["result"]["instances"].Size(), 0u);
}

TEST(RegistryWatchExpiryTest, WakesOnExpiry) {
  RegistryProcess registry({"--ttl", "0.5"});
  registry.call("ping", R"({"name":"api.a","host":"h1","port":1})");
  const auto index = registry.call("watch_services", R"({"pattern":"api.*"})")["result"]["index"].GetUint64();
  WatchCall watch(registry.port(), watch_params("api.*", index));
  const auto started = std::chrono::steady_clock::now();
  auto answer = watch.answer(5s);
  ASSERT_TRUE(answer);
  EXPECT_GT(index_of(*answer), index);
  EXPECT_EQ((*answer)["result"]["instances"].Size(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  ASSERT_TRUE((*answer)["result"]["changes"].IsArray());
  EXPECT_STREQ((*answer)["result"]["changes"][0]["reason"].GetString(), "expired");
}

TEST(RegistryWatchLimitTest, BeyondMaxWatchersAWatchIsRefusedAndAHangUpFreesItsPlace) {
  RegistryProcess registry({"--max-watchers", "2"});
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  WatchCall a(registry.port(), watch_params("*", index));
  WatchCall b(registry.port(), watch_params("*", index));
  EXPECT_FALSE(a.answer(100ms));
  EXPECT_FALSE(b.answer(100ms));
  WatchCall c(registry.port(), watch_params("*", index));
  auto refused = c.answer(2s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(error_code_of(*refused), -32004);
  EXPECT_STREQ((*refused)["error"]["message"].GetString(), "Too many watchers");

  b.close();  // the client hangs up: its place is free again
  EXPECT_TRUE(eventually([&] {
    WatchCall d(registry.port(), watch_params("*", index, 10));
    return !d.answer(100ms).has_value();
  }, 5s));
}

TEST(RegistryWatchShutdownTest, SigtermAnswersParkedWatchersAndExitsPromptly) {
  RegistryProcess registry;
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  std::vector<std::unique_ptr<WatchCall>> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back(std::make_unique<WatchCall>(registry.port(), watch_params("*", index, 300)));
  }
  EXPECT_TRUE(eventually([&] {
    auto metrics = registry.get("/metrics");
    return metrics && metrics->body.find("gemstone_registry_watchers 20\n") != std::string::npos;
  }));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(registry.stop(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  for (auto& call : calls) {
    auto answer = call->answer(1s);
    ASSERT_TRUE(answer);
    EXPECT_EQ(index_of(*answer), index);
  }
}

TEST(RegistryWatchStateTest, MetaAndTheIndexSurviveARestart) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gemstone-watch-state-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string state = (dir / "state.json").string();
  std::uint64_t before = 0;
  {
    RegistryProcess registry({"--state-file", state, "--ttl", "60"});
    registry.call("ping", R"({"name":"svc","host":"h1","port":1,"meta":{"zone":"eu-1"}})");
    before = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
    ASSERT_EQ(registry.stop(), 0);
  }
  RegistryProcess registry({"--state-file", state, "--ttl", "60"});
  Document located = registry.call("locate_service", R"({"name":"svc","meta":{"zone":"eu-1"}})");
  ASSERT_EQ(located["result"].Size(), 1u);
  EXPECT_STREQ(located["result"][0]["meta"]["zone"].GetString(), "eu-1");
  const auto after = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  EXPECT_GT(after, before);
  // An index from before the restart does not wait.
  WatchCall watch(registry.port(), watch_params("*", before));
  EXPECT_TRUE(watch.answer(1s));
  std::filesystem::remove_all(dir);
}

TEST(RegistryWatchStateTest, TheIndexGrowsAcrossARestartWithoutAStateFile) {
  std::uint64_t before = 0;
  int port = 0;
  {
    RegistryProcess registry;
    port = registry.port();
    for (int i = 1; i <= 50; ++i) {
      registry.call("ping", R"({"name":"svc","host":"h","port":)" + std::to_string(i) + "}");
    }
    before = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
    ASSERT_EQ(registry.stop(), 0);
  }
  RegistryProcess registry({"--port", std::to_string(port)});
  const auto after = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  EXPECT_GT(after, before);
  // The old index is below the new start: answered at once, with the (empty) state.
  WatchCall watch(registry.port(), watch_params("svc", before));
  auto answer = watch.answer(1s);
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["result"]["instances"].Size(), 0u);
}

TEST(RegistryWatchMetricsTest, WatchersAnswersAndTheIndexAreExported) {
  RegistryProcess registry;
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  WatchCall timed_out(registry.port(), watch_params("*", index, 0.2));
  ASSERT_TRUE(timed_out.answer(3s));
  WatchCall waiting(registry.port(), watch_params("*", index, 30));
  ASSERT_TRUE(eventually([&] {
    auto metrics = registry.get("/metrics");
    return metrics && metrics->body.find("gemstone_registry_watchers 1\n") != std::string::npos;
  }));
  registry.call("ping", R"({"name":"svc","host":"h","port":1})");
  ASSERT_TRUE(waiting.answer(3s));
  auto metrics = registry.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("gemstone_registry_watch_answers_total{by=\"timeout\"} 1\n"),
            std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("gemstone_registry_watch_answers_total{by=\"change\"} 2\n"),
            std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("gemstone_registry_index " + std::to_string(index + 1) + "\n"),
            std::string::npos) << metrics->body;
}

TEST(RegistryWatchManyTest, TwoThousandParkedWatchersAreAllWokenUnderPingLoad) {
  constexpr int kWatchers = 2000;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < kWatchers + 200) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, kWatchers + 200);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  RegistryProcess registry;
  const auto index = registry.call("watch_services", "{}")["result"]["index"].GetUint64();
  std::vector<std::unique_ptr<WatchCall>> calls;
  calls.reserve(kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    calls.push_back(std::make_unique<WatchCall>(registry.port(), watch_params("api.*", index, 60)));
  }
  ASSERT_TRUE(eventually([&] {
    auto metrics = registry.get("/metrics");
    return metrics && metrics->body.find("gemstone_registry_watchers 2000\n") != std::string::npos;
  }));
  // Pings outside the pattern keep being answered while they wait.
  for (int i = 0; i < 200; ++i) {
    Document doc = registry.call("ping", R"({"name":"db","host":"h","port":)" + std::to_string(i + 1) + "}");
    ASSERT_TRUE(doc["result"].IsObject());
  }
  registry.call("ping", R"({"name":"api.a","host":"h","port":1})");
  int woken = 0;
  for (auto& call : calls) {
    auto answer = call->answer(5s);
    if (answer && (*answer)["result"]["instances"].Size() == 1) ++woken;
    call->close();
  }
  EXPECT_EQ(woken, kWatchers);
}

}  // namespace
}  // namespace gemstone::testing
