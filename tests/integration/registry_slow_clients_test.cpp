// Connections that do nothing, or trickle a header a byte at a time, must
// not starve a normal request. With cpp-httplib's defaults, 16 idle
// connections made a new request wait ~9 s.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Client sockets, closed when it goes out of scope (an ASSERT included).
class Sockets {
 public:
  Sockets() = default;
  Sockets(const Sockets&) = delete;
  Sockets& operator=(const Sockets&) = delete;
  ~Sockets() { close_all(); }

  void add(int fd) { fds_.push_back(fd); }
  const std::vector<int>& fds() const { return fds_; }
  void close_all() {
    for (int fd : fds_) close(fd);
    fds_.clear();
  }

 private:
  std::vector<int> fds_;
};

// A background loop that runs until stopped, and is stopped and joined on
// every way out of the test: a std::thread still joinable when destroyed
// would call std::terminate and end the whole test binary.
class Background {
 public:
  template <class Body>
  explicit Background(Body body) : thread_([this, body] { body(stop_); }) {}
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  ~Background() { stop_and_join(); }

  void stop_and_join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(SlowClientsTest, IdleAndTricklingConnectionsDoNotStarveAPing) {
  constexpr int kIdle = 512;
  constexpr int kTrickling = 64;
  RegistryProcess registry;
  // Declared before the trickler, so destroyed after it has stopped using them.
  Sockets idle;
  Sockets trickling;
  for (int i = 0; i < kIdle; ++i) {
    const int fd = connect_to(registry.port());
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.add(fd);
  }
  for (int i = 0; i < kTrickling; ++i) {
    const int fd = connect_to(registry.port());
    ASSERT_GE(fd, 0);
    trickling.add(fd);
  }
  // Each trickler sends one byte of a request header every 100 ms.
  Background trickler([&trickling](const std::atomic<bool>& stop) {
    const std::string header = "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    for (std::size_t i = 0; !stop && i < header.size(); ++i) {
      for (int fd : trickling.fds()) send(fd, &header[i], 1, MSG_NOSIGNAL);
      for (int k = 0; k < 10 && !stop; ++k) std::this_thread::sleep_for(10ms);
    }
  });
  std::this_thread::sleep_for(300ms);  // let every connection reach the server

  // A normal ping on a new connection, five times: each answered within 1 s.
  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 5; ++i) {
    httplib::Client client("127.0.0.1", registry.port());
    client.set_connection_timeout(1);
    client.set_read_timeout(1);
    client.set_tcp_nodelay(true);
    const auto started = std::chrono::steady_clock::now();
    auto res = client.Post("/api", R"({"jsonrpc":"2.0","method":"ping","params":["svc","h",1],"id":1})",
                           "application/json");
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started));
    ASSERT_TRUE(res) << "ping " << i << " failed: " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    std::this_thread::sleep_for(50ms);
  }
  std::printf("worst wait for a ping with %d idle and %d trickling connections: %lld ms, daemon RSS %zu KiB\n",
              kIdle, kTrickling, static_cast<long long>(worst.count()),
              resident_kib(registry.process().pid()));
  // Bounded memory: a thread per connection costs its touched stack, not 8 MiB.
  EXPECT_LT(resident_kib(registry.process().pid()), 256u * 1024u);

  trickler.stop_and_join();
  idle.close_all();
  trickling.close_all();
  EXPECT_EQ(registry.stop(), 0) << "shutdown with slow connections open must still be clean";
}

}  // namespace
}  // namespace gemstone::testing
