// gemstone register NAME HOST PORT: a sidecar for services that cannot ping
// the registry themselves. Pings every --every seconds until SIGTERM or
// SIGINT, then unregisters the instance and exits.

#include <signal.h>

#include <cerrno>
#include <cmath>
#include <ctime>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/meta_flags.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/url.hpp"
#include "cli/session.hpp"

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

}  // namespace

Command add_register_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string name;
    std::string host;
    int port = 0;
    double every = 30.0;
    bool json = false;
    bool quiet = false;
    TransportFlags transport;
    std::vector<std::string> meta;  // --meta KEY=VALUE
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "register", "Keep a service registered: ping every --every seconds, unregister on SIGTERM/SIGINT");
  cmd->footer(
      "Runs until SIGTERM or SIGINT (Ctrl-C), then unregisters the instance and exits 0.\n"
      "--timeout bounds each ping. With --json, each ping's answer is one line on stdout.\n"
      "A registry that denies access (-32001: no token, or a wrong one) stops it at once, exit 1.\n"
      "Examples:\n"
      "  gemstone register calculator 10.0.0.7 9000\n"
      "  gemstone register --token-file /etc/gemstone/write.token calculator 10.0.0.7 9000\n"
      "  gemstone register --every 10 --registry http://10.0.0.5:8000/api legacy.billing 10.0.0.8 8080 &");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("NAME", flags->name, "Service name")->required()->type_name("");
  cmd->add_option("HOST", flags->host, "Host name or IP address of the instance")->required()->type_name("");
  cmd->add_option("PORT", flags->port, "Port of the instance")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (parse_port(text)) return {};
            return "must be a port number 1..65535, not '" + text + "'";
          },
          ""))
      ->type_name("");
  cmd->add_option("--every", flags->every, "Seconds between pings (default 30)")
      ->check(positive_seconds())
      ->type_name("SECONDS");
  cmd->add_flag("--json", flags->json, "Print each ping's answer as one line of JSON on stdout");
  cmd->add_flag("-q,--quiet", flags->quiet, "No [!] lines on stderr");
  add_transport_flags(*cmd, flags->transport, "Seconds each ping may take (default 10)");
  add_meta_flag(*cmd, flags->meta, "Metadata the instance carries, e.g. --meta zone=eu-1 (repeatable)");

  return {cmd, [flags]() -> int {
            Output out(OutputOptions{flags->quiet, false, true});
            auto meta = parse_meta_flags(flags->meta);
            if (!meta.ok()) return out.usage(meta.error());
            auto session = open_session(flags->registries, flags->transport, out);
            if (!session.ok()) return session.error();
            RegistryClient& registry = session.value().registry;

            // Taken by sigtimedwait below, never by a handler.
            sigset_t stop;
            sigemptyset(&stop);
            sigaddset(&stop, SIGINT);
            sigaddset(&stop, SIGTERM);
            sigprocmask(SIG_BLOCK, &stop, nullptr);

            bool registered = false;
            bool failing = false;
            for (;;) {
              // Without --meta, the ping the original registry understands too.
              auto pinged = meta.value().empty()
                                ? registry.ping(flags->name, flags->host, flags->port)
                                : registry.ping(flags->name, flags->host, flags->port, meta.value());
              if (pinged.ok()) {
                const Instance& i = pinged.value();
                if (flags->json) {
                  rapidjson::Document doc;
                  out.json(instance_json(i, doc.GetAllocator()));
                }
                if (!registered || failing) {
                  out.note("registered " + i.name + " at " + i.url + " in " + registry.current_url() +
                           " (expires in " + format_seconds(i.expires_in) + ", pinging every " +
                           format_seconds(flags->every) + ")");
                }
                registered = true;
                failing = false;
              } else if (!pinged.error().is_transport()) {
                // Refused by the registry (invalid params, access denied):
                // retrying cannot help.
                return session.value().fail(pinged.error(), out);
              } else {
                out.warn("ping failed: " + pinged.error().describe() + "; retrying in " +
                         format_seconds(flags->every));
                failing = true;
              }
              if (wait_for_stop(stop, flags->every)) break;
            }

            if (!registered) return kExitOk;
            auto removed = registry.unregister(flags->name, flags->host, flags->port);
            if (!removed.ok()) return session.value().fail(removed.error(), out);
            out.note("unregistered " + flags->name + " (" + flags->host + ":" +
                     std::to_string(flags->port) + ")");
            return kExitOk;
          }};
}

}  // namespace gemstone::cli
