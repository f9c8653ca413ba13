// gemstone: call JSON-RPC services directly or through gemstone-registry,
// and look into the registry. Parse the command line, run the chosen
// subcommand, exit with its status (see output.hpp for the codes).

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "gemstone/version.hpp"
#include "cli/output.hpp"

int main(int argc, char** argv) {
  namespace cli = gemstone::cli;

  CLI::App app("gemstone: call JSON-RPC services and query gemstone-registry", "gemstone");
  app.set_version_flag("--version", gemstone::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Run 'gemstone COMMAND --help' for the options of a command.\n"
      "Exit status: 0 success, 1 JSON-RPC error from the service, 2 usage error,\n"
      "3 no live instance matched, 4 transport failure.\n"
      "Example:\n"
      "  gemstone call calculator add a:=1 b:=2");

  const std::vector<cli::Command> commands = {
      cli::add_call_command(app),     cli::add_call_raw_command(app),
      cli::add_locate_command(app),   cli::add_services_command(app),
      cli::add_specs_command(app),    cli::add_register_command(app),
      cli::add_watch_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = "gemstone";
    for (const cli::Command& command : commands) {
      if (command.app->parsed()) where += " " + command.app->get_name();
    }
    cli::Output().usage(std::string(e.what()) + " (see '" + where + " --help')");
    return cli::kExitUsage;
  }

  for (const cli::Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return cli::kExitUsage;  // unreachable: a subcommand is required
}
