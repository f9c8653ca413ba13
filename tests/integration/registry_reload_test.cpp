// SIGHUP against the real daemon: the token files, the TLS certificate and
// key, log_level and access_log change while clients stay connected; what
// cannot change live is reported; nothing is lost and nothing stops.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "registry_process.hpp"
#include "temp_dir.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A directory of its own per test.
class ReloadTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) const {
    return scratch_.write(name, text);
  }

  // Sends SIGHUP and waits for the reload to finish (its last line).
  static void reload(RegistryProcess& registry) {
    const auto finished = [](const std::string& err) {
      std::size_t n = 0;
      for (const char* last : {"reload finished", "reload failed"}) {
        for (auto at = err.find(last); at != std::string::npos; at = err.find(last, at + 1)) ++n;
      }
      return n;
    };
    const std::size_t before = finished(registry.process().err());
    registry.process().send_signal(SIGHUP);
    ASSERT_TRUE(registry.process().wait_for_stderr(
        [&](const std::string& err) { return finished(err) > before; }, 10s))
        << registry.process().err();
  }

  TempDir scratch_;
  const std::string dir_ = scratch_.path();
};

std::string ping_body(const std::string& name) {
  return R"({"jsonrpc":"2.0","method":"ping","params":[")" + name + R"(","10.0.0.5",8080],"id":1})";
}

// The JSON-RPC error code of an answer, 0 for a result, -1 for no answer.
int code_of(const httplib::Result& res) {
  if (!res) return -1;
  auto doc = parse(res->body);
  if (!doc.IsObject()) return -1;
  if (doc.HasMember("error") && doc["error"].IsObject()) return doc["error"]["code"].GetInt();
  return 0;
}

int ping_with(httplib::Client& client, const std::string& token, const std::string& name) {
  return code_of(client.Post("/api", {{"Authorization", "Bearer " + token}}, ping_body(name),
                             "application/json"));
}

TEST_F(ReloadTest, TokensChangeForAClientThatStaysConnected) {
  const std::string tokens = write("write.tokens", "old-token\n");
  RegistryProcess registry({"--write-token-file", tokens});
  httplib::Client client("127.0.0.1", registry.port());
  client.set_keep_alive(true);
  client.set_read_timeout(10);
  ASSERT_EQ(ping_with(client, "old-token", "svc.before"), 0);

  write("write.tokens", "# rotated\nnew-token\n");
  reload(registry);
  EXPECT_EQ(ping_with(client, "old-token", "svc.after"), -32001) << "the old token is refused";
  EXPECT_EQ(ping_with(client, "new-token", "svc.after"), 0) << "the new token is taken";
  EXPECT_EQ(located_count(registry, "svc.*"), 2u) << "the reload lost no registration";

  // A file that would lock everyone out is not taken: the tokens in force stay.
  write("write.tokens", "# nothing yet\n");
  reload(registry);
  EXPECT_EQ(ping_with(client, "new-token", "svc.kept"), 0);
  const std::string err = registry.process().err();
  EXPECT_NE(err.find("write_token_file: token file " + tokens + " holds no token; the tokens "
                     "loaded before stay in force"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("kept the old tokens"), std::string::npos) << err;
  EXPECT_EQ(err.find("new-token"), std::string::npos) << "tokens are never logged";
  EXPECT_EQ(registry.stop(), 0);
}

TEST_F(ReloadTest, LogLevelAndAccessLogFollowTheFile) {
  const std::string config = write("registry.toml", "log_level = \"info\"\n");
  RegistryProcess registry({"--config", config});
  registry.call("ping", R"(["svc.before","10.0.0.5",8080])");  // access_log is off
  write("registry.toml", "log_level = \"debug\"\naccess_log = true\n");
  reload(registry);
  registry.call("ping", R"(["svc.told","10.0.0.5",8080])");
  registry.call("unregister", R"(["svc.told","10.0.0.5",8080])");
  // Changes are logged by the watch hub's thread, a moment later.
  EXPECT_TRUE(registry.process().wait_for_stderr(
      [](const std::string& err) {
        return err.find("debug instance registered: svc.told 10.0.0.5:8080") != std::string::npos &&
               err.find("debug instance unregistered: svc.told 10.0.0.5:8080") != std::string::npos;
      },
      10s))
      << registry.process().err();
  const std::string err = registry.process().err();
  EXPECT_NE(err.find("reload: log_level debug (was info)"), std::string::npos) << err;
  const auto first_access = err.find("\"POST /api\" 200");
  ASSERT_NE(first_access, std::string::npos) << "access_log is on now\n" << err;
  EXPECT_GT(first_access, err.find("reload finished")) << "and was off before\n" << err;
  EXPECT_EQ(registry.stop(), 0);
}

TEST_F(ReloadTest, OptionsThatCannotChangeLiveAreReportedAndKept) {
  const std::string config = write("registry.toml", "ttl = 90\n");
  RegistryProcess registry({"--config", config});
  write("registry.toml", "ttl = 30\nmax_batch = 5\n");
  reload(registry);
  const std::string err = registry.process().err();
  EXPECT_NE(err.find("reload: ttl changed from 90.0 to 30.0, which needs a restart; still 90.0"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("needs a restart: ttl, max_batch"), std::string::npos) << err;
  auto doc = registry.call("ping", R"(["svc","10.0.0.5",8080])");
  EXPECT_GT(doc["result"]["expires_in"].GetDouble(), 60.0) << "still the ttl it started with";

  // A file that does not parse changes nothing.
  write("registry.toml", "ttl = \n");
  reload(registry);
  EXPECT_NE(registry.process().err().find("reload failed, nothing changed: " + config + ":1:"),
            std::string::npos)
      << registry.process().err();
  EXPECT_EQ(located_count(registry, "svc"), 1u);
  EXPECT_EQ(registry.stop(), 0);
}

TEST_F(ReloadTest, SighupNeverStopsTheDaemonNorLosesAnInstance) {
  const std::string state = dir_ + "/state.json";
  RegistryProcess registry({"--state-file", state, "--state-save-interval", "0.05"});
  for (int i = 0; i < 20; ++i) {
    registry.call("ping", R"(["svc.)" + std::to_string(i) + R"(","10.0.0.5",8080])");
    registry.process().send_signal(SIGHUP);
  }
  ASSERT_TRUE(eventually([&] {
    const std::string err = registry.process().err();
    std::size_t n = 0;
    for (auto at = err.find("reload finished"); at != std::string::npos;
         at = err.find("reload finished", at + 1)) {
      ++n;
    }
    return n >= 1 && located_count(registry, "svc.*") == 20;
  }));
  EXPECT_FALSE(registry.process().wait(200ms)) << "still running";
  EXPECT_EQ(located_count(registry, "svc.*"), 20u);
  EXPECT_EQ(registry.stop(), 0) << registry.process().err();
  RegistryProcess restarted({"--state-file", state});
  EXPECT_EQ(located_count(restarted, "svc.*"), 20u) << "the state file has them all";
}

// ---- TLS

class TlsReloadTest : public ReloadTest {
 protected:
  // A self-signed certificate for 127.0.0.1 and its key, as `name`.pem and `name`.key.
  void make_pair(const std::string& name) const {
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir_ + "/" + name +
                            ".key -out " + dir_ + "/" + name + ".pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  }
  void install(const std::string& cert, const std::string& key) const {
    fs::copy_file(dir_ + "/" + cert, dir_ + "/server.pem", fs::copy_options::overwrite_existing);
    fs::copy_file(dir_ + "/" + key, dir_ + "/server.key", fs::copy_options::overwrite_existing);
  }
  // Whether a new connection that trusts only `name`.pem gets an answer.
  bool new_connection_trusts(int port, const std::string& name) const {
    httplib::SSLClient client("127.0.0.1", port);
    client.set_ca_cert_path((dir_ + "/" + name + ".pem").c_str());
    client.enable_server_certificate_verification(true);
    client.set_read_timeout(10);
    return code_of(client.Post("/api", ping_body("svc.tls"), "application/json")) == 0;
  }
};

TEST_F(TlsReloadTest, NewConnectionsGetTheNewPairABadPairKeepsTheOld) {
  make_pair("first");
  make_pair("second");
  install("first.pem", "first.key");
  RegistryProcess registry({"--tls-cert", dir_ + "/server.pem", "--tls-key", dir_ + "/server.key"});
  httplib::SSLClient live("127.0.0.1", registry.port());
  live.set_ca_cert_path((dir_ + "/first.pem").c_str());
  live.enable_server_certificate_verification(true);
  live.set_keep_alive(true);
  live.set_read_timeout(10);
  ASSERT_EQ(code_of(live.Post("/api", ping_body("svc.live"), "application/json")), 0);
  ASSERT_TRUE(new_connection_trusts(registry.port(), "first"));

  install("second.pem", "second.key");
  reload(registry);
  EXPECT_TRUE(new_connection_trusts(registry.port(), "second"));
  EXPECT_FALSE(new_connection_trusts(registry.port(), "first"));
  EXPECT_EQ(code_of(live.Post("/api", ping_body("svc.live"), "application/json")), 0)
      << "a connection open before the reload keeps its session";
  EXPECT_NE(registry.process().err().find("reload: TLS certificate " + dir_ + "/server.pem"),
            std::string::npos);

  // The first key with the second certificate: refused, the second pair stays.
  fs::copy_file(dir_ + "/first.key", dir_ + "/server.key", fs::copy_options::overwrite_existing);
  reload(registry);
  EXPECT_TRUE(new_connection_trusts(registry.port(), "second"));
  EXPECT_NE(registry.process().err().find("cannot use TLS key " + dir_ + "/server.key with "
                                          "certificate " + dir_ + "/server.pem: key values mismatch"),
            std::string::npos)
      << registry.process().err();

  // A key that is gone: the reason is the system's.
  fs::remove(dir_ + "/server.key");
  reload(registry);
  EXPECT_TRUE(new_connection_trusts(registry.port(), "second"));
  EXPECT_NE(registry.process().err().find("cannot read TLS key " + dir_ +
                                          "/server.key: No such file or directory; new connections "
                                          "keep the certificate loaded before"),
            std::string::npos)
      << registry.process().err();
  EXPECT_EQ(registry.stop(), 0);
}

}  // namespace
}  // namespace gemstone::testing
