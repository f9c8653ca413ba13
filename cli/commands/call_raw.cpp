// gemstone call_raw URL METHOD [PARAMS]...
// Identifies the service at URL and calls METHOD: no registry involved.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/call_flow.hpp"
#include "cli/commands/commands.hpp"

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
      "  gemstone call_raw -H 'X-Api-Token: s3cret' https://calc.example.com/api add a:=1 b:=2");
  cmd->add_option("URL", flags->url, "The service's JSON-RPC endpoint (http:// or https://)")
      ->required()
      ->type_name("");
  add_call_flags(*cmd, flags->call);

  return {cmd, [flags]() -> int {
            Output out(flags->call.output);
            auto prepared = prepare_call(flags->call);
            if (!prepared.ok()) return out.usage(prepared.error());
            PreparedCall& call = prepared.value();
            const Deadline deadline = Deadline::in(call.options.timeout);

            auto service = RemoteService::open(flags->url, call.options);
            if (!service.ok()) return out.fail(service.error());
            const auto started = Deadline::Clock::now();
            auto identified = service.value().identify(deadline);
            const auto elapsed = Deadline::Clock::now() - started;
            if (!identified.ok()) return out.fail(identified.error());
            return finish_call(service.value(), flags->call, call.params, out, deadline, elapsed);
          }};
}

}  // namespace gemstone::cli
