#include "registry/daemon/options_from_config.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

#include "registry/api/access_control.hpp"
#include "registry/daemon/credentials.hpp"

namespace gemstone::registry {
namespace {

std::chrono::milliseconds to_millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

}  // namespace

Result<std::optional<TokenSet>, std::string> read_token_file(const char* option,
                                                             const std::string& configured) {
  if (configured.empty()) return std::optional<TokenSet>();
  const std::string path = credential_path(configured);
  auto tokens = TokenSet::load(path);
  if (!tokens.ok()) return std::string(option) + ": " + tokens.error();
  spdlog::info("{}: {} token{} from {}", option, tokens.value().size(),
               tokens.value().size() == 1 ? "" : "s", path);
  return std::optional<TokenSet>(std::move(tokens).value());
}

MethodsOptions methods_options_from(const Config& config, int bound_port) {
  MethodsOptions options;
  options.ttl_seconds = config.ttl;
  options.host = config.host;
  options.port = bound_port;
  options.max_name_length = config.max_name_length;
  options.max_host_length = config.max_host_length;
  options.locate_result = config.locate_result;
  options.backend = config.backend == Backend::kEtcd ? "etcd" : "memory";
  options.writes_block = config.backend == Backend::kEtcd;
  return options;
}

jsonrpc::DispatcherOptions dispatcher_options_from(const Config& config) {
  jsonrpc::DispatcherOptions options;
  options.style = config.response_style;
  options.max_batch = config.max_batch;
  options.max_response_bytes = config.max_response_bytes;
  return options;
}

Result<HttpServerOptions, std::string> http_server_options_from(const Config& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return std::string("tls_cert and tls_key must be given together");
  }
  auto read = read_token_file("read_token_file", config.read_token_file);
  if (!read.ok()) return std::move(read).error();
  auto write = read_token_file("write_token_file", config.write_token_file);
  if (!write.ok()) return std::move(write).error();

  HttpServerOptions http;
  http.host = config.host;
  http.port = config.port;
  http.max_body_bytes = config.max_body_bytes;
  http.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout);
  http.request_timeout = to_millis(config.request_timeout);
  http.shutdown_timeout = to_millis(config.shutdown_timeout);
  http.access_log = config.access_log;
  http.max_header_bytes = config.max_header_bytes;
  http.event_loops = config.event_loops;
  http.access = AccessPolicy(std::move(read).value(), std::move(write).value());
  http.tls_cert = credential_path(config.tls_cert);
  http.tls_key = credential_path(config.tls_key);
  http.tls_ciphers = config.tls_ciphers;
  http.ui = config.ui;
  return http;
}

}  // namespace gemstone::registry
