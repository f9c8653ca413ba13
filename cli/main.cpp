// gemstone: call JSON-RPC services directly or through gemstone-registry,
// and look into the registry. Parse the command line, run the chosen
// subcommand, exit with its status (see output.hpp for the codes).

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command_line.hpp"
#include "cli/commands/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "gemstone/version.hpp"

int main(int argc, char** argv) {
  namespace cli = gemstone::cli;

  CLI::App app("gemstone: call JSON-RPC services and query gemstone-registry", "gemstone");
  app.set_version_flag("--version", std::string("gemstone ") + gemstone::kVersion);
  app.require_subcommand(1);
  app.footer(
      "The common options may also come before the command (gemstone --registry URL locate '*').\n"
      "Run 'gemstone COMMAND --help' (or 'gemstone help COMMAND') for the options of a command.\n"
      "Exit status: 0 success, 1 JSON-RPC error from the service, 2 usage error,\n"
      "3 no live instance matched, 4 transport failure.\n"
      "Example:\n"
      "  gemstone call calculator add a:=1 b:=2");
  // What the options given before the command hold until they are moved
  // into it (forward_common_options).
  cli::CommonFlags before_command;
  cli::add_common_options(app, before_command);

  const std::vector<cli::Command> commands = {
      cli::add_call_command(app),       cli::add_call_raw_command(app), cli::add_locate_command(app),
      cli::add_services_command(app),   cli::add_specs_command(app),    cli::add_register_command(app),
      cli::add_ping_command(app),       cli::add_unregister_command(app), cli::add_watch_command(app),
      cli::add_completion_command(app), cli::add_help_command(app),
  };

  const std::vector<std::string> args(argv + 1, argv + argc);
  const cli::Command* chosen = nullptr;
  try {
    app.parse(argc, argv);
    for (const cli::Command& command : commands) {
      if (command.app->parsed()) chosen = &command;
    }
    if (chosen == nullptr) return cli::Output().usage("a command is required (see 'gemstone --help')");
    if (auto wrong = cli::forward_common_options(app, *chosen->app)) return cli::Output().usage(*wrong);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (auto pointed = cli::pointed_usage_error(app, args)) return cli::Output().usage(*pointed);
    std::string where = "gemstone";
    for (const cli::Command& command : commands) {
      if (command.app->parsed()) where += " " + command.app->get_name();
    }
    return cli::Output().usage(std::string(e.what()) + " (see '" + where + " --help')");
  }
  return chosen->run();
}
