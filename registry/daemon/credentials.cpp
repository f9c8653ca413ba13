#include "registry/daemon/credentials.hpp"

#include <cstdlib>

namespace gemstone::registry {

std::string credential_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
  if (directory == nullptr || *directory == '\0') return path;
  std::string in(directory);
  if (in.back() != '/') in += '/';
  return in + path;
}

}  // namespace gemstone::registry
