#pragma once
// The daemon's one logger: spdlog on stderr. On a terminal or in a file each
// line carries our timestamp; under journald (JOURNAL_STREAM names our
// stderr) it carries a syslog priority prefix instead, since journald
// records the time and the unit itself and `journalctl -p warning` then works.
// Timestamps carry the UTC offset, so that lines read elsewhere still say when.

#include <string>

namespace gemstone::registry {

/// True when stderr is the journal stream systemd connected us to.
bool stderr_is_journal();

/// Installs the default logger at `level` (trace, debug, info, warn, error).
void setup_logging(const std::string& level);

/// Sets the level of the installed logger (a reload); false, changing
/// nothing, when `level` is not one of those setup_logging takes.
bool set_log_level(const std::string& level);

/// Why the daemon cannot start, in the one format every start-up error has
/// (`gemstone-registry: MESSAGE`, as for a bad flag), on stderr: with an
/// error priority under journald, without the logger's timestamp.
void startup_error(const std::string& message);

}  // namespace gemstone::registry
