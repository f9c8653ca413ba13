// Registry nodes on one etcd member (backend = "etcd"): one view on every
// node, expiry through etcd's leases, lease loss, etcd outages, a node
// started while etcd is down, and a compaction a node's watch missed.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "etcd_cluster.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "eventually.hpp"
#include "registry_process.hpp"
#include "rpc_messages.hpp"
#include "tcp_proxy.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
using jsonrpc::to_json;

std::vector<std::string> etcd_args(const std::string& endpoints, const std::string& ttl = "90",
                                   const std::string& prefix = "/test/") {
  return {"--backend", "etcd", "--etcd-endpoints", endpoints, "--etcd-prefix", prefix, "--ttl", ttl,
          "--etcd-timeout", "1"};
}

std::string ping_params(const std::string& name, int port, const std::string& meta = "{}") {
  return R"({"name":")" + name + R"(","host":"127.0.0.1","port":)" + std::to_string(port) +
         R"(,"meta":)" + meta + "}";
}

// The result of a call that must succeed.
bool ok(const rapidjson::Value& response) {
  return response.IsObject() && response.HasMember("result") && !response["result"].IsNull();
}

std::string health_of(RegistryProcess& node, int* status = nullptr) {
  auto res = node.get("/health");
  if (!res) return "";
  if (status != nullptr) *status = res->status;
  return res->body;
}

std::uint64_t watch_index(RegistryProcess& node, const std::string& pattern) {
  auto answer = node.call("watch_services", R"({"pattern":")" + pattern + R"(","index":0})");
  return ok(answer) ? answer["result"]["index"].GetUint64() : 0;
}

// Reads the lease of an instance key straight from etcd.
std::string lease_of(EtcdCluster& etcd, const std::string& key) {
  auto range = etcd.gateway(0, "/v3/kv/range", R"({"key":")" + base64(key) + "\"}");
  if (!range) return "";
  auto doc = parse(*range);
  if (!doc.HasMember("kvs")) return "";
  return doc["kvs"][0]["lease"].GetString();
}

// How many instance keys etcd holds under the tests' prefix.
std::size_t instances_in_etcd(EtcdCluster& etcd) {
  const std::string prefix = "/test/instances/";
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  auto range = etcd.gateway(0, "/v3/kv/range", R"({"key":")" + base64(prefix) + R"(","range_end":")" +
                                                   base64(end) + R"(","count_only":true})");
  if (!range) return 0;
  auto doc = parse(*range);
  return doc.HasMember("count") ? std::stoul(doc["count"].GetString()) : 0;
}

class EtcdBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_ETCD();
    etcd_ = EtcdCluster::start(1);
  }
  std::unique_ptr<RegistryProcess> node(const std::string& ttl = "90",
                                        const std::string& endpoints = "") {
    auto n = std::make_unique<RegistryProcess>(
        etcd_args(endpoints.empty() ? etcd_->endpoints() : endpoints, ttl));
    EXPECT_TRUE(eventually([&] { return health_of(*n).find("\"status\":\"ok\"") != std::string::npos; }, 5s))
        << health_of(*n);
    return n;
  }
  std::unique_ptr<EtcdCluster> etcd_;
};

TEST_F(EtcdBackendTest, APingOnOneNodeIsLocatedOnTheOtherWithinASecond) {
  auto a = node();
  auto b = node();
  auto pinged = a->call("ping", ping_params("svc.one", 9001, R"({"zone":"eu-1"})"));
  ASSERT_TRUE(ok(pinged)) << to_json(pinged);
  EXPECT_GE(pinged["result"]["expires_in"].GetDouble(), 89.0);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return located_count(*b, "svc.*") == 1; }, 1s, 5ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  auto located = b->call("locate_service", R"({"name":"svc.one","meta":{"zone":"eu-1"}})");
  ASSERT_EQ(located["result"].Size(), 1u);
  EXPECT_STREQ(located["result"][0]["url"].GetString(), "http://127.0.0.1:9001/api");
  EXPECT_EQ(located["result"][0]["port"].GetInt(), 9001);
  // The node that took the ping shows it at once.
  EXPECT_EQ(located_count(*a, "svc.one"), 1u);
}

TEST_F(EtcdBackendTest, UnregisterAnywhereRemovesEverywhereAndListsAgree) {
  auto a = node();
  auto b = node();
  for (int port : {9001, 9002, 9003}) ASSERT_TRUE(ok(a->call("ping", ping_params("svc.a", port))));
  ASSERT_TRUE(ok(b->call("ping", ping_params("svc.b", 9004))));
  ASSERT_TRUE(eventually([&] { return located_count(*a, "*") == 4 && located_count(*b, "*") == 4; }));
  EXPECT_EQ(to_json(a->call("list_services")["result"]), to_json(b->call("list_services")["result"]));

  auto removed = b->call("unregister", ping_params("svc.a", 9002));
  ASSERT_TRUE(ok(removed));
  EXPECT_TRUE(removed["result"].GetBool());
  auto again = a->call("unregister", ping_params("svc.a", 9002));
  ASSERT_TRUE(ok(again)) << to_json(again);
  EXPECT_FALSE(again["result"].GetBool());
  ASSERT_TRUE(eventually([&] { return located_count(*a, "svc.a") == 2; }, 1s));
  EXPECT_EQ(to_json(a->call("list_services")["result"]),
            R"([{"name":"svc.a","instances":2},{"name":"svc.b","instances":1}])");
  EXPECT_EQ(to_json(a->call("list_services")["result"]), to_json(b->call("list_services")["result"]));
}

TEST_F(EtcdBackendTest, WatchOnOneNodeWakesOnAPingOnTheOtherWithTheSameIndex) {
  auto a = node();
  auto b = node();
  ASSERT_TRUE(ok(a->call("ping", ping_params("other", 9000))));
  ASSERT_TRUE(eventually([&] { return located_count(*b, "other") == 1; }));
  const std::uint64_t index = watch_index(*b, "svc.*");
  ASSERT_GT(index, 0u);
  EXPECT_EQ(watch_index(*a, "svc.*"), index);  // one index on every node

  auto woken = std::async(std::launch::async, [&] {
    return to_json(b->call("watch_services",
                           R"({"pattern":"svc.*","index":)" + std::to_string(index) + R"(,"timeout":10})")["result"]);
  });
  std::this_thread::sleep_for(300ms);  // parked by now
  ASSERT_EQ(woken.wait_for(0s), std::future_status::timeout) << "answered without a change";
  const auto pinged_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc.x", 9005))));
  ASSERT_EQ(woken.wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - pinged_at, 1s);
  auto answer = parse(woken.get());
  ASSERT_EQ(answer["instances"].Size(), 1u);
  const std::uint64_t after = answer["index"].GetUint64();
  EXPECT_GT(after, index);
  EXPECT_EQ(watch_index(*a, "svc.*"), after);
  ASSERT_TRUE(answer.HasMember("changes"));
  EXPECT_STREQ(answer["changes"][0]["event"].GetString(), "added");
}

TEST_F(EtcdBackendTest, AnInstanceExpiresTtlAfterItsLastPingOnEveryNode) {
  auto a = node("2");
  auto b = node("2");
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9001))));
  ASSERT_TRUE(eventually([&] { return located_count(*b, "svc") == 1; }));
  const auto pinged_at = std::chrono::steady_clock::now();
  const std::uint64_t index = watch_index(*b, "svc");
  auto woken = std::async(std::launch::async, [&] {
    return to_json(b->call("watch_services", R"({"pattern":"svc","index":)" + std::to_string(index) +
                                                  R"(,"timeout":20})")["result"]);
  });
  ASSERT_TRUE(eventually([&] { return located_count(*a, "svc") == 0 && located_count(*b, "svc") == 0; }, 6s));
  // Never before its ttl; within a second of it (etcd checks leases every 500 ms).
  EXPECT_GE(std::chrono::steady_clock::now() - pinged_at, 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - pinged_at, 3500ms);
  ASSERT_EQ(woken.wait_for(2s), std::future_status::ready);
  auto answer = parse(woken.get());
  ASSERT_TRUE(answer.HasMember("changes")) << to_json(answer);
  EXPECT_STREQ(answer["changes"][0]["reason"].GetString(), "expired");
}

TEST_F(EtcdBackendTest, PingsThroughTheOtherNodeRenewAndUnregisterSaysWhy) {
  auto a = node("2");
  auto b = node("2");
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9001))));
  for (int i = 0; i < 8; ++i) {  // 4 s, twice the ttl, renewed through b only
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(ok(b->call("ping", ping_params("svc", 9001))));
    ASSERT_EQ(located_count(*a, "svc"), 1u) << "lost after " << (i + 1) * 500 << " ms";
  }
  const std::uint64_t index = watch_index(*a, "svc");
  ASSERT_TRUE(ok(b->call("unregister", ping_params("svc", 9001))));
  auto answer = a->call("watch_services", R"({"pattern":"svc","index":)" + std::to_string(index) + "}");
  ASSERT_TRUE(answer["result"].HasMember("changes")) << to_json(answer);
  EXPECT_STREQ(answer["result"]["changes"][0]["reason"].GetString(), "unregistered");
}

TEST_F(EtcdBackendTest, ALeaseLostBehindTheRegistrysBackIsMadeAgainByTheNextPing) {
  auto a = node();
  auto b = node();
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9001))));
  const std::string lease = lease_of(*etcd_, "/test/instances/svc/127.0.0.1/9001");
  ASSERT_FALSE(lease.empty());
  ASSERT_TRUE(etcd_->gateway(0, "/v3/lease/revoke", R"({"ID":")" + lease + "\"}"));
  ASSERT_TRUE(eventually([&] { return located_count(*a, "svc") == 0 && located_count(*b, "svc") == 0; }, 2s));

  auto renewed = a->call("ping", ping_params("svc", 9001));
  ASSERT_TRUE(ok(renewed)) << to_json(renewed);
  EXPECT_EQ(located_count(*a, "svc"), 1u);
  ASSERT_TRUE(eventually([&] { return located_count(*b, "svc") == 1; }, 1s));
  EXPECT_NE(lease_of(*etcd_, "/test/instances/svc/127.0.0.1/9001"), lease);
}

TEST_F(EtcdBackendTest, TwoNodesMakingTheSameInstanceAtOnceMakeOne) {
  auto a = node();
  auto b = node();
  for (int round = 0; round < 5; ++round) {
    const std::string params = ping_params("race" + std::to_string(round), 9001);
    auto first = std::async(std::launch::async, [&] { return ok(a->call("ping", params)); });
    auto second = std::async(std::launch::async, [&] { return ok(b->call("ping", params)); });
    ASSERT_TRUE(first.get());
    ASSERT_TRUE(second.get());
  }
  ASSERT_TRUE(eventually([&] { return located_count(*a, "race*") == 5 && located_count(*b, "race*") == 5; }));
  // One key, one lease each: the losers' leases were revoked.
  auto leases = etcd_->gateway(0, "/v3/lease/leases", "{}");
  ASSERT_TRUE(leases);
  auto doc = parse(*leases);
  ASSERT_TRUE(doc.HasMember("leases")) << *leases;
  EXPECT_EQ(doc["leases"].Size(), 5u) << *leases;
}

TEST_F(EtcdBackendTest, WithEtcdDownReadsServeThePastAndPingsGetBackendUnavailable) {
  auto a = node("3");
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9001))));
  ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9002))));
  etcd_->stop(0);
  int status = 0;
  ASSERT_TRUE(eventually([&] { return health_of(*a, &status).find("\"backend\":\"unreachable\"") != std::string::npos; }, 3s))
      << health_of(*a);
  EXPECT_EQ(status, 200);
  auto metrics = a->get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("gemstone_registry_backend_up 0"), std::string::npos);

  auto refused = a->call("ping", ping_params("svc", 9003));
  EXPECT_EQ(error_code_of(refused), -32003) << to_json(refused);
  EXPECT_STREQ(refused["error"]["message"].GetString(), "Backend unavailable");
  EXPECT_EQ(error_code_of(a->call("unregister", ping_params("svc", 9001))), -32003);
  // Nothing expires for lack of etcd: 5 s is past the 3 s ttl.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(located_count(*a, "svc"), 2u);

  etcd_->restart(0);
  const auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return ok(a->call("ping", ping_params("svc", 9003))); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - back, 5s);
  ASSERT_TRUE(eventually([&] { return health_of(*a).find("\"backend\":\"ok\"") != std::string::npos; }, 5s));
  // The view is etcd's again. 9001 and 9002 are pinged no more: the restart
  // gave their leases the full ttl, so on a slow machine they may have run
  // out by now; what a serves is what etcd holds, 9003 among it.
  EXPECT_TRUE(eventually([&] { return located_count(*a, "svc") == instances_in_etcd(*etcd_); }, 5s))
      << located_count(*a, "svc") << " located, " << instances_in_etcd(*etcd_) << " in etcd";
  auto located = a->call("locate_service", R"({"name":"svc"})");
  EXPECT_NE(to_json(located).find("\"port\":9003"), std::string::npos) << to_json(located);
}

TEST_F(EtcdBackendTest, ANodeStartedWhileEtcdIsDownIsNotReadyUntilItsFirstList) {
  {
    auto a = node();
    ASSERT_TRUE(ok(a->call("ping", ping_params("svc", 9001))));
  }
  etcd_->stop(0);
  RegistryProcess late(etcd_args(etcd_->endpoints()));
  int status = 0;
  const std::string starting = health_of(late, &status);
  EXPECT_EQ(status, 503) << starting;
  EXPECT_NE(starting.find("\"status\":\"starting\""), std::string::npos) << starting;
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(health_of(late, &status).find("\"status\":\"starting\"") != std::string::npos, true);
  EXPECT_EQ(status, 503);

  etcd_->restart(0);
  ASSERT_TRUE(eventually([&] { return health_of(late, &status).find("\"status\":\"ok\"") != std::string::npos; }, 5s));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(located_count(late, "svc"), 1u);  // ready means the whole view
}

TEST_F(EtcdBackendTest, ANodeWhoseWatchMissedACompactionListsAgainAndItsWatchersMissNothing) {
  TcpProxy proxy(etcd_->client_port(0));
  auto a = node("90", "http://127.0.0.1:" + std::to_string(proxy.port()));
  auto b = node();
  ASSERT_TRUE(ok(b->call("ping", ping_params("svc", 9001))));
  ASSERT_TRUE(ok(b->call("ping", ping_params("svc", 9002))));
  ASSERT_TRUE(eventually([&] { return located_count(*a, "svc") == 2; }));
  const std::uint64_t index = watch_index(*a, "svc");
  auto woken = std::async(std::launch::async, [&] {
    return to_json(a->call("watch_services", R"({"pattern":"svc","index":)" + std::to_string(index) +
                                                  R"(,"timeout":20})")["result"]);
  });
  std::this_thread::sleep_for(200ms);

  proxy.cut();  // a no longer hears etcd; etcd goes on
  ASSERT_TRUE(ok(b->call("unregister", ping_params("svc", 9001))));
  ASSERT_TRUE(ok(b->call("ping", ping_params("svc", 9003))));
  auto now = etcd_->gateway(0, "/v3/kv/range", R"({"key":")" + base64("/") + "\"}");
  ASSERT_TRUE(now);
  const std::string revision = parse(*now)["header"]["revision"].GetString();
  ASSERT_TRUE(etcd_->gateway(0, "/v3/kv/compaction", R"({"revision":")" + revision + "\"}"));
  EXPECT_EQ(located_count(*a, "svc"), 2u);  // still the view before the cut
  EXPECT_EQ(woken.wait_for(0s), std::future_status::timeout);

  proxy.mend();
  ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
  auto answer = parse(woken.get());
  ASSERT_EQ(answer["instances"].Size(), 2u) << to_json(answer);
  EXPECT_EQ(answer["instances"][0]["port"].GetInt(), 9002);
  EXPECT_EQ(answer["instances"][1]["port"].GetInt(), 9003);
  EXPECT_EQ(answer["index"].GetUint64(), std::stoull(revision));
  EXPECT_EQ(watch_index(*b, "svc"), watch_index(*a, "svc"));
  auto metrics = a->get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("gemstone_registry_backend_lists_total 2"), std::string::npos);
}

TEST_F(EtcdBackendTest, NotificationsAndBatchesWithPingsAreWrittenToo) {
  auto a = node();
  auto notified = a->post(R"({"jsonrpc":"2.0","method":"ping","params":)" + ping_params("n", 9001) + "}");
  ASSERT_TRUE(notified);
  EXPECT_EQ(notified->status, 204);
  EXPECT_EQ(located_count(*a, "n"), 1u);  // answered after etcd took it
  auto batch = a->post("[" + request_body("ping", ping_params("b", 9002), 1) + "," +
                       request_body("locate_service", R"({"name":"b"})", 2) + "]");
  ASSERT_TRUE(batch);
  auto answers = parse(batch->body);
  ASSERT_TRUE(answers.IsArray()) << batch->body;
  ASSERT_EQ(answers.Size(), 2u);
  EXPECT_TRUE(ok(answers[0])) << batch->body;
  EXPECT_EQ(answers[1]["result"].Size(), 1u);  // the ping before it is visible
  auto specs = a->call("get_service_specs");
  EXPECT_STREQ(specs["result"]["backend"].GetString(), "etcd");
}

// Pings go to etcd from a worker thread, after their request's buffers are
// gone: their token is still judged by the tokens a reload put in force, and
// the access log still names them.
TEST_F(EtcdBackendTest, ReloadedTokensAndTheAccessLogApplyToWritesToEtcd) {
  std::string tokens = ::testing::TempDir() + "etcd_write_tokens_" + std::to_string(::getpid());
  std::ofstream(tokens, std::ios::trunc) << "old-token\n";
  auto args = etcd_args(etcd_->endpoints());
  args.insert(args.end(), {"--write-token-file", tokens, "--access-log", "true"});
  RegistryProcess node(args);
  ASSERT_TRUE(eventually([&] { return health_of(node).find("\"status\":\"ok\"") != std::string::npos; }, 5s));
  auto ping_with = [&](const std::string& token) {
    httplib::Client client("127.0.0.1", node.port());
    client.set_read_timeout(10);
    auto res = client.Post("/api", {{"Authorization", "Bearer " + token}},
                           request_body("ping", ping_params("svc.tok", 9001), 1), "application/json");
    return res ? parse(res->body) : rapidjson::Document();
  };
  ASSERT_TRUE(ok(ping_with("old-token")));
  std::ofstream(tokens, std::ios::trunc) << "new-token\n";
  node.process().send_signal(SIGHUP);
  ASSERT_TRUE(node.process().wait_for_stderr(
      [](const std::string& err) { return err.find("reload finished") != std::string::npos; }, 10s));
  auto refused = ping_with("old-token");
  ASSERT_TRUE(refused.HasMember("error") && refused["error"].IsObject()) << to_json(refused);
  EXPECT_EQ(refused["error"]["code"].GetInt(), -32001);
  EXPECT_TRUE(ok(ping_with("new-token")));
  EXPECT_TRUE(node.process().wait_for_stderr(
      [](const std::string& err) { return err.find("ms, rpc ping\n") != std::string::npos; }, 5s))
      << node.process().err();
  std::remove(tokens.c_str());
}

TEST(EtcdBackendConfigTest, StateFileWithEtcdStopsTheStartWithOneLine) {
  auto result = run(registry_binary(), {"--backend", "etcd", "--state-file", "/tmp/x.json"},
                    with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("state_file cannot be used with backend = \"etcd\""), std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(EtcdBackendConfigTest, BadEtcdOptionsStopTheStart) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--etcd-endpoints", "ftp://h:1"},
        std::vector<std::string>{"--etcd-endpoints", "http://h:1,"},
        std::vector<std::string>{"--etcd-endpoints", "http://h:1/v3"},
        std::vector<std::string>{"--etcd-endpoints", "http://a:1,https://b:2"},
        std::vector<std::string>{"--etcd-timeout", "0"},
        std::vector<std::string>{"--backend", "redis"},
        std::vector<std::string>{"--backend", "etcd", "--etcd-cert", "/x.pem"},
        std::vector<std::string>{"--backend", "etcd", "--etcd-cacert", "/ca.pem"}}) {
    auto result = run(registry_binary(), args, with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
    EXPECT_EQ(result.status, 2) << args[1];
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST(EtcdBackendConfigTest, AnUnreachableEtcdAtStartIsRetriedNotFatal) {
  RegistryProcess node({"--backend", "etcd", "--etcd-endpoints", "http://127.0.0.1:1"});
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(node.process().wait(0ms)) << "exited";
  auto health = node.get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_NE(node.process().err().find("etcd unreachable"), std::string::npos) << node.process().err();
}

}  // namespace
}  // namespace gemstone::testing
