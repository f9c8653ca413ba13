// gemstone-registry. main() reads as the daemon's life: signals,
// configuration, logging, the store (with what it held before a restart),
// the dispatcher and its methods, listen, serve (reloading on SIGHUP) until
// SIGTERM or SIGINT, drain, the last save of the state, exit. Everything
// else lives in registry_core.

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/registry_protocol.hpp"
#include "gemstone/version.hpp"
#include "registry/api/registry_methods.hpp"
#include "registry/api/watch_hub.hpp"
#include "registry/daemon/change_log.hpp"
#include "registry/daemon/config.hpp"
#include "registry/daemon/etcd_backend.hpp"
#include "registry/daemon/expiry_sweeper.hpp"
#include "registry/daemon/logging.hpp"
#include "registry/daemon/options_from_config.hpp"
#include "registry/daemon/reloader.hpp"
#include "registry/daemon/state_directory.hpp"
#include "registry/daemon/state_restore.hpp"
#include "registry/daemon/state_saver.hpp"
#include "registry/daemon/worker_pool.hpp"
#include "registry/http/http_server.hpp"
#include "registry/metrics.hpp"
#include "registry/store/memory_store.hpp"

namespace {

namespace reg = gemstone::registry;
namespace rpc = gemstone::jsonrpc;
using reg::Clock;

// SIGINT, SIGTERM and SIGHUP are taken by one thread with sigwait(), so no
// handler ever runs inside another thread's work. Blocked first thing, before
// any thread starts (every thread inherits the mask): from then on a SIGHUP
// waits for the reload instead of killing the daemon.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a write to a client that left fails with EPIPE instead
  return signals;
}

// Every open connection holds a descriptor: take all the hard limit allows,
// as the soft limit is often 1024.
void raise_descriptor_limit() {
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

// With etcd: 503 "starting" until the first list (a load balancer keeps
// the node out until it has the view), then 200, naming the backend's state.
reg::http::Health health(Clock::time_point started, const reg::Store& store,
                         const reg::EtcdBackend* etcd) {
  const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
  const bool starting = etcd != nullptr && !etcd->ready();
  char backend[48] = "";
  if (etcd != nullptr) std::snprintf(backend, sizeof backend, ",\"backend\":\"%s\"", etcd->state());
  char body[224];
  std::snprintf(body, sizeof body,
                "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_seconds\":%.3f,\"instances\":%zu%s}",
                starting ? "starting" : "ok", gemstone::kVersion, uptime, store.size(), backend);
  return {starting ? 503 : 200, body};
}

// Writes to etcd wait on the network: they run here, never on an event loop.
constexpr std::size_t kBackendWriters = 16;

// Counts pings and unregisters for /metrics and bumps `changes`, which
// tells the state saver there is something to write.
reg::MethodEvents count_changes(reg::Metrics& metrics, std::atomic<std::uint64_t>& changes) {
  return {[&metrics, &changes] {
            metrics.record_ping();
            changes.fetch_add(1, std::memory_order_relaxed);
          },
          [&metrics, &changes] {
            metrics.record_unregister();
            changes.fetch_add(1, std::memory_order_relaxed);
          }};
}

void log_listening(const reg::Config& config, int port) {
  const bool v6 = config.host.find(':') != std::string::npos;
  spdlog::info("gemstone-registry {} listening on {}://{}{}{}:{}/api (ttl {}s, {} responses{})",
               gemstone::kVersion, config.tls_cert.empty() ? "http" : "https", v6 ? "[" : "",
               config.host, v6 ? "]" : "", port, config.ttl,
               config.response_style == rpc::ResponseStyle::kStrict ? "strict" : "gemstone",
               config.backend == reg::Backend::kEtcd
                   ? ", etcd " + config.etcd_endpoints + " prefix " + config.etcd_prefix
                   : std::string());
}

// The change index starts at the wall clock in microseconds (exact in a
// JSON double for centuries), so it keeps growing across restarts even
// without a state file.
std::uint64_t wall_clock_index() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Serves until SIGINT or SIGTERM, then returns once requests in flight are
// done. `stopping` runs first: parked long polls are answered before the
// drain. Each SIGHUP runs `reload` on the signal thread, while serving.
void serve_until_signal(reg::HttpServer& server, const sigset_t& signals,
                        const std::function<void()>& stopping,
                        const std::function<void()>& reload) {
  std::atomic<bool> served{false};
  std::thread waiter([&] {
    int received = 0;
    while (sigwait(&signals, &received) != 0 || received == SIGHUP) {
      if (received == SIGHUP && !served) reload();
      received = 0;
    }
    if (served) return;  // woken by ourselves below
    spdlog::info("received {}, finishing requests in flight",
                 received == SIGINT ? "SIGINT" : "SIGTERM");
    stopping();
    // stop() has no effect before the listen loop runs; repeat until it has.
    while (!served) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  server.serve();
  served = true;
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
}

}  // namespace

int main(int argc, char** argv) {
  // Signals, before anything else.
  const sigset_t signals = block_signals();

  // Configuration: flags, environment, file. Bad values stop here with exit 2.
  const reg::ConfigOutcome loaded = reg::load_config(argc, argv);
  if (loaded.action == reg::ConfigOutcome::Action::kExit) return loaded.exit_code;
  const reg::Config& config = loaded.config;
  raise_descriptor_limit();

  // Logging.
  reg::setup_logging(config.log_level);
  if (!config.config_file.empty()) spdlog::info("configuration read from {}", config.config_file);
  if (const auto state_dir = reg::prepare_state_directory(config.state_file); state_dir.problem) {
    spdlog::warn("{}", *state_dir.problem);
  } else if (state_dir.created) {
    spdlog::info("made the state directory for {}", config.state_file);
  }

  // The store, with what it held before a restart.
  reg::Metrics metrics(std::vector<std::string>(gemstone::registry_protocol::kMethods.begin(),
                                                 gemstone::registry_protocol::kMethods.end()));
  // In etcd, the index is etcd's revision and the state is etcd's.
  reg::MemoryStore memory(config.max_instances);
  std::unique_ptr<reg::EtcdBackend> etcd;
  if (config.backend == reg::Backend::kEtcd) {
    auto opened = reg::EtcdBackend::open(config);
    if (!opened.ok()) {
      reg::startup_error(opened.error());
      return 2;
    }
    etcd = std::move(opened).value();
  } else {
    if (!config.state_file.empty()) reg::restore_state(config.state_file, config.ttl, memory, metrics);
    memory.raise_index(wall_clock_index());
  }
  reg::Store& store = etcd ? etcd->store() : memory;
  reg::WatchHub watchers(store, config.max_watchers, &metrics);
  watchers.set_change_observer(reg::log_changes);
  watchers.attach();
  if (etcd) etcd->start();  // after the hub listens: it misses no change

  // The dispatcher and the HTTP server in front of it.
  rpc::Dispatcher dispatcher(reg::dispatcher_options_from(config));
  dispatcher.set_observer(
      [&metrics](const rpc::CallRecord& call) { metrics.record_call(call); });
  std::optional<reg::WorkerPool> writers;
  if (etcd) {
    writers.emplace(kBackendWriters);
    dispatcher.set_offload([&writers](std::function<void()> work) { writers->submit(std::move(work)); });
  }
  auto http = reg::http_server_options_from(config);
  if (!http.ok()) {
    reg::startup_error(http.error());
    return 2;
  }
  const auto started = Clock::now();
  reg::HttpServer server(
      std::move(http).value(), dispatcher, metrics,
      [&store, started, &etcd] { return health(started, store, etcd.get()); },
      [&store, &watchers, &etcd] {
        reg::Metrics::Gauges gauges{store.size(), store.service_count(), watchers.parked(),
                                    store.index()};
        if (etcd) etcd->add_gauges(gauges);
        return gauges;
      });

  // Listen. The methods come once the port is known, for get_service_specs.
  if (auto error = server.bind()) {
    reg::startup_error(*error);
    return 1;
  }
  std::atomic<std::uint64_t> changes{0};
  reg::MethodsOptions methods = reg::methods_options_from(config, server.bound_port());
  methods.started = started;
  reg::add_registry_methods(dispatcher, store, std::move(methods), count_changes(metrics, changes),
                            &watchers);
  metrics.index_methods(dispatcher.methods());
  log_listening(config, server.bound_port());

  // Serve until a signal, with expiry sweeps (etcd expires its own) and
  // state saves in the background.
  std::optional<reg::ExpirySweeper> sweeper;
  if (!etcd) sweeper.emplace(store, metrics, reg::sweep_interval(config.ttl));
  std::optional<reg::StateSaver> saver;
  if (!config.state_file.empty()) {
    saver.emplace(store, metrics, config.state_file,
                  std::chrono::milliseconds(static_cast<long long>(config.state_save_interval * 1000)),
                  changes);
  }
  reg::Reloader reloader([argc, argv] { return reg::read_config(argc, argv); }, config, server);
  serve_until_signal(
      server, signals, [&watchers] { watchers.shutdown(); }, [&reloader] { reloader.reload(); });

  // Drained: the last word goes to the state file.
  if (sweeper) sweeper->stop();
  if (writers) writers->stop();
  if (etcd) etcd->stop();
  const bool saved = !saver || saver->stop();
  spdlog::info("stopped; {} instances were registered", store.size());
  if (!saved) {
    spdlog::error("the last save of {} failed: what changed since the one before is lost",
                  config.state_file);
    return 1;
  }
  return 0;
}
