#include "registry/store/etcd/etcd_gateway.hpp"

#include <algorithm>
#include <utility>

#include <httplib.h>

namespace gemstone::registry::etcd {

struct EtcdGateway::Member {
  std::string origin;  // scheme://host:port
  std::mutex mutex;
  std::vector<std::unique_ptr<httplib::Client>> idle;  // keep-alive connections, under mutex
};

namespace {

// Idle connections kept per member: enough for the worker pool's writers.
constexpr std::size_t kMaxIdle = 32;

// Reaching a member is quick or it is down: a connection attempt gets at
// most this (or the request timeout, when shorter) before the next member.
constexpr std::chrono::milliseconds kMaxConnectTime{1000};

template <class Duration>
void set_timeouts(httplib::Client& client, std::chrono::milliseconds connect, Duration read) {
  client.set_connection_timeout(connect);
  client.set_read_timeout(read);
  client.set_write_timeout(read);
}

}  // namespace

EtcdGateway::EtcdGateway(GatewayOptions options) : options_(std::move(options)) {
  for (const Url& url : options_.endpoints) {
    auto member = std::make_unique<Member>();
    member->origin = std::string(url.tls ? "https://" : "http://") + url_authority(url.host, url.port);
    members_.push_back(std::move(member));
  }
}

EtcdGateway::~EtcdGateway() = default;

std::unique_ptr<httplib::Client> EtcdGateway::connect(const Member& member,
                                                      std::chrono::milliseconds read) const {
  auto client = options_.cert.empty()
                    ? std::make_unique<httplib::Client>(member.origin)
                    : std::make_unique<httplib::Client>(member.origin, options_.cert, options_.key);
  if (!options_.cacert.empty()) client->set_ca_cert_path(options_.cacert);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  set_timeouts(*client, std::min(options_.timeout, kMaxConnectTime), read);
  return client;
}

std::unique_ptr<httplib::Client> EtcdGateway::take(Member& member) {
  {
    std::lock_guard lock(member.mutex);
    if (!member.idle.empty()) {
      auto client = std::move(member.idle.back());
      member.idle.pop_back();
      return client;
    }
  }
  return connect(member, options_.timeout);
}

void EtcdGateway::give_back(Member& member, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(member.mutex);
  if (member.idle.size() < kMaxIdle) member.idle.push_back(std::move(client));
}

Result<GatewayAnswer, std::string> EtcdGateway::post(std::string_view path, const std::string& body) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  const std::string target(path);
  std::string why;
  // Each member once; with one member, twice: a kept-alive connection the
  // member closed meanwhile fails once, a fresh one does not.
  const std::size_t attempts = std::max<std::size_t>(members_.size(), 2);
  const std::size_t first = current_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < attempts; ++i) {
    const std::size_t at = (first + i) % members_.size();
    Member& member = *members_[at];
    auto client = take(member);
    auto result = client->Post(target, body, "application/json");
    if (!result) {
      why = member.origin + ": " + httplib::to_string(result.error());
      continue;  // the connection is dropped with the client
    }
    if (result->status >= 500) {
      // A member without a leader (or shutting down) answers 503: ask another.
      why = member.origin + ": HTTP " + std::to_string(result->status) + " " + result->body;
      give_back(member, std::move(client));
      continue;
    }
    current_.store(at, std::memory_order_relaxed);
    GatewayAnswer answer{result->status, std::move(result->body)};
    give_back(member, std::move(client));
    return answer;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  return why;
}

Result<bool, std::string> EtcdGateway::stream(std::string_view path, const std::string& body,
                                              std::chrono::milliseconds idle,
                                              const std::function<bool(std::string_view)>& on_line) {
  std::string why = "no etcd endpoint";
  const std::size_t first = current_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const std::size_t at = (first + i) % members_.size();
    Member& member = *members_[at];
    auto client = connect(member, idle);
    {
      std::lock_guard lock(stream_mutex_);
      if (stopped_) return std::string("stopped");
      streaming_ = client.get();
    }
    httplib::Request request;
    request.method = "POST";
    request.path = std::string(path);
    request.body = body;
    request.set_header("Content-Type", "application/json");
    bool received = false;
    bool refused = false;  // on_line said stop
    std::string pending;
    request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      received = true;
      pending.append(data, size);
      std::size_t start = 0;
      for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
        if (end > start && !on_line(std::string_view(pending).substr(start, end - start))) {
          refused = true;
          return false;
        }
      }
      pending.erase(0, start);
      return true;
    };
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    const bool sent = client->send(request, response, error);
    {
      std::lock_guard lock(stream_mutex_);
      streaming_ = nullptr;
    }
    if (refused) return true;
    if (sent && response.status == 200) return true;  // the stream ended
    if (received) {
      // It was flowing: the member went away or stayed quiet for `idle`.
      return std::string(member.origin + ": stream ended: " + httplib::to_string(error));
    }
    why = member.origin + ": " +
          (sent ? "HTTP " + std::to_string(response.status) : httplib::to_string(error));
    if (!sent || response.status >= 500) continue;
    return why;
  }
  return why;
}

void EtcdGateway::stop_streams() {
  std::lock_guard lock(stream_mutex_);
  stopped_ = true;
  if (streaming_ != nullptr) streaming_->stop();
}

}  // namespace gemstone::registry::etcd
