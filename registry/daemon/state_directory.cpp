#include "registry/daemon/state_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gemstone::registry {
namespace {

std::string directory_of(const std::string& file) {
  const auto slash = file.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

std::string advice(const std::string& state_file, const std::string& what) {
  return "state file " + state_file + ": " + what +
         "; registered instances will not survive a restart. The packaged service gets its "
         "state directory from systemd (systemctl start gemstone-registry); run by hand, give "
         "--state-file a path in a directory you may write, or --state-file \"\" to keep nothing";
}

}  // namespace

StateDirectoryCheck prepare_state_directory(const std::string& state_file) {
  StateDirectoryCheck check;
  if (state_file.empty()) return check;
  const std::string directory = directory_of(state_file);
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      check.problem = advice(state_file, "cannot reach " + directory + ": " + std::strerror(errno));
      return check;
    }
    if (::mkdir(directory.c_str(), 0700) != 0) {
      check.problem = advice(state_file, "cannot create " + directory + ": " + std::strerror(errno));
      return check;
    }
    check.created = true;
    return check;
  }
  if (!S_ISDIR(st.st_mode)) {
    check.problem = advice(state_file, directory + " is not a directory");
  } else if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    check.problem = advice(state_file, "cannot write in " + directory + ": " + std::strerror(errno));
  }
  return check;
}

}  // namespace gemstone::registry
