// gemstone help [COMMAND]: the same as gemstone --help and gemstone
// COMMAND --help, for those who type it the git way.

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/command_line.hpp"
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "cli/suggest.hpp"

namespace gemstone::cli {

Command add_help_command(CLI::App& app) {
  auto command = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("help", "Show the help of gemstone, or of a command");
  cmd->footer(
      "Examples:\n"
      "  gemstone help\n"
      "  gemstone help call");
  cmd->add_option("COMMAND", *command, "The command whose help to show")->type_name("");

  return {cmd, [command, &app]() -> int {
            if (command->empty()) {
              // app.help() would show the help of the chosen command: this one.
              std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
              return kExitOk;
            }
            std::vector<std::string> names;
            for (const CLI::App* c : commands_of(app)) {
              if (c->check_name(*command)) {
                std::cout << c->help(app.get_name());
                return kExitOk;
              }
              names.push_back(c->get_name());
            }
            const auto best = closest(*command, names);
            return Output().usage("unknown command '" + *command + "'" +
                                  (best ? "; did you mean '" + *best + "'?" : std::string()) +
                                  " (see 'gemstone --help')");
          }};
}

}  // namespace gemstone::cli
