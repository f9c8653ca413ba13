#pragma once
// What the command line means beyond what CLI11 checks: usage errors that
// point at the mistake (an unknown command or option, with the closest
// known one), and the common options (--registry, --timeout, -q ...) that
// may come before the command, as etcdctl and consul take them.

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}

namespace gemstone::cli {

/// The name an option is shown by: its first long name ("--registry"),
/// else its first short one ("-q").
std::string option_name(const CLI::Option& option);

/// Whether `option` takes a value (is not a flag).
bool takes_value(const CLI::Option& option);

/// The subcommands of `app`, in the order they were added.
std::vector<const CLI::App*> commands_of(const CLI::App& app);

/// A usage error for `args` (the arguments after the program's name) that
/// names what is wrong, walking them as CLI11 would: "unknown command
/// 'cal'; did you mean 'call'?", "unknown option '--bogus' for 'gemstone
/// call'", "a command is required". None when the walk finds none of these
/// (CLI11's own message then stands). One line, without "gemstone: ".
std::optional<std::string> pointed_usage_error(const CLI::App& app, const std::vector<std::string>& args);

/// Moves the options given before the command (the options of `app`
/// itself) into the chosen `command`, as if they had been written right
/// after its name: given again after it, a single-valued option takes the
/// later value, a repeatable one keeps both, the earlier first. Throws
/// CLI11's ParseError when a value does not pass the command's checks; the
/// error (one line) names an option given before `command` that it does
/// not take.
std::optional<std::string> forward_common_options(CLI::App& app, CLI::App& command);

}  // namespace gemstone::cli
