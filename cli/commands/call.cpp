// gemstone call [--registry URL]... NAME METHOD [PARAMS]...
// Finds NAME in the first registry that has it (one that cannot be reached
// or has no match is skipped for the next), picks one live instance at
// random (the next on a connection failure), identifies it and calls METHOD.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/call_flow.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {

Command add_call_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string name;
    CallFlags call;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("call", "Call a method of a service found in the registry");
  cmd->footer(
      "NAME is a glob pattern; one live instance is picked at random. Registries are asked in\n"
      "order: one that cannot be reached or has no match is skipped for the next.\n"
      "Examples:\n"
      "  gemstone call calculator add a:=1 b:=2\n"
      "  gemstone call --registry http://10.0.0.5:8000/api 'worker.*' status -q --compact\n"
      "  token=$(gemstone call -q -r auth login user=alice password=secret)\n"
      "  gemstone call -v reports build spec:=@spec.json notes=@notes.txt");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("NAME", flags->name, "Service name pattern (glob)")->required()->type_name("");
  add_call_flags(*cmd, flags->call);

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->call.print, flags->call.raw);
            if (!made.ok()) return made.error();
            Output& out = made.value();
            auto prepared = prepare_call(flags->call, out);
            if (!prepared.ok()) return prepared.error();
            const PreparedCall& call = prepared.value();
            auto registry = open_registry(flags->registries, call.options, out);
            if (!registry.ok()) return registry.error();

            const auto started = Deadline::Clock::now();
            auto service = registry.value().connect(flags->name, call.options, call.deadline);
            const auto identified = Deadline::Clock::now() - started;
            if (!service.ok()) {
              if (service.error().kind == ErrorKind::kNoInstance && registry.value().urls().size() > 1) {
                out.warn("no live instance matches '" + flags->name + "' in any registry that answered");
                return kExitNoInstance;
              }
              return out.fail_registry(service.error(), carries_token(call.options));
            }
            if (registry.value().urls().size() > 1) out.note("Registry: " + registry.value().current_url());
            return finish_call(service.value(), flags->call, call.params, out, call.deadline, identified);
          }};
}

}  // namespace gemstone::cli
