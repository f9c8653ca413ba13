// Secrets the way systemd hands them over (LoadCredential=): a relative token
// file or TLS file is looked up in $CREDENTIALS_DIRECTORY. And every file
// the daemon cannot read says why, in the system's words.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tools.hpp"
#include "registry_process.hpp"
#include "temp_dir.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class CredentialsTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) const {
    return scratch_.write(name, text);
  }

  void make_tls_pair() const {
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir_ + "/tls.key -out " +
                            dir_ + "/tls.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  }

  // Runs the registry (with `args`) as a process that file permissions
  // apply to: as root, without the capabilities that bypass them.
  std::optional<RunResult> run_without_root_file_access(const std::vector<std::string>& args) const {
    std::string program = registry_binary();
    std::vector<std::string> full = {"--host", "127.0.0.1", "--port", "0"};
    full.insert(full.end(), args.begin(), args.end());
    if (::geteuid() == 0) {
      const auto setpriv = find_in_path("setpriv");
      if (!setpriv) return std::nullopt;
      full.insert(full.begin(), {"--bounding-set=-dac_override,-dac_read_search", "--", program});
      program = *setpriv;
    }
    return run(program, full, with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}}), 10s);
  }

  TempDir scratch_;
  const std::string dir_ = scratch_.path();
};

int code_of(const httplib::Result& res) {
  if (!res) return -1;
  auto doc = parse(res->body);
  if (!doc.IsObject()) return -1;
  if (doc.HasMember("error") && doc["error"].IsObject()) return doc["error"]["code"].GetInt();
  return 0;
}

TEST_F(CredentialsTest, RelativeSecretsAreReadFromTheCredentialsDirectory) {
  make_tls_pair();
  write("write.tokens", "w-token\n");
  ProcessOptions options;
  options.env["CREDENTIALS_DIRECTORY"] = dir_;
  options.cwd = "/";  // not where the files are: only the directory finds them
  RegistryProcess registry({"--write-token-file", "write.tokens", "--tls-cert", "tls.pem",
                            "--tls-key", "tls.key"},
                           options);
  EXPECT_NE(registry.process().err().find("write_token_file: 1 token from " + dir_ +
                                          "/write.tokens"),
            std::string::npos)
      << registry.process().err();
  httplib::SSLClient client("127.0.0.1", registry.port());
  client.set_ca_cert_path((dir_ + "/tls.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(10);
  const std::string ping = R"({"jsonrpc":"2.0","method":"ping","params":["svc","10.0.0.5",80],"id":1})";
  EXPECT_EQ(code_of(client.Post("/api", ping, "application/json")), -32001);
  EXPECT_EQ(code_of(client.Post("/api", {{"Authorization", "Bearer w-token"}}, ping,
                                "application/json")),
            0);
}

TEST_F(CredentialsTest, WithoutTheDirectoryARelativePathIsFromTheWorkingDirectory) {
  write("write.tokens", "w-token\n");
  ProcessOptions options;
  options.env["CREDENTIALS_DIRECTORY"] = std::nullopt;
  options.cwd = dir_;
  RegistryProcess registry({"--write-token-file", "write.tokens"}, options);
  EXPECT_NE(registry.process().err().find("write_token_file: 1 token from write.tokens"),
            std::string::npos)
      << registry.process().err();
}

TEST_F(CredentialsTest, AMissingCredentialIsNamedWithItsDirectory) {
  auto result = run(registry_binary(), {"--port", "0", "--read-token-file", "read.tokens"},
                    with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"},
                              {"CREDENTIALS_DIRECTORY", dir_}}),
                    10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("gemstone-registry: read_token_file: cannot read token file " + dir_ +
                            "/read.tokens: No such file or directory\n"),
            std::string::npos)
      << result.err;
}

TEST_F(CredentialsTest, AnUnreadableTokenFileSaysPermissionDenied) {
  const std::string tokens = write("write.tokens", "w-token\n");
  ASSERT_EQ(::chmod(tokens.c_str(), 0), 0);
  const auto result = run_without_root_file_access({"--write-token-file", tokens});
  if (!result) {
    if (in_ci()) FAIL() << "setpriv (util-linux) is required in CI when tests run as root";
    GTEST_SKIP() << "running as root without setpriv: permissions do not apply";
  }
  EXPECT_EQ(result->status, 2) << result->err;
  EXPECT_NE(result->err.find("gemstone-registry: write_token_file: cannot read token file " +
                             tokens + ": Permission denied\n"),
            std::string::npos)
      << result->err;
}

TEST_F(CredentialsTest, AnUnreadableTlsKeySaysPermissionDenied) {
  make_tls_pair();
  ASSERT_EQ(::chmod((dir_ + "/tls.key").c_str(), 0), 0);
  const auto result = run_without_root_file_access(
      {"--tls-cert", dir_ + "/tls.pem", "--tls-key", dir_ + "/tls.key"});
  if (!result) {
    if (in_ci()) FAIL() << "setpriv (util-linux) is required in CI when tests run as root";
    GTEST_SKIP() << "running as root without setpriv: permissions do not apply";
  }
  EXPECT_NE(result->status, 0);
  EXPECT_NE(result->err.find("gemstone-registry: cannot read TLS key " + dir_ +
                             "/tls.key: Permission denied\n"),
            std::string::npos)
      << result->err;
}

}  // namespace
}  // namespace gemstone::testing
