#pragma once
// Shell completion scripts for bash, zsh and fish, generated from the
// command's own CLI11 definition (its commands, their options and what
// each option's value is), so that they cannot drift from it:
//   - an option whose type name lists choices ("text|json") completes them;
//   - an option whose type name is FILE completes file names;
//   - a positional named COMMAND completes the command names, one named
//     SHELL the shells.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace gemstone::cli {

/// The shells a script can be made for: "bash", "zsh", "fish".
const std::vector<std::string>& completion_shells();

/// The completion script of `app` for `shell`; none for another shell.
std::optional<std::string> completion_script(const CLI::App& app, std::string_view shell);

}  // namespace gemstone::cli
