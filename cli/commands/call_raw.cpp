// gemstone call_raw URL METHOD [PARAMS]...
// Identifies the service at URL and calls METHOD: no registry involved.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/call_flow.hpp"
#include "cli/commands/commands.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {

Command add_call_raw_command(CLI::App& app) {
  struct Flags {
    std::string url;
    CallFlags call;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("call_raw", "Call a method of the service at a URL");
  cmd->footer(
      "Examples:\n"
      "  gemstone call_raw http://127.0.0.1:9000/api add a:=1 b:=2\n"
      "  gemstone call_raw http://127.0.0.1:9000/api add -p :=1 -p :=2\n"
      "  echo '{\"a\": 1, \"b\": 2}' | gemstone call_raw -q http://127.0.0.1:9000/api add --params-json -\n"
      "  gemstone call_raw -H 'X-Api-Token: s3cret' https://calc.example.com/api add a:=1 b:=2\n"
      "  gemstone call_raw -v http://127.0.0.1:9000/api add --params-json @params.json");
  cmd->add_option("URL", flags->url, "The service's JSON-RPC endpoint (http:// or https://)")
      ->required()
      ->type_name("");
  add_call_flags(*cmd, flags->call);

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->call.print, flags->call.raw);
            if (!made.ok()) return made.error();
            Output& out = made.value();
            auto prepared = prepare_call(flags->call, out);
            if (!prepared.ok()) return prepared.error();
            const PreparedCall& call = prepared.value();
            const auto started = Deadline::Clock::now();
            auto service = identify_service(flags->url, call.options, call.deadline, out);
            const auto elapsed = Deadline::Clock::now() - started;
            if (!service.ok()) return service.error();
            return finish_call(service.value(), flags->call, call.params, out, call.deadline, elapsed);
          }};
}

}  // namespace gemstone::cli
