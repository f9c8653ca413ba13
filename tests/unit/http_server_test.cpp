// The server in-process, with a test-only route that answers later from
// another thread: the seam a long poll uses. A parked request holds no
// thread (one event loop keeps serving others), its connection reads
// nothing more until it is answered, and a completion for a connection
// that is gone does nothing.

#include "registry/http/http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"
#include "registry/daemon/config.hpp"
#include "registry/daemon/options_from_config.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;
using testing::connect_loopback;
using testing::receive_to_end;
using testing::receive_until;
using testing::send_all;
using Clock = std::chrono::steady_clock;

bool has_body(const std::string& bytes, const std::string& body) {
  return bytes.find(body) != std::string::npos;
}

// What the daemon serves with when nothing is configured.
HttpServerOptions defaults() {
  auto options = http_server_options_from(Config());
  EXPECT_TRUE(options.ok());
  return options.ok() ? std::move(options).value() : HttpServerOptions();
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : metrics_(std::vector<std::string>{"ping"}) {}

  void start(HttpServerOptions options = defaults()) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.event_loops = 1;  // a parked request must not take the only loop
    server_ = std::make_unique<HttpServer>(
        options, dispatcher_, metrics_, [] { return http::Health{200, "{\"status\":\"ok\"}"}; },
        [] { return Metrics::Gauges{}; });
    server_->add_route("/later", [this](const http::Request& request, http::Response&) {
      http::Completion done = request.defer();
      std::lock_guard lock(mutex_);
      helpers_.emplace_back([done] {
        std::this_thread::sleep_for(100ms);
        http::Response late;
        late.content_type = "application/json";
        late.body = "{\"late\":true}";
        done.complete(late);
        done.complete(late);  // a second call does nothing
      });
    });
    server_->add_route("/park", [this](const http::Request& request, http::Response&) {
      std::lock_guard lock(mutex_);
      parked_.push_back(request.defer());
    });
    const auto error = server_->bind();
    ASSERT_FALSE(error) << *error;
    serving_ = std::thread([this] { server_->serve(); });
  }

  ~HttpServerTest() override {
    if (server_) server_->stop();
    if (serving_.joinable()) serving_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : helpers_) t.join();
  }

  int port() const { return server_->bound_port(); }

  jsonrpc::Dispatcher dispatcher_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::thread serving_;
  std::mutex mutex_;
  std::vector<std::thread> helpers_;
  std::vector<http::Completion> parked_;
};

const std::string kLater = "GET /later HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kHealth = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(HttpServerTest, DeferredRequestIsAnsweredLaterWhileTheOnlyLoopServesOthers) {
  start();
  const int parked = connect_loopback(port());
  const int other = connect_loopback(port());
  ASSERT_GE(parked, 0);
  ASSERT_GE(other, 0);
  const auto started = Clock::now();
  ASSERT_TRUE(send_all(parked, kLater));
  std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(send_all(other, kHealth));
  const auto health = receive_until(other, 2s, [](const std::string& b) { return has_body(b, "ok"); });
  EXPECT_LT(Clock::now() - started, 80ms) << "answered while the other request is parked";
  EXPECT_EQ(testing::first_status(health.bytes), 200);
  const auto late = receive_until(parked, 2s, [](const std::string& b) { return has_body(b, "late"); });
  EXPECT_GE(Clock::now() - started, 100ms);
  EXPECT_EQ(testing::first_status(late.bytes), 200) << late.bytes;
  EXPECT_EQ(testing::count_responses(late.bytes), 1);
  ::close(parked);
  ::close(other);
}

TEST_F(HttpServerTest, PipelinedRequestBehindAParkedOneIsAnsweredAfterItInOrder) {
  start();
  const int fd = connect_loopback(port());
  ASSERT_TRUE(send_all(fd, kLater + kHealth));
  const auto got = receive_until(fd, 2s, [](const std::string& b) { return has_body(b, "ok"); });
  const auto late = got.bytes.find("late");
  const auto ok = got.bytes.find("\"ok\"");
  ASSERT_NE(late, std::string::npos) << got.bytes;
  ASSERT_NE(ok, std::string::npos) << got.bytes;
  EXPECT_LT(late, ok);
  EXPECT_FALSE(got.closed);
  ::close(fd);
}

TEST_F(HttpServerTest, CompletionAfterTheClientLeftDoesNothing) {
  start();
  const int fd = connect_loopback(port());
  ASSERT_TRUE(send_all(fd, kLater));
  std::this_thread::sleep_for(20ms);
  ::close(fd);
  std::this_thread::sleep_for(150ms);  // the completion ran by now
  const int next = connect_loopback(port());
  ASSERT_TRUE(send_all(next, kHealth));
  const auto health = receive_until(next, 2s, [](const std::string& b) { return has_body(b, "ok"); });
  EXPECT_EQ(testing::first_status(health.bytes), 200);
  ::close(next);
}

TEST_F(HttpServerTest, StopAnswersTheParkedRequestThenServeReturns) {
  start();
  const int fd = connect_loopback(port());
  const int idle = connect_loopback(port());
  ASSERT_TRUE(send_all(fd, kLater));
  std::this_thread::sleep_for(20ms);
  const auto stopping = Clock::now();
  server_->stop();
  const auto got = receive_to_end(fd, 3s);
  EXPECT_TRUE(has_body(got.bytes, "late")) << got.bytes;
  EXPECT_NE(got.bytes.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(got.closed);
  EXPECT_TRUE(receive_to_end(idle, 1s).closed) << "an idle connection is closed at once";
  serving_.join();
  EXPECT_LT(Clock::now() - stopping, 2s);
  ::close(fd);
  ::close(idle);
}

TEST_F(HttpServerTest, ShutdownTimeoutClosesWhatIsStillOpen) {
  HttpServerOptions options = defaults();
  options.shutdown_timeout = 300ms;
  start(options);
  const int fd = connect_loopback(port());
  ASSERT_TRUE(send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  std::this_thread::sleep_for(20ms);
  const auto stopping = Clock::now();
  server_->stop();
  serving_.join();
  EXPECT_GE(Clock::now() - stopping, 250ms);
  EXPECT_LT(Clock::now() - stopping, 1500ms);
  EXPECT_TRUE(receive_to_end(fd, 1s).closed);
  ::close(fd);
}

TEST_F(HttpServerTest, HundredsOfParkedRequestsAreAnsweredTogetherFromAnotherThread) {
  start();
  constexpr int kParked = 500;
  std::vector<int> fds;
  for (int i = 0; i < kParked; ++i) {
    const int fd = connect_loopback(port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
    fds.push_back(fd);
  }
  const auto deadline = Clock::now() + 5s;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (parked_.size() == kParked) break;
    }
    ASSERT_LT(Clock::now(), deadline) << "not all requests were parked";
    std::this_thread::sleep_for(5ms);
  }
  std::thread answerer([this] {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < parked_.size(); ++i) {
      http::Response r;
      r.content_type = "application/json";
      r.body = "{\"n\":" + std::to_string(i) + "}";
      parked_[i].complete(r);
    }
  });
  answerer.join();
  int answered = 0;
  for (int fd : fds) {
    const auto got = receive_until(fd, 2s, [](const std::string& b) { return b.find('}') != std::string::npos; });
    if (testing::first_status(got.bytes) == 200) ++answered;
    ::close(fd);
  }
  EXPECT_EQ(answered, kParked);
}

TEST_F(HttpServerTest, ClientThatHangsUpWhileParkedAbandonsTheCompletion) {
  start();
  const int fd = connect_loopback(port());
  ASSERT_TRUE(send_all(fd, "GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
  http::Completion parked;
  const auto deadline = Clock::now() + 2s;
  while (!parked && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard lock(mutex_);
    if (!parked_.empty()) parked = parked_.front();
  }
  ASSERT_TRUE(parked);
  EXPECT_FALSE(parked.abandoned());
  ::close(fd);
  while (!parked.abandoned() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(parked.abandoned()) << "the holder learns that nobody waits for the answer";
  parked.complete(http::Response{});  // does nothing
  const int next = connect_loopback(port());
  ASSERT_TRUE(send_all(next, kHealth));
  EXPECT_EQ(testing::first_status(receive_until(next, 2s, [](const std::string& b) { return has_body(b, "ok"); }).bytes), 200);
  ::close(next);
}

TEST_F(HttpServerTest, SecondServerOnTheSamePortIsRefused) {
  start();
  HttpServerOptions options = defaults();
  options.host = "127.0.0.1";
  options.port = port();
  HttpServer second(options, dispatcher_, metrics_, [] { return http::Health{}; },
                    [] { return Metrics::Gauges{}; });
  const auto error = second.bind();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("Address already in use"), std::string::npos) << *error;
}

TEST_F(HttpServerTest, BadCertificateFailsBindWithOneLine) {
  HttpServerOptions options = defaults();
  options.port = 0;
  options.tls_cert = "/nonexistent/cert.pem";
  options.tls_key = "/nonexistent/key.pem";
  HttpServer server(options, dispatcher_, metrics_, [] { return http::Health{}; },
                    [] { return Metrics::Gauges{}; });
  const auto error = server.bind();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("cannot read TLS certificate /nonexistent/cert.pem: No such file or directory"),
            std::string::npos)
      << *error;
  EXPECT_EQ(error->find('\n'), std::string::npos);
}

}  // namespace
}  // namespace gemstone::registry
