// RemoteService over real HTTP against an in-process server (gemstone's
// Dispatcher behind cpp-httplib on a loopback port, started in SetUp and
// stopped in TearDown): identification, calls, notifications, async calls,
// batches, keep-alive, headers, both response styles, odd answers.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/remote_service.hpp"

namespace gemstone {
namespace {

using jsonrpc::Allocator;
using jsonrpc::MethodResult;
using jsonrpc::Params;

class InProcessServer {
 public:
  /// Answers with `override_answer` instead of the dispatcher when it is set.
  using Override = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit InProcessServer(jsonrpc::ResponseStyle style, Override override_answer = nullptr)
      : dispatcher_(jsonrpc::DispatcherOptions{style, jsonrpc::kDefaultMaxDepth, 100}),
        override_(std::move(override_answer)) {
    dispatcher_.add({"get_service_specs", {}, 0, "specs", [](const Params&, Allocator& a) -> MethodResult {
                       rapidjson::Value out(rapidjson::kObjectType);
                       out.AddMember("name", "inproc", a);
                       rapidjson::Value methods(rapidjson::kObjectType);
                       methods.AddMember("add", "adds", a);
                       methods.AddMember("touch", "counts", a);
                       out.AddMember("methods", methods, a);
                       return out;
                     }});
    dispatcher_.add({"add", {"a", "b"}, 2, "adds", [](const Params& p, Allocator&) -> MethodResult {
                       return rapidjson::Value(p[0]->GetInt() + p[1]->GetInt());
                     }});
    dispatcher_.add({"touch", {}, 0, "counts", [this](const Params&, Allocator&) -> MethodResult {
                       ++touched;
                       return rapidjson::Value(true);
                     }});
    dispatcher_.add({"fail", {}, 0, "fails", [](const Params&, Allocator&) -> MethodResult {
                       return jsonrpc::Error{-32099, "nope", R"({"x":1})"};
                     }});
    dispatcher_.add({"sleep_ms", {"ms"}, 1, "sleeps", [](const Params& p, Allocator&) -> MethodResult {
                       std::this_thread::sleep_for(std::chrono::milliseconds(p[0]->GetInt()));
                       return rapidjson::Value(p[0]->GetInt());
                     }});
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1000);
    server_.Post("/api", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        last_token_ = req.get_header_value("X-Api-Token");
      }
      if (override_) return override_(req, res);
      std::string body = dispatcher_.handle(req.body);
      if (body.empty()) {
        res.status = 204;
      } else {
        res.set_content(body, "application/json");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~InProcessServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api"; }
  std::string last_token() {
    std::lock_guard lock(mutex_);
    return last_token_;
  }

  std::atomic<int> touched{0};

 private:
  jsonrpc::Dispatcher dispatcher_;
  Override override_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string last_token_;
};

class RemoteServiceTest : public ::testing::TestWithParam<jsonrpc::ResponseStyle> {
 protected:
  InProcessServer server{GetParam()};
  RemoteService connect(ClientOptions options = {}) {
    auto service = RemoteService::connect(server.url(), std::move(options));
    EXPECT_TRUE(service.ok()) << service.error().describe();
    return std::move(service).value();
  }
};

TEST_P(RemoteServiceTest, ConnectReadsNameAndMethods) {
  RemoteService s = connect();
  EXPECT_TRUE(s.specs().available);
  EXPECT_EQ(s.name(), "inproc");
  EXPECT_EQ(s.methods(), (std::vector<std::string>{"add", "touch"}));
  EXPECT_TRUE(s.has_method("add"));
  EXPECT_FALSE(s.has_method("nope"));
}

TEST_P(RemoteServiceTest, CallsByNameAndByPosition) {
  RemoteService s = connect();
  auto named = s.call("add", CallParams::named().add("a", 2).add("b", 3));
  ASSERT_TRUE(named.ok()) << named.error().describe();
  EXPECT_EQ(named.value().GetInt(), 5);
  auto positional = s.call("add", CallParams::positional().add(10).add(-4));
  ASSERT_TRUE(positional.ok());
  EXPECT_EQ(positional.value().GetInt(), 6);
}

TEST_P(RemoteServiceTest, ServerErrorIsAnRpcErrorWithData) {
  RemoteService s = connect();
  auto r = s.call("fail");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRpc);
  EXPECT_EQ(r.error().rpc.code, -32099);
  EXPECT_EQ(r.error().rpc.message, "nope");
  EXPECT_EQ(r.error().rpc.data, R"({"x":1})");
  EXPECT_FALSE(r.error().is_transport());
}

TEST_P(RemoteServiceTest, NotificationIsDeliveredWithoutAnswer) {
  RemoteService s = connect();
  auto sent = s.notify("touch");
  ASSERT_TRUE(sent.ok()) << sent.error().describe();
  EXPECT_EQ(server.touched.load(), 1);
}

TEST_P(RemoteServiceTest, AllCallsShareOneKeepAliveConnection) {
  RemoteService s = connect();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.call("add", CallParams::positional().add(i).add(i)).ok());
  ASSERT_TRUE(s.notify("touch").ok());
  EXPECT_EQ(s.connections_opened(), 1u);
}

TEST_P(RemoteServiceTest, AsyncCallsReturnFutures) {
  RemoteService s = connect();
  auto first = s.call_async("sleep_ms", CallParams::positional().add(30));
  auto second = s.call_async("add", CallParams::positional().add(1).add(1));
  auto a = first.get();
  auto b = second.get();
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_EQ(a.value().GetInt(), 30);
  EXPECT_EQ(b.value().GetInt(), 2);
}

TEST_P(RemoteServiceTest, AsyncCallOutlivesTheService) {
  std::future<CallResult> pending;
  {
    RemoteService s = connect();
    pending = s.call_async("sleep_ms", CallParams::positional().add(20));
  }
  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r.value().GetInt(), 20);
}

TEST_P(RemoteServiceTest, BatchReturnsOneResultPerCallInOrder) {
  RemoteService s = connect();
  std::vector<BatchCall> calls;
  calls.push_back({"add", CallParams::positional().add(1).add(2), false});
  calls.push_back({"touch", {}, true});
  calls.push_back({"fail", {}, false});
  calls.push_back({"missing", {}, false});
  calls.push_back({"add", CallParams::named().add("a", 5).add("b", 5), false});
  auto r = s.batch(calls);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r.value().size(), 5u);
  EXPECT_EQ(r.value()[0].value().GetInt(), 3);
  EXPECT_TRUE(r.value()[1].ok());
  EXPECT_EQ(r.value()[2].error().rpc.code, -32099);
  EXPECT_EQ(r.value()[3].error().rpc.code, -32601);
  EXPECT_EQ(r.value()[4].value().GetInt(), 10);
  EXPECT_EQ(server.touched.load(), 1);
}

TEST_P(RemoteServiceTest, BatchOfNotificationsOnly) {
  RemoteService s = connect();
  auto r = s.batch({{"touch", {}, true}, {"touch", {}, true}});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r.value().size(), 2u);
  EXPECT_EQ(server.touched.load(), 2);
}

TEST_P(RemoteServiceTest, ExtraHeadersAreSent) {
  ClientOptions options;
  options.headers.push_back({"X-Api-Token", "t0k3n"});
  RemoteService s = connect(options);
  EXPECT_EQ(server.last_token(), "t0k3n");
}

TEST_P(RemoteServiceTest, DeadlineBoundsACall) {
  RemoteService s = connect();
  auto r = s.call("sleep_ms", CallParams::positional().add(2000),
                  Deadline::in(std::chrono::milliseconds(100)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
}

TEST_P(RemoteServiceTest, PassedDeadlineFailsWithoutSending) {
  RemoteService s = connect();
  auto r = s.call("touch", {}, Deadline::in(std::chrono::milliseconds(0)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(server.touched.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(BothStyles, RemoteServiceTest,
                         ::testing::Values(jsonrpc::ResponseStyle::kGemstone, jsonrpc::ResponseStyle::kStrict),
                         [](const ::testing::TestParamInfo<jsonrpc::ResponseStyle>& info) {
                           return std::string(info.param == jsonrpc::ResponseStyle::kStrict ? "Strict" : "Gemstone");
                         });

TEST(RemoteServiceOddAnswers, HttpErrorStatusIsReportedWithTheServersExplanation) {
  InProcessServer server(jsonrpc::ResponseStyle::kGemstone, [](const httplib::Request&, httplib::Response& res) {
    res.status = 415;
    res.set_content(R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"wrong type"},"id":null})",
                    "application/json");
  });
  auto s = RemoteService::connect(server.url());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kHttpStatus);
  EXPECT_EQ(s.error().http_status, 415);
  EXPECT_NE(s.error().message.find("wrong type"), std::string::npos) << s.error().message;
}

TEST(RemoteServiceOddAnswers, EmptyAnswerToACallIsMalformed) {
  InProcessServer server(jsonrpc::ResponseStyle::kGemstone,
                         [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  auto s = RemoteService::connect(server.url());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kMalformedResponse);
}

TEST(RemoteServiceOddAnswers, NotificationAcceptsAnyTwoHundredBody) {
  InProcessServer server(jsonrpc::ResponseStyle::kGemstone, [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"result":"received","error":null})", "application/json");
  });
  auto s = RemoteService::open(server.url());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.value().notify("anything").ok());
}

TEST(RemoteServiceOddAnswers, MethodNotFoundForSpecsLeavesTheServiceUsable) {
  InProcessServer server(jsonrpc::ResponseStyle::kStrict, [](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("get_service_specs") != std::string::npos) {
      res.set_content(R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1})",
                      "application/json");
    } else {
      res.set_content(R"({"jsonrpc":"2.0","result":"fine","id":2})", "application/json");
    }
  });
  auto s = RemoteService::connect(server.url());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_FALSE(s.value().specs().available);
  ASSERT_TRUE(s.value().specs().error.has_value());
  EXPECT_EQ(s.value().specs().error->code, -32601);
  auto r = s.value().call("x");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_STREQ(r.value().GetString(), "fine");
}

TEST(RegistryClientOriginalRegistry, LocateAcceptsBareUrls) {
  InProcessServer server(jsonrpc::ResponseStyle::kGemstone, [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"jsonrpc":"2.0","result":["http://10.1.2.3:9000/api"],"error":null,"id":1})",
                    "application/json");
  });
  auto registry = RegistryClient::open({server.url()});
  ASSERT_TRUE(registry.ok());
  auto located = registry.value().locate("calc");
  ASSERT_TRUE(located.ok()) << located.error().describe();
  ASSERT_EQ(located.value().size(), 1u);
  EXPECT_EQ(located.value()[0].url, "http://10.1.2.3:9000/api");
  EXPECT_EQ(located.value()[0].host, "10.1.2.3");
  EXPECT_EQ(located.value()[0].port, 9000);
}

TEST(RemoteServiceOpen, InvalidUrlIsRefusedWithoutNetwork) {
  auto s = RemoteService::open("nope");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidUrl);
}

}  // namespace
}  // namespace gemstone
