#pragma once
// One registered instance of a service, as the store keeps it.

#include <chrono>
#include <cstdint>
#include <string>

namespace gemstone::registry {

/// Expiry runs on the monotonic clock: changing the wall clock must neither
/// expire nor resurrect anything.
using Clock = std::chrono::steady_clock;

struct Instance {
  std::string name;
  std::string host;   ///< without brackets, also for IPv6
  std::uint16_t port = 0;
  std::string url;    ///< as pinged, or http://host:port/api
  Clock::time_point expires_at{};
};

/// One service name and how many live instances it has.
struct ServiceSummary {
  std::string name;
  std::size_t instances = 0;
};

}  // namespace gemstone::registry
