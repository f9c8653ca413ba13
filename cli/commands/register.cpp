// gemstone register NAME HOST PORT: a sidecar for services that cannot ping
// the registry themselves. Pings every given registry every --every seconds
// (each on its own, so one that is down or slow delays no other) until
// SIGTERM or SIGINT, then unregisters the instance from all of them.

#include <signal.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/meta_flags.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registrar.hpp"
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

// One --json line: what happened in which registry.
void print_event_json(const RegistrarEvent& event, const Output& out) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  doc.AddMember("registry", rapidjson::Value(event.registry_url.c_str(), alloc), alloc);
  doc.AddMember("event", rapidjson::StringRef(to_string(event.kind)), alloc);
  if (event.instance) doc.AddMember("instance", instance_json(*event.instance, alloc), alloc);
  if (event.error) doc.AddMember("error", rapidjson::Value(event.error->describe().c_str(), alloc), alloc);
  out.json(doc);
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
      "register",
      "Keep a service registered in every registry: ping every --every seconds, unregister on SIGTERM/SIGINT");
  cmd->footer(
      "Runs until SIGTERM or SIGINT (Ctrl-C), then unregisters the instance from every registry\n"
      "and exits 0. Every registry given gets every ping, concurrently; --timeout bounds each\n"
      "ping, per registry. A registry that is down gets the instance again once it is back.\n"
      "With --json, each ping's outcome is one line on stdout, naming the registry.\n"
      "A registry that refuses the instance (-32001 access denied, invalid params) is no\n"
      "longer pinged; when every registry refuses, it exits 1 at once.\n"
      "Examples:\n"
      "  gemstone register calculator 10.0.0.7 9000\n"
      "  gemstone register --registry http://10.0.0.5:8000/api --registry http://10.0.0.6:8000/api calc 10.0.0.7 9000\n"
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
  cmd->add_flag("--json", flags->json,
                "Print each ping's outcome as one line of JSON on stdout: {\"registry\", \"event\", "
                "\"instance\" or \"error\"}");
  cmd->add_flag("-q,--quiet", flags->quiet, "No [!] lines on stderr");
  add_transport_flags(*cmd, flags->transport, "Seconds each ping may take (default 10)");
  add_meta_flag(*cmd, flags->meta, "Metadata the instance carries, e.g. --meta zone=eu-1 (repeatable)");

  return {cmd, [flags]() -> int {
            Output out(OutputOptions{flags->quiet, false, true});
            auto meta = parse_meta_flags(flags->meta);
            if (!meta.ok()) return out.usage(meta.error());
            auto options = command_options(flags->transport, out);
            if (!options.ok()) return options.error();
            const bool token_sent = carries_token(options.value());

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
            registrar_options.client = options.value();
            const std::string every = format_seconds(flags->every);
            int refused_status = kExitOk;  // written by the observer, read after stop()
            auto observer = [&out, &flags, &every, token_sent, &refused_status](const RegistrarEvent& e) {
              if (flags->json) print_event_json(e, out);
              switch (e.kind) {
                case RegistrarEvent::Kind::kRegistered:
                  out.note("registered " + e.instance->name + " at " + e.instance->url + " in " +
                           e.registry_url + " (expires in " + format_seconds(e.instance->expires_in) +
                           ", pinging every " + every + ")");
                  break;
                case RegistrarEvent::Kind::kRenewed:
                  break;  // the routine case; --json shows it
                case RegistrarEvent::Kind::kFailed:
                  out.warn("ping failed: " + e.error->describe() + "; retrying in " + every);
                  break;
                case RegistrarEvent::Kind::kRefused:
                  refused_status = out.fail_registry(*e.error, token_sent);
                  out.note(e.registry_url + " refused the instance; it is no longer pinged");
                  break;
                case RegistrarEvent::Kind::kUnregistered:
                case RegistrarEvent::Kind::kUnregisterFailed:
                  break;  // only stop() makes these, reported below
              }
            };
            auto registrar = Registrar::start(registry_urls(flags->registries, std::getenv("GEMSTONE_REGISTRY")),
                                              Registration::at(flags->name, flags->host, flags->port)
                                                  .with_meta(meta.value()),
                                              registrar_options, observer);
            if (!registrar.ok()) return out.fail(registrar.error());

            // A signal ends it; so does every registry refusing the instance.
            bool refused_everywhere = false;
            while (!wait_for_stop(stop, 0.05)) {
              if (registrar.value().all_refused()) {
                refused_everywhere = true;
                break;
              }
            }

            const std::string instance =
                flags->name + " (" + flags->host + ":" + std::to_string(flags->port) + ")";
            // An unregister that fails is said, not an exit status: the
            // instance expires there within the registry's TTL anyway.
            for (const RegistrarEvent& e : registrar.value().stop()) {
              if (flags->json) print_event_json(e, out);
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
