// gemstone ping NAME HOST PORT (or NAME --url URL): registers or renews an
// instance once in every registry given, at the same time, and exits:
// what `register` does each interval, for scripts and health checks.

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

Command add_ping_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    InstanceArgs instance;
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "ping", "Register or renew an instance in every registry once, the way register does each time");
  cmd->footer(
      "Every registry given is pinged once, all at the same time; --timeout bounds each ping.\n"
      "Exit status 0 when every registry took the ping; else that of the first that did not\n"
      "(1 refused, e.g. access denied; 4 not reached). The instance expires after the\n"
      "registry's TTL unless pinged again.\n"
      "Examples:\n"
      "  gemstone ping calculator 10.0.0.7 9000\n"
      "  gemstone ping --url https://calc.example.com/rpc --meta zone=eu-1 calculator\n"
      "  gemstone ping -o json --registry http://10.0.0.5:8000/api calculator 10.0.0.7 9000");
  add_registry_flag(*cmd, flags->registries);
  add_instance_args(*cmd, flags->instance);
  add_print_flags(*cmd, flags->print,
                  "each registry's answer as one line on stdout: {\"registry\", \"event\", \"instance\" or "
                  "\"error\"}");
  add_transport_flags(*cmd, flags->transport, "Seconds each ping may take (default 10)");

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            const Output& out = made.value();
            auto session = open_registration(flags->registries, flags->instance, flags->transport, out);
            if (!session.ok()) return session.error();
            const RegistrationSession& s = session.value();

            int status = kExitOk;
            for (const RegistrarEvent& e :
                 ping_every_registry(s.registries, s.registration, s.options)) {
              if (out.options().json) print_event_json(e, out);
              int failed = kExitOk;
              if (e.kind == RegistrarEvent::Kind::kRegistered) {
                out.note("registered " + e.instance->name + " at " + e.instance->url + " in " +
                         e.registry_url + " (expires in " + format_seconds(e.instance->expires_in) + ")");
              } else {
                failed = out.fail_registry(*e.error, s.token_sent);
              }
              if (status == kExitOk) status = failed;
            }
            return status;
          }};
}

}  // namespace gemstone::cli
