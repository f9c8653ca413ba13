#include "registry/daemon/options_from_config.hpp"

#include <stdlib.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace gemstone::registry {
namespace {

using gemstone::testing::TempDir;

TEST(MethodsOptionsFromTest, TakesTheConfiguredValuesAndTheBoundPort) {
  Config config;
  config.ttl = 12.5;
  config.host = "::1";
  config.port = 0;
  config.max_name_length = 40;
  config.max_host_length = 60;
  const MethodsOptions options = methods_options_from(config, 43210);
  EXPECT_EQ(options.ttl_seconds, 12.5);
  EXPECT_EQ(options.host, "::1");
  EXPECT_EQ(options.port, 43210);
  EXPECT_EQ(options.max_name_length, 40u);
  EXPECT_EQ(options.max_host_length, 60u);
}

TEST(HttpServerOptionsFromTest, TakesTheConfiguredValues) {
  Config config;
  config.host = "0.0.0.0";
  config.port = 9000;
  config.max_body_bytes = 2048;
  config.keep_alive_timeout = 30;
  config.request_timeout = 2.5;
  config.shutdown_timeout = 0.5;
  config.tls_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  config.access_log = true;
  config.max_header_bytes = 4096;
  config.event_loops = 3;
  auto options = http_server_options_from(config);
  ASSERT_TRUE(options.ok()) << options.error();
  const HttpServerOptions& http = options.value();
  EXPECT_EQ(http.host, "0.0.0.0");
  EXPECT_EQ(http.port, 9000);
  EXPECT_EQ(http.max_body_bytes, 2048u);
  EXPECT_EQ(http.keep_alive_timeout, std::chrono::seconds(30));
  EXPECT_EQ(http.request_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(http.shutdown_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(http.tls_ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_TRUE(http.access_log);
  EXPECT_EQ(http.max_header_bytes, 4096u);
  EXPECT_EQ(http.event_loops, 3u);
  EXPECT_TRUE(http.tls_cert.empty());
}

TEST(HttpServerOptionsFromTest, RelativeSecretsAreSystemdCredentials) {
  TempDir dir;
  std::ofstream(dir.file("write.tokens")) << "w-token\n";
  Config config;
  config.write_token_file = "write.tokens";
  config.tls_cert = "cert.pem";
  config.tls_key = "/etc/ssl/private/key.pem";
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto options = http_server_options_from(config);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_TRUE(options.value().access.allows(Access::kWrite, std::string_view("w-token")));
  EXPECT_EQ(options.value().tls_cert, dir.file("cert.pem"));
  EXPECT_EQ(options.value().tls_key, "/etc/ssl/private/key.pem") << "absolute paths stay";
}

TEST(HttpServerOptionsFromTest, WithoutCredentialsRelativePathsStayRelative) {
  ::unsetenv("CREDENTIALS_DIRECTORY");
  Config config;
  config.tls_cert = "cert.pem";
  config.tls_key = "key.pem";
  auto options = http_server_options_from(config);
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_EQ(options.value().tls_cert, "cert.pem");
}

TEST(HttpServerOptionsFromTest, AnUnreadableTokenFileSaysWhy) {
  Config config;
  config.read_token_file = "/nonexistent/read.tokens";
  auto options = http_server_options_from(config);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error(),
            "read_token_file: cannot read token file /nonexistent/read.tokens: No such file or "
            "directory");
}

TEST(HttpServerOptionsFromTest, TheDashboardIsOnUnlessTurnedOff) {
  Config config;
  EXPECT_TRUE(http_server_options_from(config).value().ui);
  config.ui = false;
  EXPECT_FALSE(http_server_options_from(config).value().ui);
}

TEST(HttpServerOptionsFromTest, TlsCertAndKeyComeTogether) {
  Config config;
  config.tls_cert = "/etc/x/cert.pem";
  auto options = http_server_options_from(config);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error(), "tls_cert and tls_key must be given together");
}

TEST(HttpServerOptionsFromTest, AMissingTokenFileNamesTheOption) {
  Config config;
  config.write_token_file = "/nonexistent/tokens";
  auto options = http_server_options_from(config);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error().rfind("write_token_file: ", 0), 0u) << options.error();
}

TEST(HttpServerOptionsFromTest, TokenFilesAreRead) {
  TempDir dir;
  Config config;
  config.read_token_file = dir.file("read");
  std::ofstream(config.read_token_file) << "reader-token-0123456789\n";
  auto options = http_server_options_from(config);
  ASSERT_TRUE(options.ok()) << options.error();
}

}  // namespace
}  // namespace gemstone::registry
