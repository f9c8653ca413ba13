// Connections that do nothing, or trickle a header a byte at a time, must
// not starve a normal request (issue 6). With cpp-httplib's defaults, 16
// idle connections made a new request wait ~9 s.

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

std::size_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoul(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

TEST(SlowClientsTest, IdleAndTricklingConnectionsDoNotStarveAPing) {
  constexpr int kIdle = 512;
  constexpr int kTrickling = 64;
  RegistryProcess registry;
  std::vector<int> idle;
  for (int i = 0; i < kIdle; ++i) {
    const int fd = connect_to(registry.port());
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.push_back(fd);
  }
  // Each trickler sends one byte of a request header every 100 ms.
  std::atomic<bool> stop{false};
  std::vector<int> trickling;
  for (int i = 0; i < kTrickling; ++i) {
    const int fd = connect_to(registry.port());
    ASSERT_GE(fd, 0);
    trickling.push_back(fd);
  }
  std::thread trickler([&] {
    const std::string header = "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    for (std::size_t i = 0; !stop && i < header.size(); ++i) {
      for (int fd : trickling) send(fd, &header[i], 1, MSG_NOSIGNAL);
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

  stop = true;
  trickler.join();
  for (int fd : idle) close(fd);
  for (int fd : trickling) close(fd);
  EXPECT_EQ(registry.stop(), 0) << "shutdown with slow connections open must still be clean";
}

}  // namespace
}  // namespace gemstone::testing
