#pragma once
// The daemon's one logger: spdlog on stderr. On a terminal or in a file each
// line carries our timestamp; under journald (JOURNAL_STREAM names our
// stderr) it carries a syslog priority prefix instead, since journald
// records the time and the unit itself and `journalctl -p warning` then works.

#include <string>

namespace gemstone::registry {

/// True when stderr is the journal stream systemd connected us to.
bool stderr_is_journal();

/// Installs the default logger at `level` (trace, debug, info, warn, error).
void setup_logging(const std::string& level);

}  // namespace gemstone::registry
