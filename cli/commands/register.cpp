// gemstone register NAME HOST PORT (or NAME --url URL): a sidecar for
// services that cannot ping the registry themselves. Pings every given
// registry every --every seconds (each on its own, so one that is down or
// slow delays no other) until SIGTERM or SIGINT, then unregisters the
// instance from all of them.

#include <signal.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <set>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/registration.hpp"
#include "cli/session.hpp"
#include "gemstone/registrar.hpp"

namespace gemstone::cli {
namespace {

// Waits up to `seconds` for SIGINT or SIGTERM (blocked, so they stay
// pending until taken here). True when one arrived.
bool wait_for_stop(const sigset_t& signals, double seconds) {
  const auto until = Deadline::in(std::chrono::duration<double>(seconds));
  for (;;) {
    const auto left = until.remaining();
    timespec wait{};
    wait.tv_sec = static_cast<time_t>(left.count() / 1'000'000);
    wait.tv_nsec = static_cast<long>((left.count() % 1'000'000) * 1000);
    const int got = sigtimedwait(&signals, nullptr, &wait);
    if (got == SIGINT || got == SIGTERM) return true;
    if (got < 0 && errno == EAGAIN) return false;
    if (until.passed()) return false;  // EINTR or another signal: wait out the rest
  }
}

// Whether pinging every `every` seconds keeps an instance alive in a
// registry that gives it `ttl` seconds even when one ping is lost or late:
// at least two pings fall within a TTL (gemstone's 30 s in 90 s: three).
bool well_inside(double every, double ttl) { return ttl <= 0 || every <= ttl / 2; }

}  // namespace

Command add_register_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    InstanceArgs instance;
    double every = 30.0;
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "register",
      "Keep a service registered in every registry: ping every --every seconds, unregister on SIGTERM/SIGINT");
  cmd->footer(
      "Runs until SIGTERM or SIGINT (Ctrl-C), then unregisters the instance from every registry\n"
      "and exits 0. Every registry given gets every ping, concurrently; --timeout bounds each\n"
      "ping, per registry. A registry that is down gets the instance again once it is back.\n"
      "The instance is http://HOST:PORT/api, or --url URL (https, another path).\n"
      "Warns when --every is more than half the TTL a registry gives the instance.\n"
      "With -o json, each ping's outcome is one line on stdout, naming the registry.\n"
      "A registry that refuses the instance (-32001 access denied, invalid params) is no\n"
      "longer pinged; when every registry refuses, it exits 1 at once.\n"
      "Examples:\n"
      "  gemstone register calculator 10.0.0.7 9000\n"
      "  gemstone register --registry http://10.0.0.5:8000/api --registry http://10.0.0.6:8000/api calc 10.0.0.7 9000\n"
      "  gemstone register --token-file /etc/gemstone/write.token calculator 10.0.0.7 9000\n"
      "  gemstone register --url https://calc.example.com/rpc calculator\n"
      "  gemstone register --every 10 --registry http://10.0.0.5:8000/api legacy.billing 10.0.0.8 8080 &");
  add_registry_flag(*cmd, flags->registries);
  add_instance_args(*cmd, flags->instance);
  cmd->add_option("--every", flags->every, "Seconds between pings (default 30)")
      ->check(positive_seconds())
      ->type_name("SECONDS");
  add_print_flags(*cmd, flags->print,
                  "each ping's outcome as one line on stdout: {\"registry\", \"event\", \"instance\" or "
                  "\"error\"}");
  add_transport_flags(*cmd, flags->transport, "Seconds each ping may take (default 10)");

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            const Output& out = made.value();
            auto session = open_registration(flags->registries, flags->instance, flags->transport, out);
            if (!session.ok()) return session.error();
            const RegistrationSession& s = session.value();
            const bool json = out.options().json;

            // Blocked before the registrar's threads start, so that they
            // inherit the mask and only sigtimedwait below takes them.
            sigset_t stop;
            sigemptyset(&stop);
            sigaddset(&stop, SIGINT);
            sigaddset(&stop, SIGTERM);
            sigprocmask(SIG_BLOCK, &stop, nullptr);

            RegistrarOptions registrar_options;
            registrar_options.interval =
                std::chrono::milliseconds(static_cast<long long>(flags->every * 1000.0 + 0.5));
            registrar_options.client = s.options;
            const std::string every = format_seconds(flags->every);
            int refused_status = kExitOk;          // written by the observer, read after stop()
            std::set<std::string> warned_about;    // registries whose TTL --every was checked against
            auto observer = [&](const RegistrarEvent& e) {
              if (json) print_event_json(e, out);
              switch (e.kind) {
                case RegistrarEvent::Kind::kRegistered:
                  out.note("registered " + e.instance->name + " at " + e.instance->url + " in " +
                           e.registry_url + " (expires in " + format_seconds(e.instance->expires_in) +
                           ", pinging every " + every + ")");
                  // A fresh ping's expires_in is the registry's TTL.
                  if (!well_inside(flags->every, e.instance->expires_in) &&
                      warned_about.insert(e.registry_url).second) {
                    out.warn("--every " + every + " is not well inside the TTL of " + e.registry_url + " (" +
                             format_seconds(e.instance->expires_in) +
                             "): one late ping and the instance expires there; ping at most every " +
                             format_seconds(e.instance->expires_in / 2));
                  }
                  break;
                case RegistrarEvent::Kind::kRenewed:
                  break;  // the routine case; -o json shows it
                case RegistrarEvent::Kind::kFailed:
                  out.warn("ping failed: " + e.error->describe() + "; retrying in " + every);
                  break;
                case RegistrarEvent::Kind::kRefused:
                  refused_status = out.fail_registry(*e.error, s.token_sent);
                  out.note(e.registry_url + " refused the instance; it is no longer pinged");
                  break;
                case RegistrarEvent::Kind::kUnregistered:
                case RegistrarEvent::Kind::kUnregisterFailed:
                  break;  // only stop() makes these, reported below
              }
            };
            auto registrar = Registrar::start(s.registries, s.registration, registrar_options, observer);
            if (!registrar.ok()) return out.fail(registrar.error());

            // A signal ends it; so does every registry refusing the instance.
            bool refused_everywhere = false;
            while (!wait_for_stop(stop, 0.05)) {
              if (registrar.value().all_refused()) {
                refused_everywhere = true;
                break;
              }
            }

            const std::string instance = describe_instance(s.registration);
            // An unregister that fails is said, not an exit status: the
            // instance expires there within the registry's TTL anyway.
            for (const RegistrarEvent& e : registrar.value().stop()) {
              if (json) print_event_json(e, out);
              if (e.kind == RegistrarEvent::Kind::kUnregistered) {
                out.note("unregistered " + instance + " from " + e.registry_url);
              } else {
                out.warn("could not unregister " + instance + ": " + e.error->describe());
              }
            }
            return refused_everywhere ? refused_status : kExitOk;
          }};
}

}  // namespace gemstone::cli
