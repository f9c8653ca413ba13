// gemstone completion bash|zsh|fish: the shell completion script, made
// from the command's own definition at run time (see cli/completion.hpp).

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "cli/completion.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"

namespace gemstone::cli {

Command add_completion_command(CLI::App& app) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  cmd->footer(
      "The Debian package installs them; by hand:\n"
      "  bash: source <(gemstone completion bash)       (or save it as\n"
      "        ~/.local/share/bash-completion/completions/gemstone)\n"
      "  zsh:  gemstone completion zsh > ~/.zfunc/_gemstone   (with ~/.zfunc in $fpath)\n"
      "  fish: gemstone completion fish > ~/.config/fish/completions/gemstone.fish\n"
      "Examples:\n"
      "  gemstone completion bash");
  cmd->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(one_of(completion_shells()))->type_name("");

  return {cmd, [shell, &app]() -> int {
            std::cout << completion_script(app, *shell).value_or("");
            return kExitOk;
          }};
}

}  // namespace gemstone::cli
