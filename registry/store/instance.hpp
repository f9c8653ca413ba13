#pragma once
// One registered instance of a service, as the store keeps it.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gemstone::registry {

/// Expiry runs on the monotonic clock: changing the wall clock must neither
/// expire nor resurrect anything.
using Clock = std::chrono::steady_clock;

/// Free-form key/value pairs an instance carries (zone, version, ...),
/// sorted by key, keys unique.
using Meta = std::vector<std::pair<std::string, std::string>>;

/// Whether `meta` holds every pair of `filter` (both sorted by key).
inline bool meta_holds(const Meta& meta, const Meta& filter) {
  auto it = meta.begin();
  for (const auto& wanted : filter) {
    while (it != meta.end() && it->first < wanted.first) ++it;
    if (it == meta.end() || it->first != wanted.first || it->second != wanted.second) return false;
  }
  return true;
}

struct Instance {
  std::string name;
  std::string host;   ///< without brackets, also for IPv6
  std::uint16_t port = 0;
  std::string url;    ///< as pinged, or http://host:port/api
  Clock::time_point expires_at{};
  Meta meta;          ///< replaced by every ping
};

/// One service name and how many live instances it has.
struct ServiceSummary {
  std::string name;
  std::size_t instances = 0;
};

}  // namespace gemstone::registry
