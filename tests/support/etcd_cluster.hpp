#pragma once
// Real etcd members for tests: one, or a cluster of three, on loopback ports
// chosen at start, with data directories in a fresh temporary directory that
// is removed at the end. Every member is stopped (SIGTERM, then SIGKILL after
// a short grace: a member without quorum may ignore SIGTERM) on destruction.
//
//   auto etcd = EtcdCluster::start(1);          // throws when etcd is missing or never healthy
//   RegistryProcess node({"--backend", "etcd", "--etcd-endpoints", etcd->endpoints()});

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "process.hpp"
#include "tools.hpp"

namespace gemstone::testing {

/// Path of the `etcd` binary, or nothing when it is not installed.
std::optional<std::string> etcd_binary();

/// Fails the current test when etcd is missing in CI; skips it elsewhere.
/// Use as the first line of a test: `REQUIRE_ETCD();`
#define REQUIRE_ETCD()                                                                  \
  do {                                                                                  \
    if (!::gemstone::testing::etcd_binary()) {                                          \
      if (::gemstone::testing::in_ci()) FAIL() << "etcd (Debian etcd-server) is required in CI"; \
      GTEST_SKIP() << "etcd not installed (apt-get install etcd-server)";               \
    }                                                                                   \
  } while (false)

/// PEM files for members that speak TLS to their clients and ask each
/// client for a certificate signed by `ca`.
struct EtcdTls {
  std::string ca;
  std::string server_cert, server_key;  ///< for 127.0.0.1
  std::string client_cert, client_key;  ///< what the harness itself presents
};

/// Makes a CA, a server pair for 127.0.0.1 and a client pair signed by it,
/// in `dir`, with the openssl command; throws when it fails.
EtcdTls make_etcd_tls(const std::string& dir);

class EtcdCluster {
 public:
  /// Starts `members` members (1 or 3) and waits (at most 20 s) until every
  /// one answers /health; throws std::runtime_error with their output if not.
  /// With `tls`, client URLs are https:// and need a client certificate.
  static std::unique_ptr<EtcdCluster> start(int members = 1, std::optional<EtcdTls> tls = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  /// Client URLs of every member, comma-separated (for --etcd-endpoints).
  std::string endpoints() const;
  /// Client URL of member `i` (http://127.0.0.1:PORT).
  std::string client_url(int i) const;
  int client_port(int i) const { return members_.at(i).client_port; }

  /// SIGKILLs member `i` (its data stays, so restart() brings it back).
  void kill(int i);
  /// Stops member `i` gracefully (SIGTERM, then SIGKILL after 3 s).
  void stop(int i);
  /// Starts member `i` again on its old ports and data and waits until it is
  /// healthy (when `wait_healthy`; a lone member of three is not).
  void restart(int i, bool wait_healthy = true);
  bool running(int i) const;
  /// Whether member `i` answers GET /health with {"health":"true"}.
  bool healthy(int i) const;

  /// POSTs `body` to member `i`'s v3 gateway at `path` (e.g. "/v3/kv/range");
  /// the answer's body, or nothing on a transport error or non-200 status.
  std::optional<std::string> gateway(int i, const std::string& path, const std::string& body) const;

  /// Output of member `i` so far (for failure messages).
  std::string log(int i) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::string data_dir;
    std::unique_ptr<Process> process;
  };
  EtcdCluster() = default;
  void launch(int i, bool initial);
  std::string initial_cluster() const;

  std::unique_ptr<httplib::Client> client(int i) const;

  std::string root_;
  std::optional<EtcdTls> tls_;
  std::vector<Member> members_;
};

/// Base64 of `text` (etcd's gateway carries keys and values so).
std::string base64(const std::string& text);

}  // namespace gemstone::testing
