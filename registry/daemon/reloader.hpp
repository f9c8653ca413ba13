#pragma once
// What SIGHUP does, as nginx and consul do it: the configuration is read
// again (the same flags, the environment, the config file as it is now) and
// what can change without a restart is applied at once: the token files
// (read again even when their names did not change: that is how tokens are
// rotated), the TLS certificate and key (for connections accepted from now
// on), log_level and access_log. An option that cannot change live (host,
// port, ttl, ...) and that the file changed is logged as needing a restart.
// Whatever fails keeps what was in force and says why; nothing here stops
// the daemon or touches the registered instances.

#include <functional>
#include <string>
#include <vector>

#include "gemstone/result.hpp"
#include "registry/daemon/config.hpp"
#include "registry/http/http_server.hpp"

namespace gemstone::registry {

class Reloader {
 public:
  /// `read`: the configuration as it is now; `running`: the one in force.
  Reloader(std::function<Result<Config, std::string>()> read, Config running, HttpServer& server);

  /// One reload, logged line by line; from one thread at a time.
  void reload();

  /// The options a reload applies.
  static bool applies_live(const std::string& option);

 private:
  void reload_tokens(const Config& next, std::vector<std::string>& done,
                     std::vector<std::string>& failed);
  void reload_tls(const Config& next, std::vector<std::string>& done,
                  std::vector<std::string>& failed, std::vector<std::string>& restart);

  std::function<Result<Config, std::string>()> read_;
  Config running_;
  HttpServer& server_;
};

}  // namespace gemstone::registry
