// Where a request ends, against the real daemon over raw sockets. A request
// whose framing two parties could read differently is refused with its
// status and the connection closed: the request smuggled inside it never
// runs. Deadlines, slow clients, clients that do not read, and stopping
// with uploads in flight.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kUnregister =
    R"({"jsonrpc":"2.0","method":"unregister","params":["victim.svc","10.0.0.7",7],"id":"smuggled"})";

// The request hidden in each shape: if it ever ran, the victim is gone.
std::string inner_request() {
  return "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(kUnregister.size()) + "\r\n\r\n" + kUnregister;
}

std::string hex(std::size_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", n);
  return text;
}

class HttpFramingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto doc = registry_.call("ping", R"(["victim.svc","10.0.0.7",7])");
    ASSERT_TRUE(doc["result"].IsObject());
  }
  void ExpectVictimStillRegistered() {
    auto doc = registry_.call("locate_service", R"(["victim.svc"])");
    ASSERT_TRUE(doc["result"].IsArray());
    EXPECT_EQ(doc["result"].Size(), 1u) << "the smuggled unregister ran";
  }
  RegistryProcess registry_;
};

struct Shape {
  const char* name;
  std::string bytes;
  int status;
};

std::vector<Shape> refused_shapes() {
  const std::string inner = inner_request();
  const std::string post = "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::string len = std::to_string(inner.size());
  return {
      {"lowercase method", "post /api HTTP/1.1\r\nHost: x\r\nContent-Length: " + len + "\r\n\r\n" + inner, 400},
      {"chunk size of 17 hex digits", post + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n" + inner, 400},
      {"Content-Length and Transfer-Encoding",
       post + "Content-Length: " + len + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner, 400},
      {"Transfer-Encoding and Content-Length",
       post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + inner, 400},
      {"two different Content-Lengths", post + "Content-Length: 0\r\nContent-Length: " + len + "\r\n\r\n" + inner, 400},
      {"Content-Length +73", post + "Content-Length: +73\r\n\r\n" + inner, 400},
      {"Content-Length 0x4a", post + "Content-Length: 0x4a\r\n\r\n" + inner, 400},
      {"Content-Length 1e3", post + "Content-Length: 1e3\r\n\r\n" + inner, 400},
      {"Transfer-Encoding gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + inner, 501},
      {"space before the colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + inner, 400},
      {"chunk size 0x5", post + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" + inner, 400},
      {"chunk data not followed by CRLF",
       post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX" + hex(inner.size()) + "\r\n" + inner + "\r\n0\r\n\r\n", 400},
      {"negative Content-Length", post + "Content-Length: -1\r\n\r\n" + inner, 400},
      {"20-digit Content-Length", post + "Content-Length: 18446744073709551617\r\n\r\n" + inner, 400},
      {"Transfer-Encoding in HTTP/1.0",
       "POST /api HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner, 400},
  };
}

TEST_F(HttpFramingTest, AmbiguousFramingIsRefusedAtOnceAndClosesTheConnection) {
  for (const Shape& shape : refused_shapes()) {
    SCOPED_TRACE(shape.name);
    const int fd = connect_loopback(registry_.port());
    ASSERT_GE(fd, 0);
    const auto started = Clock::now();
    ASSERT_TRUE(send_all(fd, shape.bytes));
    const Received got = receive_to_end(fd, 5s);
    const auto elapsed = Clock::now() - started;
    ::close(fd);
    EXPECT_EQ(first_status(got.bytes), shape.status) << got.bytes;
    EXPECT_EQ(count_responses(got.bytes), 1) << got.bytes;
    EXPECT_TRUE(got.closed) << "the connection stays open after a refused request";
    EXPECT_NE(got.bytes.find("Connection: close"), std::string::npos);
    EXPECT_NE(got.bytes.find("-32600"), std::string::npos) << "a JSON-RPC error body";
    EXPECT_EQ(got.bytes.find("smuggled"), std::string::npos);
    EXPECT_LT(elapsed, 1s) << "answered at once, not after a timeout";
    ExpectVictimStillRegistered();
  }
}

TEST_F(HttpFramingTest, BodyOfAGetIsReadAsItsBodyNotAsTheNextRequest) {
  const std::string inner = inner_request();
  const int fd = connect_loopback(registry_.port());
  ASSERT_TRUE(send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(inner.size()) +
                               "\r\n\r\n" + inner));
  const Received got = receive_until(fd, 700ms, [](const std::string& b) { return count_responses(b) >= 2; });
  ::close(fd);
  EXPECT_EQ(first_status(got.bytes), 200) << got.bytes;
  EXPECT_EQ(count_responses(got.bytes), 1) << got.bytes;
  EXPECT_FALSE(got.closed) << "a well-framed request keeps the connection";
  ExpectVictimStillRegistered();
}

TEST_F(HttpFramingTest, ExpectContinueWithAnOversizedLengthGets413AndNeverContinue) {
  const int fd = connect_loopback(registry_.port());
  ASSERT_TRUE(send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Expect: 100-continue\r\nContent-Length: 10485760\r\n\r\n"));
  const Received got = receive_to_end(fd, 5s);
  ::close(fd);
  EXPECT_EQ(first_status(got.bytes), 413) << got.bytes;
  EXPECT_EQ(got.bytes.find("100 Continue"), std::string::npos);
  EXPECT_TRUE(got.closed);
}

TEST_F(HttpFramingTest, ExpectContinueWithAnAcceptableLengthGetsContinueThenTheAnswer) {
  const std::string body = R"({"jsonrpc":"2.0","method":"locate_service","params":["victim.svc"],"id":1})";
  const int fd = connect_loopback(registry_.port());
  ASSERT_TRUE(send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  const Received first = receive_until(fd, 2s, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(first.bytes, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(send_all(fd, body));
  const Received second = receive_until(fd, 2s, [](const std::string& b) { return b.find("10.0.0.7") != std::string::npos; });
  ::close(fd);
  EXPECT_EQ(first_status(second.bytes), 200) << second.bytes;
}

TEST(HttpDeadlineTest, BodyTrickledAByteASecondIsCutOffAtTheRequestTimeout) {
  RegistryProcess registry({"--request-timeout", "1"});
  const int fd = connect_loopback(registry.port());
  const auto started = Clock::now();
  ASSERT_TRUE(send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"));
  std::atomic<bool> stop{false};
  std::thread trickler([&] {
    while (!stop) {
      for (int i = 0; i < 100 && !stop; ++i) std::this_thread::sleep_for(10ms);
      if (!stop) ::send(fd, " ", 1, MSG_NOSIGNAL);
    }
  });
  const Received got = receive_to_end(fd, 5s);
  const auto elapsed = Clock::now() - started;
  stop = true;
  trickler.join();
  ::close(fd);
  EXPECT_EQ(first_status(got.bytes), 408) << got.bytes;
  EXPECT_TRUE(got.closed);
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
}

std::string chunked_ping() {
  const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":["chunky","h",1],"id":"chunked"})";
  return "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
         hex(10) + "\r\n" + body.substr(0, 10) + "\r\n" + hex(body.size() - 10) + "\r\n" + body.substr(10) +
         "\r\n0\r\n\r\n";
}

TEST(HttpSlowClientsTest, SlowBodiesDoNotDelayAChunkedPing) {
  RegistryProcess registry;
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_loopback(registry.port());
    ASSERT_GE(fd, 0) << i;
    slow.push_back(fd);
    send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\":");
  }
  std::this_thread::sleep_for(200ms);
  const int fd = connect_loopback(registry.port());
  const auto started = Clock::now();
  ASSERT_TRUE(send_all(fd, chunked_ping()));
  const Received got = receive_until(fd, 5s, [](const std::string& b) { return b.find("\"chunked\"") != std::string::npos; });
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_EQ(first_status(got.bytes), 200) << got.bytes;
  ::close(fd);
  for (int s : slow) ::close(s);
}

TEST(HttpSlowClientsTest, SlowTlsHandshakesDoNotDelayTlsPingsPlainOrChunked) {
  const std::string dir = ::testing::TempDir() + "framing_tls." + std::to_string(getpid()) + ".";
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "key.pem -out " + dir +
                          "cert.pem >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  RegistryProcess registry({"--tls-cert", dir + "cert.pem", "--tls-key", dir + "key.pem"});
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    const int fd = connect_loopback(registry.port());
    ASSERT_GE(fd, 0) << i;
    slow.push_back(fd);
    send_all(fd, std::string("\x16\x03\x01\x02", 4));  // the start of a ClientHello, and no more
  }
  std::this_thread::sleep_for(200ms);
  httplib::SSLClient client("127.0.0.1", registry.port());
  client.set_ca_cert_path((dir + "cert.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(5);
  client.set_connection_timeout(5);
  const auto started = Clock::now();
  auto res = client.Post("/api", R"({"jsonrpc":"2.0","method":"ping","params":["tls","h",1],"id":1})", "application/json");
  EXPECT_LT(Clock::now() - started, 1s);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(error_code_of(res->body), 0) << res->body;

  // A body of unknown length goes chunked.
  const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":["tls-chunked","h",1],"id":2})";
  const auto chunked_started = Clock::now();
  auto chunked = client.Post(
      "/api",
      [&body](std::size_t, httplib::DataSink& sink) {
        sink.write(body.data(), 10);
        sink.write(body.data() + 10, body.size() - 10);
        sink.done();
        return true;
      },
      "application/json");
  EXPECT_LT(Clock::now() - chunked_started, 1s);
  ASSERT_TRUE(chunked) << httplib::to_string(chunked.error());
  EXPECT_EQ(chunked->status, 200);
  EXPECT_NE(chunked->body.find("tls-chunked"), std::string::npos) << chunked->body;
  for (int s : slow) ::close(s);
}

TEST(HttpSlowClientsTest, ClientsThatDoNotReadTheirAnswersNeitherStopOthersNorGrowMemory) {
  RegistryProcess registry;
  // 2000 instances: every locate_service("*") answer is about 300 KB.
  for (int batch = 0; batch < 20; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 100; ++i) {
      const int n = batch * 100 + i;
      if (i > 0) body += ",";
      body += R"({"jsonrpc":"2.0","method":"ping","params":["service-with-a-long-name-)" + std::to_string(n) +
              R"(","host-)" + std::to_string(n) + R"(.example.org",8000],"id":)" + std::to_string(n) + "}";
    }
    body += "]";
    auto res = registry.post(body);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
  }
  const pid_t pid = registry.process().pid();
  const std::size_t before = resident_kib(pid);
  const std::string call = R"({"jsonrpc":"2.0","method":"locate_service","params":["*"],"id":1})";
  const std::string locate = "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(call.size()) + "\r\n\r\n" + call;
  std::string pipelined;
  for (int i = 0; i < 1000; ++i) pipelined += locate;  // 300 MB of answers if all were made
  std::vector<int> deaf;
  std::vector<std::thread> senders;
  for (int c = 0; c < 8; ++c) {
    const int fd = connect_loopback(registry.port());
    ASSERT_GE(fd, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    deaf.push_back(fd);
    senders.emplace_back([fd, &pipelined] { send_all(fd, pipelined); });
  }
  std::this_thread::sleep_for(1s);
  // Others are still served at once.
  const auto started = Clock::now();
  auto doc = registry.call("ping", R"(["other","h",1])");
  EXPECT_TRUE(doc["result"].IsObject());
  EXPECT_LT(Clock::now() - started, 1s);
  const std::size_t during = resident_kib(pid);
  auto metrics = registry.get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string made = "gemstone_registry_requests_total{method=\"locate_service\",outcome=\"ok\"} ";
  const auto at = metrics->body.find(made);
  ASSERT_NE(at, std::string::npos);
  const long answers = std::stol(metrics->body.substr(at + made.size()));
  EXPECT_LT(answers, 8 * 50) << "answers were made faster than the clients took them";
  for (int fd : deaf) ::shutdown(fd, SHUT_RDWR);
  for (auto& t : senders) t.join();
  for (int fd : deaf) ::close(fd);
  std::this_thread::sleep_for(1500ms);  // closed, freed, trimmed
  const std::size_t after = resident_kib(pid);
  std::printf("daemon RSS: %zu KiB before, %zu KiB with 8 clients not reading 1000 pipelined 300 KB answers "
              "(%ld made), %zu KiB after they left\n", before, during, answers, after);
#if !defined(__SANITIZE_ADDRESS__)  // its quarantine keeps freed memory resident
  EXPECT_LT(during, before + 64 * 1024) << "answers queued without bound";
#endif
}

TEST(HttpShutdownTest, SigtermWithTricklingUploadsExitsWithinTheShutdownTimeout) {
  RegistryProcess registry({"--shutdown-timeout", "1"});
  std::vector<int> uploads;
  for (int i = 0; i < 50; ++i) {
    const int fd = connect_loopback(registry.port());
    ASSERT_GE(fd, 0);
    uploads.push_back(fd);
    send_all(fd, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[");
  }
  std::atomic<bool> stop{false};
  std::thread trickler([&] {
    while (!stop) {
      for (int fd : uploads) ::send(fd, " ", 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  const auto signalled = Clock::now();
  const int status = registry.stop(5s);
  const auto took = Clock::now() - signalled;
  stop = true;
  trickler.join();
  for (int fd : uploads) ::close(fd);
  EXPECT_EQ(status, 0);
  EXPECT_LT(took, 2s) << "shutdown_timeout 1 s + 1 s";
  EXPECT_GE(took, 900ms) << "requests in flight were given their time";
}

// What a TLS client may negotiate: TLS 1.2 with forward-secret AEAD suites,
// or TLS 1.3; `--tls-ciphers` narrows TLS 1.2 further.
TEST(HttpTlsTest, OnlyForwardSecretAeadSuitesFromTls12On) {
  const std::string dir = ::testing::TempDir() + "framing_ciphers." + std::to_string(getpid()) + ".";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + dir +
                         "key.pem -out " + dir + "cert.pem >/dev/null 2>&1").c_str()),
            0);
  const auto handshake = [](int port, const std::string& options) {
    const std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + options +
                            " </dev/null >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  };
  {
    RegistryProcess registry({"--tls-cert", dir + "cert.pem", "--tls-key", dir + "key.pem"});
    EXPECT_TRUE(handshake(registry.port(), "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"));
    EXPECT_TRUE(handshake(registry.port(), "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305"));
    EXPECT_TRUE(handshake(registry.port(), "-tls1_3"));
    EXPECT_FALSE(handshake(registry.port(), "-tls1_2 -cipher AES128-SHA")) << "CBC without forward secrecy";
    EXPECT_FALSE(handshake(registry.port(), "-tls1_2 -cipher AES256-GCM-SHA384")) << "no forward secrecy";
    EXPECT_FALSE(handshake(registry.port(), "-tls1_2 -cipher ECDHE-RSA-AES128-SHA")) << "CBC";
    EXPECT_FALSE(handshake(registry.port(), "-tls1_1 -cipher DEFAULT@SECLEVEL=0")) << "TLS 1.1";
  }
  RegistryProcess narrowed({"--tls-cert", dir + "cert.pem", "--tls-key", dir + "key.pem", "--tls-ciphers",
                            "ECDHE-RSA-AES256-GCM-SHA384"});
  EXPECT_TRUE(handshake(narrowed.port(), "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384"));
  EXPECT_FALSE(handshake(narrowed.port(), "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"));
}

TEST(HttpFdLimitTest, ConnectionsBeyondTheDescriptorLimitAreClosedAtOnceAndCounted) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan checks a vtable pointer by writing it to a pipe of its own: out of
  // descriptors, every virtual call looks invalid to it.
  GTEST_SKIP() << "not meaningful under the sanitizers";
#endif
  RegistryProcess registry;
  const pid_t pid = registry.process().pid();
  const int port = registry.port();
  // Room for 20 more descriptors than the daemon holds now.
  std::size_t open_now = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)entry;
    ++open_now;
  }
  const rlimit limit{open_now + 20, open_now + 20};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0) << std::strerror(errno);

  std::vector<int> held;
  int refused = 0;
  for (int i = 0; i < 80; ++i) {
    const int fd = connect_loopback(port);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  for (int fd : held) {
    // A refused connection is closed by the daemon at once; a held one stays open.
    if (receive_to_end(fd, 20ms).closed) ++refused;
  }
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, 80) << open_now << " descriptors were open at start";
  for (int fd : held) ::close(fd);
  std::this_thread::sleep_for(100ms);

  // Descriptors are back: the daemon serves, and says how many it refused.
  const int fd = connect_loopback(port);
  ASSERT_TRUE(send_all(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const Received metrics = receive_to_end(fd, 5s);
  ::close(fd);
  EXPECT_EQ(first_status(metrics.bytes), 200);
  const std::string counter = "gemstone_registry_connections_refused_total{reason=\"fd_limit\"} ";
  const auto at = metrics.bytes.find(counter);
  ASSERT_NE(at, std::string::npos) << metrics.bytes;
  EXPECT_EQ(std::stoi(metrics.bytes.substr(at + counter.size())), refused);
  EXPECT_EQ(registry.stop(), 0);
}

}  // namespace
}  // namespace gemstone::testing
