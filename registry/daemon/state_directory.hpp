#pragma once
// The state file's directory, looked at before the first save. The packaged
// configuration keeps the state in /var/lib/gemstone-registry, which systemd
// creates for the service (StateDirectory=): run by hand, the directory may
// be missing or not ours. The daemon still starts (it never refuses to
// because of its state file) but says at once what will happen and what to
// do, instead of one failed save after another.

#include <optional>
#include <string>

namespace gemstone::registry {

struct StateDirectoryCheck {
  bool created = false;                ///< it was missing, and is now made (mode 0700)
  std::optional<std::string> problem;  ///< why saves will fail, and what to do
};

/// Makes the directory of `state_file` when it is missing and its parent
/// exists and lets us (only that one level: a typo does not grow a tree),
/// and checks that we may create files in it.
StateDirectoryCheck prepare_state_directory(const std::string& state_file);

}  // namespace gemstone::registry
