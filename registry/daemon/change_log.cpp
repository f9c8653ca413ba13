#include "registry/daemon/change_log.hpp"

#include <spdlog/spdlog.h>

namespace gemstone::registry {
namespace {

const char* what_happened(const Change& change) {
  switch (change.kind) {
    case ChangeKind::kAdded: return "registered";
    case ChangeKind::kUpdated: return "updated";
    case ChangeKind::kRemoved: break;
  }
  return change.reason == RemovalReason::kExpired ? "expired" : "unregistered";
}

}  // namespace

void log_changes(const std::vector<Change>& changes) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  for (const Change& change : changes) {
    const Instance& instance = change.instance();
    // Names and hosts were validated: printable, no spaces.
    const bool v6 = instance.host.find(':') != std::string::npos;
    spdlog::debug("instance {}: {} {}{}{}:{}", what_happened(change), instance.name, v6 ? "[" : "",
                  instance.host, v6 ? "]" : "", instance.port);
  }
}

}  // namespace gemstone::registry
