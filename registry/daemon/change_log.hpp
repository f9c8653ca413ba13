#pragma once
// At debug level, one log line per instance that came, changed or went:
// what an operator reads to see who registered and who stopped pinging.
// The store knows no logging: the daemon feeds these from the watch hub's
// thread, off the request path.

#include <vector>

#include "registry/store/change.hpp"

namespace gemstone::registry {

/// "instance registered: svc.a 10.0.0.5:8080" (also updated, unregistered,
/// expired), one debug line per change; nothing below debug.
void log_changes(const std::vector<Change>& changes);

}  // namespace gemstone::registry
