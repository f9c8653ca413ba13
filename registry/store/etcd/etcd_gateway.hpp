#pragma once
// HTTP to etcd's v3 JSON gateway, over the members of one cluster: every
// request goes to the member that answered last; a member that cannot be
// reached (or answers 5xx) is skipped for the next one. Keep-alive
// connections are pooled per member, so concurrent requests do not queue on
// one socket. TLS (https endpoints) verifies the members by etcd_cacert and
// presents etcd_cert/etcd_key when given.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/result.hpp"
#include "gemstone/url.hpp"

namespace httplib {
class Client;
}

namespace gemstone::registry::etcd {

struct GatewayOptions {
  std::vector<Url> endpoints;  ///< at least one, all http or all https
  std::chrono::milliseconds timeout{2000};  ///< per request and member
  std::string cacert;  ///< PEM file; empty: the system's CAs
  std::string cert;    ///< PEM client certificate, with `key`
  std::string key;
};

/// An answer of any status: 200, or an etcd error ({"error",...}) with 4xx.
struct GatewayAnswer {
  int status = 0;
  std::string body;
};

class EtcdGateway {
 public:
  explicit EtcdGateway(GatewayOptions options);
  ~EtcdGateway();
  EtcdGateway(const EtcdGateway&) = delete;
  EtcdGateway& operator=(const EtcdGateway&) = delete;

  /// POSTs `body` to `path` ("/v3/kv/range"). The error says why no member
  /// answered (each tried once). Thread-safe.
  Result<GatewayAnswer, std::string> post(std::string_view path, const std::string& body);

  /// POSTs `body` to `path` and hands every line of the answer's body to
  /// `on_line` as it arrives, until `on_line` returns false, the stream
  /// ends, nothing arrives for `idle` or stop_streams() is called. Errors:
  /// no member reachable, or an HTTP status other than 200. One stream at a time.
  Result<bool, std::string> stream(std::string_view path, const std::string& body,
                                   std::chrono::milliseconds idle,
                                   const std::function<bool(std::string_view line)>& on_line);
  /// Ends the stream in progress (from any thread), and every later one.
  void stop_streams();

  std::uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  struct Member;
  std::unique_ptr<httplib::Client> connect(const Member& member, std::chrono::milliseconds read) const;
  std::unique_ptr<httplib::Client> take(Member& member);
  void give_back(Member& member, std::unique_ptr<httplib::Client> client);

  GatewayOptions options_;
  std::vector<std::unique_ptr<Member>> members_;
  std::atomic<std::size_t> current_{0};  // the member that answered last
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> failures_{0};

  std::mutex stream_mutex_;
  httplib::Client* streaming_ = nullptr;  // under stream_mutex_
  bool stopped_ = false;                  // under stream_mutex_
};

}  // namespace gemstone::registry::etcd
