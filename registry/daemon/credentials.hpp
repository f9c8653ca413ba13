#pragma once
// systemd credentials (LoadCredential=, systemd.exec(5)): under
// DynamicUser=yes the service's user cannot read a root-owned 0600 token
// file or TLS key, but systemd can hand the daemon a copy in a directory of
// its own, named by $CREDENTIALS_DIRECTORY. A relative path of a secret's
// option is then a credential's name.

#include <string>

namespace gemstone::registry {

/// The file a secret's option (read_token_file, write_token_file, tls_cert,
/// tls_key) names: a relative `path` is in $CREDENTIALS_DIRECTORY when that
/// is set and not empty; any other path is taken as given.
std::string credential_path(const std::string& path);

}  // namespace gemstone::registry
