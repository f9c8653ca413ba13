#include "etcd_cluster.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#include "eventually.hpp"

namespace gemstone::testing {
namespace {

// A port free now. etcd cannot report a port it chose itself, so we pick
// them; a race with another process is possible but rare, and start() retries.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace

std::optional<std::string> etcd_binary() {
  for (const char* candidate : {"/usr/bin/etcd", "/usr/local/bin/etcd"}) {
    if (::access(candidate, X_OK) == 0) return std::string(candidate);
  }
  return std::nullopt;
}

std::string base64(const std::string& text) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                       (static_cast<unsigned char>(text[i + 1]) << 8) |
                       static_cast<unsigned char>(text[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == text.size()) {
    const unsigned v = static_cast<unsigned char>(text[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == text.size()) {
    const unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                       (static_cast<unsigned char>(text[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

EtcdTls make_etcd_tls(const std::string& dir) {
  EtcdTls tls{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/client.pem",
              dir + "/client.key"};
  const std::string quiet = " >/dev/null 2>&1";
  const std::string ext = dir + "/san.ext";
  const std::vector<std::string> steps = {
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout " + dir +
          "/ca.key -out " + tls.ca,
      "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > " + ext,
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + tls.server_key + " -out " +
          dir + "/server.csr",
      "openssl x509 -req -in " + dir + "/server.csr -CA " + tls.ca + " -CAkey " + dir +
          "/ca.key -CAcreateserial -days 1 -extfile " + ext + " -out " + tls.server_cert,
      "openssl req -newkey rsa:2048 -nodes -subj /CN=gemstone-registry -keyout " + tls.client_key +
          " -out " + dir + "/client.csr",
      "openssl x509 -req -in " + dir + "/client.csr -CA " + tls.ca + " -CAkey " + dir +
          "/ca.key -CAcreateserial -days 1 -extfile " + ext + " -out " + tls.client_cert,
  };
  for (const auto& step : steps) {
    if (std::system((step + quiet).c_str()) != 0) throw std::runtime_error("failed: " + step);
  }
  return tls;
}

std::unique_ptr<EtcdCluster> EtcdCluster::start(int members, std::optional<EtcdTls> tls) {
  if (members != 1 && members != 3) throw std::invalid_argument("EtcdCluster: 1 or 3 members");
  if (!etcd_binary()) throw std::runtime_error("etcd is not installed (apt-get install etcd-server)");
  std::string last_logs;
  for (int attempt = 0; attempt < 3; ++attempt) {  // a picked port may be taken meanwhile
    std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
    cluster->tls_ = tls;
    char tmpl[] = "/tmp/gemstone-etcd-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    cluster->root_ = tmpl;
    static const char* names[] = {"a", "b", "c"};
    for (int i = 0; i < members; ++i) {
      Member m;
      m.name = names[i];
      m.client_port = free_port();
      m.peer_port = free_port();
      m.data_dir = cluster->root_ + "/" + m.name;
      cluster->members_.push_back(std::move(m));
    }
    for (int i = 0; i < members; ++i) cluster->launch(i, true);
    const bool up = eventually(
        [&] {
          for (int i = 0; i < members; ++i) {
            if (!cluster->healthy(i)) return false;
          }
          return true;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(50));
    if (up) return cluster;
    last_logs.clear();
    for (int i = 0; i < members; ++i) last_logs += cluster->log(i).substr(0, 4000) + "\n";
  }
  throw std::runtime_error("etcd did not become healthy; output:\n" + last_logs);
}

std::string EtcdCluster::initial_cluster() const {
  std::string out;
  for (const auto& m : members_) {
    if (!out.empty()) out += ',';
    out += m.name + "=" + url(m.peer_port);
  }
  return out;
}

void EtcdCluster::launch(int i, bool initial) {
  auto& m = members_.at(i);
  const std::string client = (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") +
                             std::to_string(m.client_port);
  std::vector<std::string> args = {
      "--name", m.name,
      "--data-dir", m.data_dir,
      "--listen-client-urls", client,
      "--advertise-client-urls", client,
      "--listen-peer-urls", url(m.peer_port),
      "--initial-advertise-peer-urls", url(m.peer_port),
      "--initial-cluster", initial_cluster(),
      "--initial-cluster-state", initial ? "new" : "existing",
      "--initial-cluster-token", root_,
      "--log-level", "warn",
      // Faster elections keep fault tests short; the defaults suit real networks.
      "--heartbeat-interval", "50", "--election-timeout", "500",
  };
  if (tls_) {
    args.insert(args.end(), {"--cert-file", tls_->server_cert, "--key-file", tls_->server_key,
                             "--trusted-ca-file", tls_->ca, "--client-cert-auth"});
  }
  m.process = Process::start(*etcd_binary(), args);
}

EtcdCluster::~EtcdCluster() {
  for (int i = 0; i < size(); ++i) stop(i);
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    if (!out.empty()) out += ',';
    out += client_url(i);
  }
  return out;
}

std::string EtcdCluster::client_url(int i) const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(members_.at(i).client_port);
}

std::unique_ptr<httplib::Client> EtcdCluster::client(int i) const {
  auto c = tls_ ? std::make_unique<httplib::Client>(client_url(i), tls_->client_cert, tls_->client_key)
                : std::make_unique<httplib::Client>(client_url(i));
  if (tls_) c->set_ca_cert_path(tls_->ca);
  return c;
}

void EtcdCluster::kill(int i) {
  auto& m = members_.at(i);
  if (!m.process) return;
  m.process->send_signal(SIGKILL);
  m.process->wait(std::chrono::seconds(5));
  m.process.reset();
}

void EtcdCluster::stop(int i) {
  auto& m = members_.at(i);
  if (!m.process) return;
  m.process->send_signal(SIGTERM);
  if (!m.process->wait(std::chrono::seconds(3))) {
    m.process->send_signal(SIGKILL);
    m.process->wait(std::chrono::seconds(5));
  }
  m.process.reset();
}

void EtcdCluster::restart(int i, bool wait_healthy) {
  stop(i);
  // Its data directory already holds the cluster's membership.
  launch(i, false);
  if (wait_healthy && !eventually([&] { return healthy(i); }, std::chrono::seconds(20),
                                  std::chrono::milliseconds(50))) {
    throw std::runtime_error("etcd member " + members_.at(i).name +
                             " did not become healthy again; output:\n" + log(i));
  }
}

bool EtcdCluster::running(int i) const { return members_.at(i).process != nullptr; }

bool EtcdCluster::healthy(int i) const {
  if (!running(i)) return false;
  auto c = client(i);
  c->set_connection_timeout(1);
  c->set_read_timeout(2);
  auto res = c->Get("/health");
  return res && res->status == 200 && res->body.find("\"health\":\"true\"") != std::string::npos;
}

std::optional<std::string> EtcdCluster::gateway(int i, const std::string& path,
                                                const std::string& body) const {
  auto c = client(i);
  c->set_connection_timeout(2);
  c->set_read_timeout(5);
  auto res = c->Post(path, body, "application/json");
  if (!res || res->status != 200) return std::nullopt;
  return res->body;
}

std::string EtcdCluster::log(int i) const {
  const auto& m = members_.at(i);
  return m.process ? m.process->err() + m.process->out() : std::string("(not running)");
}

}  // namespace gemstone::testing
