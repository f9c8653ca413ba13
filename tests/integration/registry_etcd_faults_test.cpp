// The etcd backend under faults: a 3-member etcd cluster on loopback and two
// or three registry nodes over it. One test per fault of issue 12: an etcd
// member killed under load, all of etcd down, a registry node killed and a new
// one started, a compaction past a node's watch revision, and lost leases.
// Short ttls and the harness's fast elections keep each test well under a
// minute; every wait is bounded and every process is stopped by its owner.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "etcd_cluster.hpp"
#include "eventually.hpp"
#include "raw_http.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---------------------------------------------------------------- registry side

std::vector<std::string> node_args(const std::string& endpoints, double ttl) {
  std::ostringstream t;
  t << ttl;
  return {"--backend", "etcd", "--etcd-endpoints", endpoints, "--ttl", t.str()};
}

// One keep-alive connection to a node, as a client library holds it.
class Rpc {
 public:
  explicit Rpc(int port) : client_("127.0.0.1", port) {
    client_.set_connection_timeout(2);
    client_.set_read_timeout(10);
    client_.set_write_timeout(5);
    client_.set_tcp_nodelay(true);
    client_.set_keep_alive(true);
  }

  struct Answer {
    bool answered = false;  ///< a JSON-RPC response came back
    int code = 0;           ///< its error code; 0 on success
    std::string text;       ///< the body, or what went wrong
    rapidjson::Document doc;
    bool ok() const { return answered && code == 0; }
  };

  Answer call(const std::string& method, const std::string& params) {
    Answer a;
    auto res = client_.Post("/api", request_body(method, params), "application/json");
    if (!res) {
      a.text = "transport: " + httplib::to_string(res.error());
      return a;
    }
    a.text = res->body;
    a.doc.Parse(res->body.c_str(), res->body.size());
    if (res->status != 200 || a.doc.HasParseError() || !a.doc.IsObject()) return a;
    a.answered = true;
    if (a.doc.HasMember("error") && a.doc["error"].IsObject() && a.doc["error"].HasMember("code") &&
        a.doc["error"]["code"].IsInt()) {
      a.code = a.doc["error"]["code"].GetInt();
    }
    return a;
  }

  /// GET `path`: status (0 on a transport error) and body.
  std::pair<int, std::string> get(const std::string& path) {
    auto res = client_.Get(path.c_str());
    if (!res) return {0, "transport: " + httplib::to_string(res.error())};
    return {res->status, res->body};
  }

 private:
  httplib::Client client_;
};

std::string ping_params(const std::string& name, int port, const std::string& meta = "") {
  std::string p = R"({"name":")" + name + R"(","host":"127.0.0.1","port":)" + std::to_string(port);
  if (!meta.empty()) p += R"(,"meta":)" + meta;
  return p + "}";
}

Rpc::Answer ping(RegistryProcess& node, const std::string& name, int port, const std::string& meta = "") {
  return Rpc(node.port()).call("ping", ping_params(name, port, meta));
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  v.Accept(writer);
  return out.GetString();
}

// The instances in a result array, as "name:port" -> meta (JSON text).
using View = std::map<std::string, std::string>;

View view_of(const rapidjson::Value& instances) {
  View view;
  if (!instances.IsArray()) return view;
  for (const auto& i : instances.GetArray()) {
    if (!i.IsObject() || !i.HasMember("name") || !i.HasMember("port")) continue;
    view[std::string(i["name"].GetString()) + ":" + std::to_string(i["port"].GetInt())] =
        i.HasMember("meta") ? to_json(i["meta"]) : "{}";
  }
  return view;
}

/// What locate_service(pattern) answers on `node`; nothing when the call fails.
std::optional<View> located(RegistryProcess& node, const std::string& pattern) {
  auto a = Rpc(node.port()).call("locate_service", R"({"name":")" + pattern + "\"}");
  if (!a.ok() || !a.doc["result"].IsArray()) return std::nullopt;
  return view_of(a.doc["result"]);
}

std::size_t located_count_on(RegistryProcess& node, const std::string& pattern) {
  auto v = located(node, pattern);
  return v ? v->size() : 0;
}

std::string describe(const std::optional<View>& view) {
  if (!view) return "(locate failed)";
  std::string out;
  for (const auto& [k, meta] : *view) out += k + meta + " ";
  return out.empty() ? "(none)" : out;
}

// What /health says.
std::pair<int, std::string> health(RegistryProcess& node) { return Rpc(node.port()).get("/health"); }

/// 200 and not "unreachable": serving with its backend.
bool backend_ok(RegistryProcess& node) {
  auto [status, body] = health(node);
  return status == 200 && body.find("unreachable") == std::string::npos;
}

bool backend_unreachable(RegistryProcess& node) {
  auto [status, body] = health(node);
  return status == 200 && body.find("\"backend\":\"unreachable\"") != std::string::npos;
}

bool wait_ready(RegistryProcess& node, std::chrono::milliseconds timeout = 20s) {
  return eventually([&] { return backend_ok(node); }, timeout, 20ms);
}

std::string metrics(RegistryProcess& node) { return Rpc(node.port()).get("/metrics").second; }

/// The value of an unlabelled metric; -1 when it is not there.
double counter(RegistryProcess& node, const std::string& name) {
  const std::string text = metrics(node);
  const auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

// ------------------------------------------------------------------- etcd side

std::optional<rapidjson::Document> etcd_call(const EtcdCluster& etcd, int member, const std::string& path,
                                             const std::string& body) {
  if (!etcd.running(member)) return std::nullopt;
  auto text = etcd.gateway(member, path, body);
  if (!text) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(text->c_str(), text->size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  return doc;
}

std::string string_member(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

std::string member_id(const EtcdCluster& etcd, int member) {
  auto s = etcd_call(etcd, member, "/v3/maintenance/status", "{}");
  return s && s->HasMember("header") ? string_member((*s)["header"], "member_id") : "";
}

/// Moves etcd's leadership to `member` (so that killing it also costs an
/// election); true once every running member names it leader.
bool make_leader(const EtcdCluster& etcd, int member) {
  const std::string target = member_id(etcd, member);
  if (target.empty()) return false;
  return eventually(
      [&] {
        std::string leader;
        for (int i = 0; i < etcd.size(); ++i) {
          auto s = etcd_call(etcd, i, "/v3/maintenance/status", "{}");
          if (!s) continue;
          leader = string_member(*s, "leader");
          if (leader != target) break;
        }
        if (leader == target) return true;
        for (int i = 0; i < etcd.size(); ++i) {
          if (member_id(etcd, i) == leader) {
            etcd.gateway(i, "/v3/maintenance/transfer-leadership", R"({"targetID":")" + target + "\"}");
          }
        }
        return false;
      },
      10s, 100ms);
}

/// etcd's current revision, as member `member` reports it; 0 when it cannot.
std::int64_t current_revision(const EtcdCluster& etcd, int member) {
  auto r = etcd_call(etcd, member, "/v3/kv/range", R"({"key":")" + base64("/") + "\"}");
  if (!r || !r->HasMember("header")) return 0;
  const std::string rev = string_member((*r)["header"], "revision");
  return rev.empty() ? 0 : std::stoll(rev);
}

/// Revokes every lease etcd holds, behind the registry's back; how many.
int revoke_all_leases(const EtcdCluster& etcd, int member) {
  auto leases = etcd_call(etcd, member, "/v3/lease/leases", "{}");
  if (!leases || !leases->HasMember("leases") || !(*leases)["leases"].IsArray()) return 0;
  int revoked = 0;
  for (const auto& l : (*leases)["leases"].GetArray()) {
    const std::string id = string_member(l, "ID");
    if (!id.empty() && etcd.gateway(member, "/v3/lease/revoke", R"({"ID":")" + id + "\"}")) ++revoked;
  }
  return revoked;
}

// ------------------------------------------------------------------------ tests

// One member (the leader, and the first endpoint of both nodes) SIGKILLed
// while two client threads register and renew through two nodes and two
// others locate: no acknowledged registration is lost, no locate fails, and
// pings fail for at most 2 s, then all succeed.
TEST(EtcdFaults, MemberKilledUnderLoadLosesNoAcknowledgedRegistration) {
  REQUIRE_ETCD();
  auto etcd = EtcdCluster::start(3);
  ASSERT_TRUE(make_leader(*etcd, 0)) << "could not move etcd's leadership to member 0";
  RegistryProcess a(node_args(etcd->endpoints(), 30));
  RegistryProcess b(node_args(etcd->endpoints(), 30));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();

  struct PingRecord {
    Clock::time_point began;
    std::string key;  // name:port
    bool ok;
    std::string detail;
  };
  struct Failure {
    Clock::time_point at;
    std::string detail;
  };
  std::mutex mutex;
  std::vector<PingRecord> pings;
  std::vector<Failure> locate_failures;
  std::size_t locates = 0;
  std::atomic<bool> stop{false};

  auto pinger = [&](RegistryProcess& node, const std::string& name) {
    Rpc rpc(node.port());
    for (int k = 0; !stop && k < 20000; ++k) {
      // A new instance each round, and a renewal of an older one.
      for (int port : {1000 + k, 1000 + k / 2}) {
        const auto began = Clock::now();
        auto answer = rpc.call("ping", ping_params(name, port));
        std::lock_guard<std::mutex> lock(mutex);
        pings.push_back({began, name + ":" + std::to_string(port), answer.ok(), answer.text});
      }
      std::this_thread::sleep_for(3ms);
    }
  };
  auto locator = [&](RegistryProcess& node) {
    Rpc rpc(node.port());
    while (!stop) {
      auto answer = rpc.call("locate_service", R"({"name":"load.*"})");
      std::lock_guard<std::mutex> lock(mutex);
      ++locates;
      if (!answer.ok() || !answer.doc["result"].IsArray()) locate_failures.push_back({Clock::now(), answer.text});
      std::this_thread::sleep_for(3ms);
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(pinger, std::ref(a), "load.a");
  threads.emplace_back(pinger, std::ref(b), "load.b");
  threads.emplace_back(locator, std::ref(a));
  threads.emplace_back(locator, std::ref(b));

  std::this_thread::sleep_for(2s);
  const auto killed_at = Clock::now();
  etcd->kill(0);
  std::this_thread::sleep_for(6s);
  stop = true;
  for (auto& t : threads) t.join();

  std::set<std::string> acknowledged;
  int failed_before = 0, failed_after = 0, failed_late = 0, ok_late = 0;
  double last_failure = -1;
  std::string first_late_failure;
  for (const auto& p : pings) {
    const double since_kill = std::chrono::duration<double>(p.began - killed_at).count();
    if (p.ok) acknowledged.insert(p.key);
    if (since_kill >= 2.0) (p.ok ? ok_late : failed_late)++;
    if (p.ok) continue;
    (since_kill < 0 ? failed_before : failed_after)++;
    last_failure = std::max(last_failure, since_kill);
    if (since_kill >= 2.0 && first_late_failure.empty()) first_late_failure = p.detail;
  }
  std::cout << "[ info ] " << pings.size() << " pings, " << failed_after << " failed after the kill";
  if (failed_after > 0) std::cout << " (the last began " << last_failure << " s after it)";
  std::cout << ", " << locates << " locates\n";
  EXPECT_TRUE(locate_failures.empty()) << locate_failures.size() << " locates failed, first: "
                                       << locate_failures.front().detail;
  EXPECT_EQ(0, failed_before);
  EXPECT_EQ(0, failed_late) << "pings that began 2 s or more after the kill failed; first: " << first_late_failure;
  EXPECT_GT(ok_late, 200) << "too few pings after the kill for the test to mean anything";

  // Every acknowledged registration is in both views (ttl 30 s: none expired).
  for (RegistryProcess* node : {&a, &b}) {
    std::optional<View> view;
    const bool all = eventually(
        [&] {
          view = located(*node, "load.*");
          return view && std::all_of(acknowledged.begin(), acknowledged.end(),
                                     [&](const std::string& k) { return view->count(k) == 1; });
        },
        3s, 100ms);
    std::size_t missing = 0;
    for (const auto& k : acknowledged) missing += view && view->count(k) == 0 ? 1 : 0;
    EXPECT_TRUE(all) << missing << " of " << acknowledged.size() << " acknowledged registrations are missing";
  }
  EXPECT_TRUE(backend_ok(a));
  EXPECT_TRUE(backend_ok(b));
}

// All of etcd down for twice the ttl: both nodes keep serving the last view
// (locate and watch) with /health 200 "backend":"unreachable" and the metric
// saying so, pings get -32003, nothing expires; when etcd returns, the view
// is whole again within 5 s, and the unpinged instances then expire.
TEST(EtcdFaults, EtcdDownNodesServeTheLastViewAndRecoverWithinFiveSeconds) {
  REQUIRE_ETCD();
  const double ttl = 5;
  auto etcd = EtcdCluster::start(3);
  RegistryProcess a(node_args(etcd->endpoints(), ttl));
  RegistryProcess b(node_args(etcd->endpoints(), ttl));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ping(a, "kept." + std::to_string(i), 2000 + i).ok());
  ASSERT_TRUE(ping(b, "kept.b", 2100).ok());
  ASSERT_TRUE(eventually([&] { return located_count_on(a, "kept.*") == 6 && located_count_on(b, "kept.*") == 6; },
                         2s));
  const View before = *located(a, "kept.*");
  auto first = Rpc(b.port()).call("watch_services", R"({"pattern":"kept.*","index":0})");
  ASSERT_TRUE(first.ok()) << first.text;
  const std::uint64_t index = first.doc["result"]["index"].GetUint64();

  for (int i = 0; i < 3; ++i) etcd->kill(i);
  const auto down_at = Clock::now();
  EXPECT_TRUE(eventually([&] { return backend_unreachable(a) && backend_unreachable(b); }, 5s))
      << "health: " << health(a).second << " / " << health(b).second;
  EXPECT_NE(std::string::npos, metrics(a).find("gemstone_registry_backend_up 0")) << metrics(a);

  auto refused = Rpc(a.port()).call("ping", ping_params("kept.0", 2000));
  EXPECT_EQ(-32003, refused.code) << refused.text;
  EXPECT_NE(std::string::npos, refused.text.find("Backend unavailable")) << refused.text;
  auto refused_new = Rpc(b.port()).call("ping", ping_params("new.0", 3000));
  EXPECT_EQ(-32003, refused_new.code) << refused_new.text;

  // A watch that waits times out with the same view and index: nothing changed.
  auto waited = Rpc(b.port()).call("watch_services",
                                   R"({"pattern":"kept.*","index":)" + std::to_string(index) + R"(,"timeout":1})");
  ASSERT_TRUE(waited.ok()) << waited.text;
  EXPECT_EQ(index, waited.doc["result"]["index"].GetUint64());
  EXPECT_EQ(before, view_of(waited.doc["result"]["instances"]));

  // Twice the ttl without etcd: nothing expires, on either node.
  int samples = 0;
  while (seconds_since(down_at) < 2 * ttl) {
    for (RegistryProcess* node : {&a, &b}) {
      auto view = located(*node, "kept.*");
      ASSERT_TRUE(view && *view == before) << seconds_since(down_at) << " s into the outage: " << describe(view);
    }
    ++samples;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_GT(samples, 10);

  for (int i = 0; i < 3; ++i) etcd->restart(i, false);
  ASSERT_TRUE(eventually([&] { return etcd->healthy(0) && etcd->healthy(1) && etcd->healthy(2); }, 20s))
      << etcd->log(0);
  const auto back_at = Clock::now();
  // Within 5 s: both nodes serve with their backend, a ping through A is
  // acknowledged and located on B, and the old view is still there (etcd
  // restarted every lease's ttl when it came back).
  EXPECT_TRUE(eventually([&] { return backend_ok(a) && backend_ok(b); }, 5s))
      << health(a).second << " / " << health(b).second;
  EXPECT_TRUE(eventually([&] { return ping(a, "after.0", 4000).ok() && located_count_on(b, "after.0") == 1; },
                         std::chrono::milliseconds(static_cast<int>(5000 - 1000 * seconds_since(back_at)))))
      << "a ping through A was not located on B within 5 s of etcd's return";
  EXPECT_LT(seconds_since(back_at), 5.5);
  EXPECT_EQ(before, located(b, "kept.*").value_or(View{}));
  EXPECT_NE(std::string::npos, metrics(a).find("gemstone_registry_backend_up 1"));
  // Not pinged since: they expire from both views, so the watch runs again.
  EXPECT_TRUE(eventually([&] { return located_count_on(a, "kept.*") == 0 && located_count_on(b, "kept.*") == 0; },
                         std::chrono::milliseconds(static_cast<int>((ttl + 5) * 1000))))
      << describe(located(a, "kept.*")) << " / " << describe(located(b, "kept.*"));
}

// A registry node SIGKILLed: the other node goes on serving, renews the dead
// node's instances when pinged, and lets the others expire at their ttl; a
// node started later says ready only once it holds the whole view.
TEST(EtcdFaults, KilledNodeLeavesTheOthersServingAndANewNodeIsReadyWithTheFullView) {
  REQUIRE_ETCD();
  // The bulk below is registered once and must all be live together: on a
  // loaded machine registering it takes seconds, so the ttl leaves room.
  const double ttl = 6;
  auto etcd = EtcdCluster::start(3);
  RegistryProcess a(node_args(etcd->endpoints(), ttl));
  RegistryProcess b(node_args(etcd->endpoints(), ttl));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ping(a, "viaa." + std::to_string(i), 5000 + i).ok());
  const auto last_ping = Clock::now();
  ASSERT_TRUE(eventually([&] { return located_count_on(b, "viaa.*") == 5; }, 2s));

  a.process().send_signal(SIGKILL);
  ASSERT_TRUE(a.process().wait(5s));
  EXPECT_TRUE(backend_ok(b));
  EXPECT_EQ(5u, located_count_on(b, "viaa.*"));

  // A service that pinged through A now pings through B, which renews it.
  std::atomic<bool> stop{false};
  std::atomic<int> renew_failures{0};
  std::thread renewer([&] {
    Rpc rpc(b.port());
    while (!stop) {
      if (!rpc.call("ping", ping_params("viaa.0", 5000)).ok()) ++renew_failures;
      for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(50ms);
    }
  });
  // A failed ASSERT returns early: the renewer must still be stopped.
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, renewer};

  // Enough instances that the new node's first list takes a moment.
  const int bulk = 500;
  for (int first = 0; first < bulk; first += 100) {
    std::string batch = "[";
    for (int k = first; k < first + 100; ++k) {
      if (k > first) batch += ",";
      batch += request_body("ping", ping_params("bulk." + std::to_string(k / 10), 10000 + k), k + 1);
    }
    batch += "]";
    auto res = b.post(batch);
    ASSERT_TRUE(res && res->status == 200) << (res ? res->body : std::string("transport error"));
    ASSERT_EQ(std::string::npos, res->body.find("\"code\"")) << res->body.substr(0, 500);
  }
  ASSERT_TRUE(eventually([&] { return located_count_on(b, "bulk.*") == std::size_t(bulk); }, 5s));

  // A new node: /health is polled from its first moment; at its first 200
  // it must already answer with everything B holds.
  const View b_before = located(b, "*").value_or(View{});
  RegistryProcess c(node_args(etcd->endpoints(), ttl));
  Rpc poll(c.port());
  int not_ready = 0;
  bool ready = false;
  std::string early;
  const auto deadline = Clock::now() + 20s;
  while (Clock::now() < deadline) {
    auto [status, body] = poll.get("/health");
    if (status == 200) {
      ready = true;
      break;
    }
    ++not_ready;
    if (status != 503 || body.find("starting") == std::string::npos) early = std::to_string(status) + " " + body;
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(ready) << c.process().err();
  const auto c_view = located(c, "*");
  const View b_after = located(b, "*").value_or(View{});
  ASSERT_TRUE(c_view);
  std::cout << "[ info ] the new node answered /health " << not_ready << " times before its first 200\n";
  EXPECT_TRUE(early.empty()) << "before ready, /health answered " << early;
  // Whatever B held both before and after is in C's first view.
  std::size_t missing = 0;
  for (const auto& [k, meta] : b_before) missing += b_after.count(k) && !c_view->count(k) ? 1 : 0;
  EXPECT_EQ(0u, missing) << "the new node said ready with " << c_view->size() << " instances, B holds "
                         << b_after.size();
  EXPECT_GE(c_view->size(), std::size_t(bulk));

  // The dead node's instances that nobody renews expire at their ttl; the
  // renewed one stays, on both live nodes.
  const auto due = last_ping + std::chrono::milliseconds(static_cast<int>(ttl * 1000));
  std::this_thread::sleep_until(due);
  for (RegistryProcess* node : {&b, &c}) {
    EXPECT_TRUE(eventually([&] { return located(*node, "viaa.*") == View{{"viaa.0:5000", "{}"}}; }, 2500ms))
        << describe(located(*node, "viaa.*"));
  }
  stop = true;
  renewer.join();
  EXPECT_EQ(0, renew_failures.load());
}

// A node whose only etcd member is down misses changes, and etcd compacts
// past the revision its watch had reached: when the member is back the node
// must list again, and its watchers see the true state.
TEST(EtcdFaults, CompactionPastTheWatchRevisionMakesTheNodeListAgain) {
  REQUIRE_ETCD();
  auto etcd = EtcdCluster::start(3);
  ASSERT_TRUE(make_leader(*etcd, 1));  // stopping member 0 then costs no election
  RegistryProcess a(node_args(etcd->client_url(0), 30));
  RegistryProcess b(node_args(etcd->client_url(1) + "," + etcd->client_url(2), 30));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();
  ASSERT_TRUE(ping(b, "comp.keep", 1).ok());
  ASSERT_TRUE(ping(b, "comp.gone", 2).ok());
  ASSERT_TRUE(ping(b, "comp.meta", 3, R"({"v":"1"})").ok());
  ASSERT_TRUE(eventually([&] { return located_count_on(a, "comp.*") == 3; }, 2s));
  auto first = Rpc(a.port()).call("watch_services", R"({"pattern":"comp.*","index":0})");
  ASSERT_TRUE(first.ok()) << first.text;
  const std::uint64_t index = first.doc["result"]["index"].GetUint64();
  const double lists_before = counter(a, "gemstone_registry_backend_lists_total");
  ASSERT_GE(lists_before, 1);
  const std::string parked_request = request_body(
      "watch_services", R"({"pattern":"comp.*","index":)" + std::to_string(index) + R"(,"timeout":60})");
  const int parked = connect_loopback(a.port());
  ASSERT_GE(parked, 0);
  ASSERT_TRUE(send_all(parked, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               "Content-Length: " + std::to_string(parked_request.size()) + "\r\n\r\n" +
                                   parked_request));

  // A loses its member; meanwhile B adds, removes and updates, and etcd
  // compacts everything up to now.
  etcd->stop(0);
  ASSERT_TRUE(ping(b, "comp.new", 4).ok());
  ASSERT_TRUE(Rpc(b.port()).call("unregister", ping_params("comp.gone", 2)).ok());
  ASSERT_TRUE(ping(b, "comp.meta", 3, R"({"v":"2"})").ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ping(b, "other." + std::to_string(i), 100 + i).ok());
  const std::int64_t revision = current_revision(*etcd, 1);
  ASSERT_GT(revision, 0);
  ASSERT_TRUE(etcd->gateway(1, "/v3/kv/compaction",
                            R"({"revision":")" + std::to_string(revision) + R"(","physical":true})"));
  const View truth = located(b, "comp.*").value_or(View{});
  ASSERT_EQ(3u, truth.size()) << describe(truth);

  etcd->restart(0);
  // The parked watcher wakes with the true state, and A's view is B's.
  Received woke = receive_until(parked, 15s, [](const std::string& bytes) {
    const auto head_end = bytes.find("\r\n\r\n");
    const auto at = bytes.find("Content-Length: ");
    return head_end != std::string::npos && at != std::string::npos &&
           bytes.size() >= head_end + 4 + std::stoul(bytes.substr(at + 16));
  });
  ::close(parked);
  const auto body_at = woke.bytes.find("\r\n\r\n");
  ASSERT_NE(std::string::npos, body_at) << "the parked watcher was not answered; A's log:\n" << a.process().err();
  rapidjson::Document answer;
  answer.Parse(woke.bytes.c_str() + body_at + 4);
  ASSERT_TRUE(!answer.HasParseError() && answer.HasMember("result")) << woke.bytes;
  // It may have been woken by the first of the changes; a watcher that goes
  // on from each answer's index (as `gemstone watch` does) must reach the
  // true state without waiting for a change it has already missed.
  View seen = view_of(answer["result"]["instances"]);
  std::uint64_t at = answer["result"]["index"].GetUint64();
  for (int round = 0; round < 10 && seen != truth; ++round) {
    const auto asked = Clock::now();
    auto next = Rpc(a.port()).call("watch_services",
                                   R"({"pattern":"comp.*","index":)" + std::to_string(at) + R"(,"timeout":3})");
    ASSERT_TRUE(next.ok()) << next.text;
    EXPECT_LT(seconds_since(asked), 2.0) << "a watcher at index " << at << " holding " << describe(seen)
                                         << " waited for changes that had already happened";
    seen = view_of(next.doc["result"]["instances"]);
    at = next.doc["result"]["index"].GetUint64();
  }
  EXPECT_EQ(truth, seen);
  EXPECT_GE(at, static_cast<std::uint64_t>(revision));
  EXPECT_TRUE(eventually([&] { return located(a, "comp.*") == truth; }, 5s)) << describe(located(a, "comp.*"));
  // A watcher that comes back with the old index is answered at once, with the same.
  auto again = Rpc(a.port()).call("watch_services",
                                  R"({"pattern":"comp.*","index":)" + std::to_string(index) + R"(,"timeout":5})");
  ASSERT_TRUE(again.ok()) << again.text;
  EXPECT_EQ(truth, view_of(again.doc["result"]["instances"]));
  // It really listed again, because of the compaction.
  EXPECT_NE(std::string::npos, a.process().err().find("compacted past revision")) << a.process().err();
  EXPECT_GT(counter(a, "gemstone_registry_backend_lists_total"), lists_before);
  EXPECT_TRUE(backend_ok(a));
}

// Every lease revoked behind the registry's back: a service's next ping,
// through either node, brings it back at once, and it stays.
TEST(EtcdFaults, RevokedLeaseComesBackAfterOnePing) {
  REQUIRE_ETCD();
  const double ttl = 3;
  auto etcd = EtcdCluster::start(3);
  RegistryProcess a(node_args(etcd->endpoints(), ttl));
  RegistryProcess b(node_args(etcd->endpoints(), ttl));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();
  for (RegistryProcess* through : {&a, &b}) {
    ASSERT_TRUE(ping(*through, "lease.svc", 7000).ok());
    ASSERT_TRUE(eventually([&] { return located_count_on(a, "lease.svc") == 1 && located_count_on(b, "lease.svc") == 1; },
                           2s));
    ASSERT_GE(revoke_all_leases(*etcd, 1), 1);
    // The very next ping (before or after the node saw the deletion).
    auto back = ping(*through, "lease.svc", 7000);
    const auto pinged_at = Clock::now();
    ASSERT_TRUE(back.ok()) << back.text;
    EXPECT_TRUE(eventually([&] { return located_count_on(a, "lease.svc") == 1 && located_count_on(b, "lease.svc") == 1; },
                           1s))
        << "not back on both nodes within 1 s of the ping";
    // It is really in etcd with a live lease: one ttl later (renewed once) it is still there.
    std::this_thread::sleep_until(pinged_at + std::chrono::milliseconds(static_cast<int>(ttl * 500)));
    ASSERT_TRUE(ping(*through, "lease.svc", 7000).ok());
    std::this_thread::sleep_until(pinged_at + std::chrono::milliseconds(static_cast<int>(ttl * 1000 + 500)));
    EXPECT_EQ(1u, located_count_on(a, "lease.svc"));
    EXPECT_EQ(1u, located_count_on(b, "lease.svc"));
  }
}

// A node cut off from etcd (its only member down) longer than the ttl: the
// cluster expires the leases it made while the node still holds them. The
// service keeps pinging through that node; the first ping acknowledged after
// the member returns brings it back, on every node, and it stays.
TEST(EtcdFaults, LeaseLostDuringAnOutageComesBackAfterOnePing) {
  REQUIRE_ETCD();
  const double ttl = 2;
  auto etcd = EtcdCluster::start(3);
  ASSERT_TRUE(make_leader(*etcd, 1));  // member 0's loss must not reset the leases
  RegistryProcess a(node_args(etcd->client_url(0), ttl));
  RegistryProcess b(node_args(etcd->client_url(1) + "," + etcd->client_url(2), ttl));
  ASSERT_TRUE(wait_ready(a)) << a.process().err();
  ASSERT_TRUE(wait_ready(b)) << b.process().err();

  struct Outcome {
    Clock::time_point at;
    bool ok;
    int code;
  };
  std::mutex mutex;
  std::vector<Outcome> outcomes;
  std::atomic<bool> stop{false};
  std::thread service([&] {
    Rpc rpc(a.port());
    while (!stop) {
      auto answer = rpc.call("ping", ping_params("lost.svc", 7100));
      {
        std::lock_guard<std::mutex> lock(mutex);
        outcomes.push_back({Clock::now(), answer.ok(), answer.code});
      }
      for (int i = 0; i < 6 && !stop; ++i) std::this_thread::sleep_for(50ms);
    }
  });
  ASSERT_TRUE(eventually([&] { return located_count_on(b, "lost.svc") == 1; }, 2s));

  etcd->stop(0);
  const auto cut_at = Clock::now();
  // The cluster expires the lease: B sees the instance go.
  EXPECT_TRUE(eventually([&] { return located_count_on(b, "lost.svc") == 0; },
                         std::chrono::milliseconds(static_cast<int>(ttl * 1000 + 4000))));
  std::this_thread::sleep_for(500ms);
  etcd->restart(0);

  // The first acknowledged ping after the cut brings the service back on B.
  std::optional<Clock::time_point> first_ok;
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& o : outcomes) {
          if (o.at > cut_at + 1s && o.ok) {
            first_ok = o.at;
            return true;
          }
        }
        return false;
      },
      15s))
      << "no ping through A was acknowledged after its member returned; A:\n"
      << a.process().err();
  EXPECT_TRUE(eventually([&] { return located_count_on(b, "lost.svc") == 1; }, 1s))
      << "acknowledged, but not located on B within 1 s";
  EXPECT_LT(seconds_since(*first_ok), 1.5);
  // And it stays: sampled on both nodes for twice the ttl.
  const auto watch_from = Clock::now();
  int misses = 0;
  while (seconds_since(watch_from) < 2 * ttl) {
    misses += located_count_on(a, "lost.svc") == 1 && located_count_on(b, "lost.svc") == 1 ? 0 : 1;
    std::this_thread::sleep_for(100ms);
  }
  stop = true;
  service.join();
  EXPECT_EQ(0, misses);
  std::lock_guard<std::mutex> lock(mutex);
  int refused = 0, failed_after = 0;
  for (const auto& o : outcomes) {
    if (o.at > cut_at && !o.ok && o.code == -32003) ++refused;
    if (first_ok && o.at > *first_ok && !o.ok) ++failed_after;
  }
  EXPECT_GT(refused, 0) << "pings through the cut-off node should get -32003";
  EXPECT_EQ(0, failed_after);
}

}  // namespace
}  // namespace gemstone::testing
