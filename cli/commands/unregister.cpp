// gemstone unregister NAME HOST PORT (or NAME --url URL): removes an
// instance from every registry given, at the same time.

#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/registration.hpp"
#include "cli/session.hpp"
#include "gemstone/registrar.hpp"

namespace gemstone::cli {

Command add_unregister_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    InstanceArgs instance;
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("unregister", "Remove an instance from every registry");
  cmd->footer(
      "Every registry given is asked at the same time; --timeout bounds each request.\n"
      "Exit status 0 when a registry had the instance and every registry answered, 3 when\n"
      "every registry answered and none had it, else that of the first that failed\n"
      "(1 refused, e.g. access denied; 4 not reached).\n"
      "Examples:\n"
      "  gemstone unregister calculator 10.0.0.7 9000\n"
      "  gemstone unregister --url https://calc.example.com/rpc calculator\n"
      "  gemstone unregister --registry http://10.0.0.5:8000/api --registry http://10.0.0.6:8000/api calc 10.0.0.7 9000");
  add_registry_flag(*cmd, flags->registries);
  add_instance_args(*cmd, flags->instance, false);
  add_print_flags(*cmd, flags->print,
                  "each registry's answer as one line on stdout: {\"registry\", \"event\", \"removed\" or "
                  "\"error\"}");
  add_transport_flags(*cmd, flags->transport, "Seconds each request may take (default 10)");

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            const Output& out = made.value();
            auto session = open_registration(flags->registries, flags->instance, flags->transport, out);
            if (!session.ok()) return session.error();
            const RegistrationSession& s = session.value();
            const std::string instance = describe_instance(s.registration);

            int failure = kExitOk;
            bool removed_somewhere = false;
            for (const RegistrarEvent& e :
                 unregister_from_every_registry(s.registries, s.registration, s.options)) {
              if (out.options().json) print_event_json(e, out);
              if (e.kind != RegistrarEvent::Kind::kUnregistered) {
                const int status = out.fail_registry(*e.error, s.token_sent);
                if (failure == kExitOk) failure = status;
              } else if (e.removed) {
                removed_somewhere = true;
                out.note("unregistered " + instance + " from " + e.registry_url);
              } else {
                out.note(instance + " was not registered in " + e.registry_url);
              }
            }
            if (failure != kExitOk) return failure;
            if (!removed_somewhere) {
              out.warn("no registry had " + instance);
              return kExitNoInstance;
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli
