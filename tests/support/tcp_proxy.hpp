#pragma once
// A TCP proxy on a loopback port in front of another port, that a test can
// cut (every connection closed, new ones refused at once) and mend: to take
// one registry node off etcd while etcd itself goes on.

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gemstone::testing {

class TcpProxy {
 public:
  /// Listens on an ephemeral 127.0.0.1 port, forwarding to 127.0.0.1:`target_port`.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  /// Closes every open connection; new ones are closed as soon as accepted.
  void cut();
  /// Forwards new connections again.
  void mend();

 private:
  void accept_loop();
  void pump(int client, int server);

  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> closing_{false};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  std::vector<int> open_;  // sockets of live connections, under mutex_
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace gemstone::testing
