#pragma once
// The subcommands of `gemstone`. Each adds itself to the application (its
// arguments, help text and an example) and returns how to run it once the
// command line has been parsed.

#include <functional>

namespace CLI {
class App;
}

namespace gemstone::cli {

/// Runs a parsed subcommand; returns the exit status.
using Run = std::function<int()>;

struct Command {
  CLI::App* app;  ///< the subcommand, to see whether it was chosen
  Run run;
};

Command add_call_command(CLI::App& app);
Command add_call_raw_command(CLI::App& app);
Command add_locate_command(CLI::App& app);
Command add_services_command(CLI::App& app);
Command add_specs_command(CLI::App& app);
Command add_register_command(CLI::App& app);
Command add_watch_command(CLI::App& app);
Command add_ping_command(CLI::App& app);
Command add_unregister_command(CLI::App& app);
/// `app` must outlive the command: help and completion read its definition.
Command add_help_command(CLI::App& app);
Command add_completion_command(CLI::App& app);

}  // namespace gemstone::cli
