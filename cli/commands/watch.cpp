// gemstone watch PATTERN: one JSON line per change of the instances
// matching PATTERN, or, with --exec, a command run after each batch of
// changes with the instances on its stdin (the way `consul watch` runs a
// handler). Runs until SIGINT or SIGTERM, which exit 0.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands/commands.hpp"
#include "cli/meta_flags.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/session.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/registry_watch.hpp"

namespace gemstone::cli {
namespace {

// Everything printed is flushed line by line, so there is nothing to lose:
// a stop signal ends the process on the spot, even mid long-poll.
extern "C" void exit_on_stop(int) { _exit(kExitOk); }

bool write_all(int fd, const std::string& data) {
  std::size_t at = 0;
  while (at < data.size()) {
    const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// Runs `sh -c command` with `input` on its stdin and GEMSTONE_WATCH_INDEX
// set; waits for it. Returns its exit status, or -1 when it could not start.
int run_handler(const std::string& command, const std::string& input, std::uint64_t index) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::setenv("GEMSTONE_WATCH_INDEX", std::to_string(index).c_str(), 1);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(pipe_fds[0]);
  write_all(pipe_fds[1], input);  // a handler that does not read its stdin is fine
  ::close(pipe_fds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// -o text: "added api.a 10.0.0.1:8080 http://10.0.0.1:8080/api zone=eu-1 (expired)".
std::string event_words(const WatchEvent& event) {
  const Instance& i = event.instance;
  std::string line = std::string(to_string(event.kind)) + " " + i.name + " " + i.host + ":" +
                     std::to_string(i.port) + " " + i.url;
  for (const auto& [key, value] : i.meta) line += " " + key + "=" + value;
  if (!event.reason.empty()) line += " (" + event.reason + ")";
  return line + "\n";
}

}  // namespace

Command add_watch_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern;
    bool initial = false;
    std::string exec;
    std::vector<std::string> meta;
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  flags->transport.timeout_seconds = 30;
  CLI::App* cmd = app.add_subcommand(
      "watch", "Print each change of the instances matching a pattern, or run a command on each");
  cmd->footer(
      "Prints one JSON object per line and change: {\"event\": \"added\"|\"removed\"|\"updated\",\n"
      "\"instance\": {...}, \"index\": N} (-o text: one line of words instead). With --exec, runs 'sh -c CMD' after each batch of\n"
      "changes instead (never two at once), with the current instances as a JSON array on its\n"
      "stdin and GEMSTONE_WATCH_INDEX in its environment; it also runs once at the start.\n"
      "A registry that goes away is retried with backoff (said on stderr). SIGINT/SIGTERM exit 0.\n"
      "--timeout bounds each long poll (default 30), not the command.\n"
      "Examples:\n"
      "  gemstone watch 'api.*'\n"
      "  gemstone watch --meta zone=eu-1 --initial 'api.*' | jq -c 'select(.event == \"removed\")'\n"
      "  gemstone watch 'api.*' --exec 'jq -r \".[] | \\\"server \\(.host):\\(.port);\\\"\" > upstream.conf && nginx -s reload'");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("PATTERN", flags->pattern, "Service name pattern (glob)")->required()->type_name("");
  cmd->add_flag("--initial", flags->initial, "First print every current instance as \"added\"");
  cmd->add_option("--exec", flags->exec, "Run 'sh -c CMD' after each batch of changes instead of printing")
      ->type_name("CMD");
  add_meta_flag(*cmd, flags->meta, "Only instances whose metadata has KEY=VALUE (repeatable)");
  add_print_flags(*cmd, flags->print,
                  "one JSON object per change and line; text: EVENT NAME HOST:PORT URL [KEY=VALUE]... [(REASON)]",
                  "json");
  add_transport_flags(*cmd, flags->transport, "Seconds each long poll waits for a change (default 30)");

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            Output& out = made.value();
            // A stream for programs: JSON Lines unless -o text asks for words.
            const bool words = flags->print.output == "text";
            auto meta = parse_meta_flags(flags->meta);
            if (!meta.ok()) return out.usage(meta.error());
            // Each request may take the poll and the way back.
            TransportFlags transport = flags->transport;
            transport.timeout_seconds += 10;
            auto session = open_session(flags->registries, transport, out);
            if (!session.ok()) return session.error();
            RegistryClient& registry = session.value().registry;

            ::signal(SIGINT, exit_on_stop);
            ::signal(SIGTERM, exit_on_stop);
            ::signal(SIGPIPE, SIG_IGN);  // a handler that leaves its stdin unread

            WatchLoopOptions options;
            options.pattern = flags->pattern;
            options.meta = std::move(meta).value();
            options.poll = std::chrono::duration<double>(flags->transport.timeout_seconds);
            bool failing = false;
            auto on_batch = [&](const WatchBatch& batch) {
              if (failing) {
                out.note("watching " + flags->pattern + " again at " + registry.current_url());
                failing = false;
              }
              if (!flags->exec.empty()) {
                rapidjson::Document doc(rapidjson::kArrayType);
                for (const Instance& i : batch.instances) {
                  doc.PushBack(instance_json(i, doc.GetAllocator()), doc.GetAllocator());
                }
                const int status = run_handler(flags->exec, jsonrpc::to_json(doc) + "\n", batch.index);
                if (status != 0) out.warn("--exec command exited with status " + std::to_string(status));
                return;
              }
              if (batch.initial && !flags->initial) return;
              for (const WatchEvent& event : batch.events) {
                if (words) {
                  out.text(event_words(event));
                  continue;
                }
                rapidjson::Document line(rapidjson::kObjectType);
                auto& alloc = line.GetAllocator();
                const std::string_view kind = to_string(event.kind);
                line.AddMember("event", rapidjson::Value(kind.data(), static_cast<rapidjson::SizeType>(kind.size()), alloc), alloc);
                line.AddMember("instance", instance_json(event.instance, alloc), alloc);
                line.AddMember("index", rapidjson::Value(static_cast<uint64_t>(event.index)), alloc);
                if (!event.reason.empty()) {
                  line.AddMember("reason", rapidjson::Value(event.reason.c_str(), alloc), alloc);
                }
                out.json_line(line);
              }
            };
            auto on_retry = [&](const ClientError& error, std::chrono::milliseconds wait) {
              out.warn("watch failed: " + error.describe() + "; retrying in " +
                       format_seconds(std::chrono::duration<double>(wait).count()));
              failing = true;
            };
            std::atomic<bool> stop{false};
            auto failed = run_watch(registry, options, on_batch, on_retry, stop);
            if (failed) return session.value().fail(*failed, out);
            return kExitOk;
          }};
}

}  // namespace gemstone::cli
