#pragma once
// The registry's memory across restarts: live instances written to a file
// with their expiry as wall-clock time, so that time spent down counts
// against the TTL. Knows nothing of HTTP, of the store or of logging; it
// converts between the store's steady clock and the wall clock at its edges.
//
// Format (JSON, versioned; times are seconds since the Unix epoch):
//   {"format": "gemstone-registry-state", "version": 1, "saved_at": 1732531819.957,
//    "index": 1732531819957001,
//    "instances": [{"name": "svc", "host": "10.0.0.5", "port": 8080,
//                   "url": "http://10.0.0.5:8080/api", "expires_at": 1732531909.957,
//                   "meta": {"zone": "eu-1"}}]}
// "index" (the store's change index) and "meta" are optional: files written
// before they existed read as index 0 and no metadata.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/result.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry::state_file {

inline constexpr int kVersion = 1;

/// One moment read on both clocks: steady for the store, wall for the file.
struct Now {
  Clock::time_point steady;
  std::chrono::system_clock::time_point wall;

  static Now current();
};

/// What a state file held that is still worth having.
struct Loaded {
  std::vector<Instance> instances;  ///< live at `now`, expires_at on the steady clock
  std::size_t expired = 0;          ///< entries whose time ran out while we were down
  std::size_t invalid = 0;          ///< entries skipped because a field was missing or wrong
  std::uint64_t index = 0;          ///< the change index when saved (0: not recorded)
};

/// The file's text for `instances` (expiry converted to wall-clock time).
std::string encode(const std::vector<Instance>& instances, const Now& now,
                   std::uint64_t index = 0);

/// Parses a state file's text. A remaining lifetime longer than
/// `max_remaining` (the TTL) is cut to it: a wall clock set back while we
/// were down must not let an instance outlive its TTL. The error says what
/// is wrong with the text as a whole; bad entries are skipped and counted.
Result<Loaded, std::string> decode(std::string_view text, const Now& now,
                                   Clock::duration max_remaining);

enum class LoadFailure {
  kMissing,     ///< no file yet: the first start
  kUnreadable,  ///< it exists but cannot be read (permissions, a directory, ...)
  kCorrupt,     ///< read, but not a state file we understand (truncated, garbage, version)
};

struct LoadError {
  LoadFailure kind;
  std::string message;  ///< one line, names the file
};

/// Reads and decodes `path`.
Result<Loaded, LoadError> load(const std::string& path, const Now& now,
                               Clock::duration max_remaining);

/// Writes `instances` to `path` atomically: the text goes to `<path>.tmp`,
/// is fsynced, renamed over `path`, and the directory is fsynced. A crash at
/// any point leaves either the old file or the new one. Returns a one-line
/// reason on failure, with `path` untouched.
std::optional<std::string> save(const std::string& path, const std::vector<Instance>& instances,
                                const Now& now, std::uint64_t index = 0);

}  // namespace gemstone::registry::state_file
