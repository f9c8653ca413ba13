#include "registry/daemon/reloader.hpp"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "registry/api/access_control.hpp"
#include "registry/daemon/credentials.hpp"
#include "registry/daemon/logging.hpp"
#include "registry/daemon/options_from_config.hpp"

namespace gemstone::registry {
namespace {

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

Reloader::Reloader(std::function<Result<Config, std::string>()> read, Config running,
                   HttpServer& server)
    : read_(std::move(read)), running_(std::move(running)), server_(server) {}

bool Reloader::applies_live(const std::string& option) {
  for (const char* live : {"log_level", "access_log", "read_token_file", "write_token_file",
                           "tls_cert", "tls_key", "tls_ciphers"}) {
    if (option == live) return true;
  }
  return false;
}

void Reloader::reload() {
  spdlog::info("SIGHUP: reloading the configuration{}",
               running_.config_file.empty() ? "" : " from " + running_.config_file);
  auto read = read_();
  if (!read.ok()) {
    spdlog::error("reload failed, nothing changed: {}", read.error());
    return;
  }
  const Config next = std::move(read).value();
  std::vector<std::string> done;
  std::vector<std::string> failed;
  std::vector<std::string> restart;

  for (const OptionChange& change : changed_options(running_, next)) {
    if (applies_live(change.name)) continue;
    spdlog::warn("reload: {} changed from {} to {}, which needs a restart; still {}", change.name,
                 change.before, change.after, change.before);
    restart.push_back(change.name);
  }
  if (next.log_level != running_.log_level) {
    set_log_level(next.log_level);
    spdlog::info("reload: log_level {} (was {})", next.log_level, running_.log_level);
    running_.log_level = next.log_level;
    done.emplace_back("log_level");
  }
  if (next.access_log != running_.access_log) {
    server_.set_access_log(next.access_log);
    spdlog::info("reload: access_log {}", next.access_log ? "on" : "off");
    running_.access_log = next.access_log;
    done.emplace_back("access_log");
  }
  reload_tokens(next, done, failed);
  reload_tls(next, done, failed, restart);

  spdlog::log(failed.empty() ? spdlog::level::info : spdlog::level::warn,
              "reload finished: reloaded {}{}{}", done.empty() ? "nothing" : joined(done),
              failed.empty() ? "" : "; kept the old " + joined(failed),
              restart.empty() ? "" : "; needs a restart: " + joined(restart));
}

// Both files are read again, changed or not; either failing keeps both sets
// in force, so that a half-written file never locks anyone out.
void Reloader::reload_tokens(const Config& next, std::vector<std::string>& done,
                             std::vector<std::string>& failed) {
  if (next.read_token_file.empty() && next.write_token_file.empty() &&
      running_.read_token_file.empty() && running_.write_token_file.empty()) {
    return;
  }
  auto read = read_token_file("read_token_file", next.read_token_file);
  auto write = read_token_file("write_token_file", next.write_token_file);
  for (const auto* result : {&read, &write}) {
    if (!result->ok()) {
      spdlog::error("reload: {}; the tokens loaded before stay in force", result->error());
      failed.emplace_back("tokens");
      return;
    }
  }
  server_.set_access(AccessPolicy(std::move(read).value(), std::move(write).value()));
  running_.read_token_file = next.read_token_file;
  running_.write_token_file = next.write_token_file;
  done.emplace_back("tokens");
}

// Served connections keep the pair they were accepted with; the next ones
// get the new pair, once it has loaded and matched.
void Reloader::reload_tls(const Config& next, std::vector<std::string>& done,
                          std::vector<std::string>& failed, std::vector<std::string>& restart) {
  const bool serving = !running_.tls_cert.empty();
  const bool wanted = !next.tls_cert.empty() || !next.tls_key.empty();
  if (serving != wanted) {
    spdlog::warn("reload: serving {} instead of {} needs a restart; still {}",
                 wanted ? "HTTPS" : "HTTP", wanted ? "HTTP" : "HTTPS", wanted ? "HTTP" : "HTTPS");
    restart.emplace_back("tls_cert");
    return;
  }
  if (!serving) return;
  if (next.tls_cert.empty() || next.tls_key.empty()) {
    spdlog::error("reload: tls_cert and tls_key must be given together; the certificate loaded "
                  "before stays in force");
    failed.emplace_back("TLS certificate");
    return;
  }
  const std::string cert = credential_path(next.tls_cert);
  const std::string key = credential_path(next.tls_key);
  if (auto error = server_.reload_tls(cert, key, next.tls_ciphers)) {
    spdlog::error("reload: {}; new connections keep the certificate loaded before", *error);
    failed.emplace_back("TLS certificate");
    return;
  }
  spdlog::info("reload: TLS certificate {} and key {} for new connections", cert, key);
  running_.tls_cert = next.tls_cert;
  running_.tls_key = next.tls_key;
  running_.tls_ciphers = next.tls_ciphers;
  done.emplace_back("TLS certificate");
}

}  // namespace gemstone::registry
