// One connection on a socketpair, its loop on a thread: the deadlines, the
// output bound, refusals that close, and 100-continue, byte by byte.

#include "registry/http/connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "raw_http.hpp"

namespace gemstone::registry::http {
namespace {

using namespace std::chrono_literals;
using testing::receive_to_end;
using testing::receive_until;
using testing::send_all;
using Clock = std::chrono::steady_clock;

class ConnectionTest : public ::testing::Test, public ConnectionOwner {
 protected:
  ConnectionTest()
      : metrics_(std::vector<std::string>{"ping"}),
        routes_(RoutesOptions{}, dispatcher_, metrics_, [] { return Health{200, "{}"}; },
                [] { return Metrics::Gauges{}; }) {
    routes_.add("/count", [this](const Request&, Response& r) {
      ++count_;
      r.content_type = "application/json";
      r.body = "{}";
    });
    routes_.add("/size", [](const Request& request, Response& r) {
      r.content_type = "application/json";
      r.body = "{\"n\":" + std::to_string(request.body.size()) + "}";
    });
    routes_.add("/big", [this](const Request&, Response& r) {
      ++big_;
      r.content_type = "application/json";
      r.body = std::string(1024 * 1024, 'x');
    });
  }

  // Before the destructor: the loop thread calls on_closed() on this object.
  void TearDown() override {
    if (runner_.joinable()) {
      loop_.stop();
      runner_.join();
    }
    connection_.reset();
    if (client_ >= 0) ::close(client_);
  }

  void start(ConnectionLimits limits) {
    shared_ = std::make_unique<ConnectionShared>(limits, routes_);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    client_ = fds[1];
    const int server = fds[0];
    loop_.post([this, server] {
      connection_ = std::make_shared<Connection>(loop_, *shared_, *this,
                                                 std::make_unique<PlainTransport>(server), "", false);
      connection_->start();
    });
    runner_ = std::thread([this] { loop_.run(); });
  }

  void on_closed(Connection&) override {
    closed_at_ = Clock::now();
    closed_ = true;
  }

  static ConnectionLimits limits() {
    ConnectionLimits l;
    l.request_timeout = 5s;
    l.keep_alive_timeout = 5s;
    l.write_timeout = 5s;
    l.linger_timeout = 200ms;
    return l;
  }

  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return closed_;
  }

  jsonrpc::Dispatcher dispatcher_;
  Metrics metrics_;
  Routes routes_;
  std::unique_ptr<ConnectionShared> shared_;
  EventLoop loop_;
  std::shared_ptr<Connection> connection_;
  std::thread runner_;
  int client_ = -1;
  std::atomic<int> count_{0};
  std::atomic<int> big_{0};
  std::atomic<bool> closed_{false};
  Clock::time_point closed_at_;
};

const std::string kCount = "GET /count HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(ConnectionTest, RequestTrickledFasterThanIdleButSlowerThanTheRequestTimeoutIsCutOff) {
  ConnectionLimits l = limits();
  l.request_timeout = 300ms;
  l.keep_alive_timeout = 100ms;  // each byte comes sooner than this
  start(l);
  std::atomic<bool> stop{false};
  const std::string head = "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b');
  const auto started = Clock::now();
  std::thread trickler([&] {
    for (std::size_t i = 0; i < head.size() && !stop; ++i) {
      if (::send(client_, &head[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(40ms);
    }
  });
  const auto got = receive_to_end(client_, 3s);
  const auto elapsed = Clock::now() - started;
  stop = true;
  trickler.join();
  EXPECT_EQ(testing::first_status(got.bytes), 408) << got.bytes;
  EXPECT_TRUE(got.closed);
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_EQ(count_, 0);
}

TEST_F(ConnectionTest, SilentConnectionIsClosedAfterTheKeepAliveTimeout) {
  ConnectionLimits l = limits();
  l.keep_alive_timeout = 200ms;
  start(l);
  const auto started = Clock::now();
  const auto got = receive_to_end(client_, 3s);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.bytes, "") << "an idle close says nothing";
  EXPECT_GE(Clock::now() - started, 180ms);
  EXPECT_LT(Clock::now() - started, 1500ms);
}

TEST_F(ConnectionTest, KeepAliveTimeoutRestartsAfterEachAnswer) {
  ConnectionLimits l = limits();
  l.keep_alive_timeout = 250ms;
  start(l);
  const auto started = Clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(send_all(client_, kCount));
    const auto got = receive_until(client_, 2s, [](const std::string& b) { return b.find("{}") != std::string::npos; });
    ASSERT_FALSE(got.closed) << "request " << i;
    std::this_thread::sleep_for(150ms);
  }
  const auto got = receive_to_end(client_, 3s);
  EXPECT_TRUE(got.closed);
  // The last answer came at about 300 ms: closed about 250 ms after it.
  EXPECT_GE(Clock::now() - started, 540ms) << "each answer starts a fresh idle period";
  EXPECT_EQ(count_, 3);
}

TEST_F(ConnectionTest, ClientThatReadsNothingIsClosedAfterTheWriteTimeout) {
  ConnectionLimits l = limits();
  l.write_timeout = 200ms;
  start(l);
  ASSERT_TRUE(send_all(client_, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(wait_closed(2s));
  EXPECT_EQ(big_, 1);
  EXPECT_EQ(shared_->queued_output.load(), 0u) << "a closed connection's output is no longer counted";
}

TEST_F(ConnectionTest, PipelinedRequestsWaitWhileAnswersAboveTheHighWaterAreUnsent) {
  start(limits());
  std::string pipelined;
  for (int i = 0; i < 20; ++i) pipelined += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(send_all(client_, pipelined));
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(big_, 2) << "answers are made only as fast as the client takes them";
  EXPECT_GT(shared_->queued_output.load(), 0u);
  std::size_t bodies = 0;
  const auto got = receive_until(client_, 10s, [&](const std::string& b) {
    return b.size() >= 20u * 1024 * 1024;
  });
  bodies = got.bytes.size() / (1024 * 1024);
  EXPECT_EQ(bodies, 20u);
  EXPECT_EQ(big_, 20);
}

TEST_F(ConnectionTest, ClientThatReadsIsServedWhileOthersHoldTooMuchOutput) {
  ConnectionLimits l = limits();
  l.global_output_cap = 1000;
  start(l);
  shared_->queued_output = 5000;  // as if other connections' clients did not read
  ASSERT_TRUE(send_all(client_, kCount + kCount));
  const auto got = receive_until(client_, 2s, [](const std::string& b) {
    return testing::count_responses(b) == 2;
  });
  EXPECT_EQ(testing::first_status(got.bytes), 200) << got.bytes;
  EXPECT_EQ(count_, 2);
}

TEST_F(ConnectionTest, RefusedRequestIsAnsweredAndNothingAfterItRuns) {
  start(limits());
  ASSERT_TRUE(send_all(client_,
                       "GET /count HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" +
                           kCount));
  const auto got = receive_to_end(client_, 3s);
  EXPECT_EQ(testing::first_status(got.bytes), 400) << got.bytes;
  EXPECT_NE(got.bytes.find("Connection: close"), std::string::npos);
  EXPECT_NE(got.bytes.find("-32600"), std::string::npos);
  EXPECT_EQ(testing::count_responses(got.bytes), 1);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(count_, 0);
}

TEST_F(ConnectionTest, ExpectContinueGetsOneContinueThenTheAnswer) {
  start(limits());
  ASSERT_TRUE(send_all(client_, "POST /count HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  const auto first = receive_until(client_, 2s, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(first.bytes, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(send_all(client_, "{}"));
  const auto second = receive_until(client_, 2s, [](const std::string& b) { return b.find("{}") != std::string::npos; });
  EXPECT_EQ(testing::first_status(second.bytes), 200) << second.bytes;
  EXPECT_EQ(second.bytes.find("100 Continue"), std::string::npos);
  EXPECT_EQ(count_, 1);
}

// However the bytes of many pipelined requests are split (the buffer grows,
// is compacted, and the parser resumes across pieces), every request is
// answered, in order, with its own body.
TEST_F(ConnectionTest, PipelinedRequestsSplitAnywhereAreAnsweredInOrder) {
  start(limits());
  std::mt19937 random(20261129);
  std::string stream;
  std::string expected;
  for (int i = 0; i < 150; ++i) {
    const std::size_t size = random() % 3 == 0 ? random() % 40000 : random() % 200;
    const std::string body(size, static_cast<char>('a' + i % 26));
    if (random() % 2 == 0) {
      stream += "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n" + body;
    } else {
      stream += "POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (std::size_t at = 0; at < size;) {
        const std::size_t n = std::min<std::size_t>(size - at, 1 + random() % 5000);
        char hex[32];
        std::snprintf(hex, sizeof hex, "%zx", n);
        stream += std::string(hex) + "\r\n" + body.substr(at, n) + "\r\n";
        at += n;
      }
      stream += "0\r\n\r\n";
    }
    expected += "{\"n\":" + std::to_string(size) + "}";
  }
  std::thread sender([&] {
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + random() % 3000);
      if (!send_all(client_, stream.substr(at, n))) return;
      at += n;
      if (random() % 8 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  std::string bodies;
  const auto got = receive_until(client_, 10s, [&](const std::string& b) {
    return testing::count_responses(b) >= 150 && b.back() == '}';
  });
  sender.join();
  for (std::size_t at = got.bytes.find("\r\n\r\n"); at != std::string::npos;
       at = got.bytes.find("\r\n\r\n", at + 4)) {
    const std::size_t end = got.bytes.find('}', at);
    bodies += got.bytes.substr(at + 4, end + 1 - (at + 4));
  }
  EXPECT_EQ(testing::count_responses(got.bytes), 150);
  EXPECT_EQ(bodies, expected);
  EXPECT_FALSE(got.closed);
}

TEST_F(ConnectionTest, ExpectContinueIsNotSentOnceBodyBytesCame) {
  start(limits());
  ASSERT_TRUE(send_all(client_, "POST /count HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(send_all(client_, "}"));
  const auto got = receive_until(client_, 2s, [](const std::string& b) { return b.find("{}") != std::string::npos; });
  EXPECT_EQ(testing::first_status(got.bytes), 200) << got.bytes;
  EXPECT_EQ(got.bytes.find("100 Continue"), std::string::npos);
}

TEST_F(ConnectionTest, HttpTenAndConnectionCloseAreHonoured) {
  start(limits());
  ASSERT_TRUE(send_all(client_, "GET /count HTTP/1.0\r\n\r\n"));
  const auto got = receive_to_end(client_, 2s);
  EXPECT_TRUE(got.closed);
  EXPECT_NE(got.bytes.find("Connection: close"), std::string::npos);
  EXPECT_EQ(count_, 1);
}

}  // namespace
}  // namespace gemstone::registry::http
