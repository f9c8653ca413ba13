// gemstone-registry: reads top to bottom as the daemon's life: configuration,
// logging, store (and the state it had before a restart), methods, listen,
// serve until a signal, drain, save the state, exit.

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>

#include <spdlog/spdlog.h>

#include "registry/api/access_control.hpp"
#include "registry/daemon/config.hpp"
#include "gemstone/registry_protocol.hpp"
#include "gemstone/version.hpp"
#include "registry/http/http_server.hpp"
#include "registry/daemon/logging.hpp"
#include "registry/store/memory_store.hpp"
#include "registry/api/registry_methods.hpp"
#include "registry/metrics.hpp"
#include "registry/store/state_file.hpp"

namespace {

using gemstone::registry::Clock;

std::chrono::milliseconds to_millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}
// Removes expired instances a chunk at a time, so that expiring 100k at once
// never holds the store's lock for long.
class Sweeper {
 public:
  Sweeper(gemstone::registry::Store& store, gemstone::registry::Metrics& metrics,
          std::chrono::milliseconds every)
      : store_(store), metrics_(metrics), every_(every), thread_([this] { run(); }) {}
  ~Sweeper() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    constexpr std::size_t kChunk = 1000;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
      lock.unlock();
      std::size_t total = 0;
      for (;;) {
        const std::size_t n = store_.expire(Clock::now(), kChunk);
        total += n;
        if (n < kChunk) break;
        std::this_thread::yield();
      }
      if (total > 0) {
        metrics_.record_expired(total);
        spdlog::info("expired {} instance{}, {} left", total, total == 1 ? "" : "s", store_.size());
      }
      lock.lock();
    }
  }

  gemstone::registry::Store& store_;
  gemstone::registry::Metrics& metrics_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Reads the state file into the store. Whatever is wrong with the file is
// logged and the registry starts empty: a bad file must never keep it down.
void restore_state(const std::string& path, double ttl, gemstone::registry::Store& store,
                   gemstone::registry::Metrics& metrics) {
  namespace state = gemstone::registry::state_file;
  const auto max_remaining =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ttl));
  auto loaded = state::load(path, state::Now::current(), max_remaining);
  if (!loaded) {
    const state::LoadError& error = loaded.error();
    if (error.kind == state::LoadFailure::kMissing) {
      spdlog::info("no state file at {} yet; starting empty", path);
    } else if (error.kind == state::LoadFailure::kCorrupt) {
      // Kept aside for a post-mortem; the next save would overwrite it.
      const std::string aside = path + ".corrupt";
      const bool kept = std::rename(path.c_str(), aside.c_str()) == 0;
      spdlog::warn("{}; starting empty{}", error.message, kept ? " (kept as " + aside + ")" : "");
    } else {
      spdlog::warn("{}; starting empty", error.message);
    }
    return;
  }
  for (auto& instance : loaded.value().instances) store.ping(std::move(instance));
  const auto& l = loaded.value();
  metrics.record_state_restored(l.instances.size());
  spdlog::info("restored {} instance{} from {} ({} expired while down, {} invalid skipped)",
               l.instances.size(), l.instances.size() == 1 ? "" : "s", path, l.expired, l.invalid);
}

// Writes the state file every `every` when `changes` moved since the last
// write, and once more when stopped; a failing write is retried next time.
class StateSaver {
 public:
  StateSaver(const gemstone::registry::Store& store, gemstone::registry::Metrics& metrics,
             std::string path, std::chrono::milliseconds every,
             const std::atomic<std::uint64_t>& changes)
      : store_(store),
        metrics_(metrics),
        path_(std::move(path)),
        every_(every),
        changes_(changes),
        thread_([this] { run(); }) {}
  ~StateSaver() { stop(); }

  /// Stops the periodic saves and writes what changed since the last one.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    save_if_changed();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
      lock.unlock();
      save_if_changed();
      lock.lock();
    }
  }

  void save_if_changed() {
    namespace state = gemstone::registry::state_file;
    const std::uint64_t generation = changes_.load();
    if (generation == saved_generation_) return;
    const auto now = state::Now::current();
    const auto error = state::save(path_, store_.snapshot(now.steady), now);
    metrics_.record_state_save(!error, std::chrono::duration<double>(
                                           now.wall.time_since_epoch()).count());
    if (error) {
      // Once per outage, not once per attempt.
      if (!failing_) spdlog::error("{}; will retry every {} ms", *error, every_.count());
      failing_ = true;
      return;
    }
    if (failing_) spdlog::info("state file {} written again", path_);
    failing_ = false;
    saved_generation_ = generation;
  }

  const gemstone::registry::Store& store_;
  gemstone::registry::Metrics& metrics_;
  const std::string path_;
  const std::chrono::milliseconds every_;
  const std::atomic<std::uint64_t>& changes_;
  std::uint64_t saved_generation_ = 0;
  bool failing_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  namespace reg = gemstone::registry;
  namespace rpc = gemstone::jsonrpc;

  // 1. Configuration.
  reg::ConfigOutcome loaded = reg::load_config(argc, argv);
  if (loaded.action == reg::ConfigOutcome::Action::kExit) return loaded.exit_code;
  const reg::Config& config = loaded.config;

  // 2. Signals are taken by one thread with sigwait: every other thread,
  // started below, inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // One thread and one descriptor per open connection: take every
  // descriptor the hard limit allows (often 1024 soft vs 500k+ hard).
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  reg::setup_logging(config.log_level);
  if (!config.config_file.empty()) spdlog::info("configuration read from {}", config.config_file);

  // 3. Store (with what it held before a restart), methods, metrics.
  reg::MemoryStore store(config.max_instances);
  rpc::Dispatcher dispatcher(rpc::DispatcherOptions{config.response_style, rpc::kDefaultMaxDepth,
                                                    config.max_batch});
  reg::Metrics metrics(std::vector<std::string>(gemstone::registry_protocol::kMethods.begin(),
                                                 gemstone::registry_protocol::kMethods.end()));
  dispatcher.set_observer(
      [&metrics](const rpc::CallRecord& call) { metrics.record_call(call.method, call.code); });
  if (!config.state_file.empty()) restore_state(config.state_file, config.ttl, store, metrics);
  // Bumped by every ping and unregister: the state saver writes only when it moved.
  std::atomic<std::uint64_t> changes{0};

  // 4. Listen.
  const auto started = Clock::now();
  reg::HttpServerOptions http;
  http.host = config.host;
  http.port = config.port;
  http.max_body_bytes = config.max_body_bytes;
  http.max_threads = config.max_threads;
  http.min_threads = std::min<std::size_t>(4, config.max_threads);
  http.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout);
  http.request_timeout = to_millis(config.request_timeout);
  http.shutdown_timeout = to_millis(config.shutdown_timeout);
  http.access_log = config.access_log;
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    spdlog::error("tls_cert and tls_key must be given together");
    return 2;
  }
  http.max_header_bytes = config.max_header_bytes;
  http.tls_cert = config.tls_cert;
  http.tls_key = config.tls_key;
  http.tls_ciphers = config.tls_ciphers;
  // Token files are read once, here: a missing or empty one stops the start.
  std::optional<reg::TokenSet> read_tokens, write_tokens;
  for (auto [key, path, into] : {std::tuple{"read_token_file", &config.read_token_file, &read_tokens},
                                 std::tuple{"write_token_file", &config.write_token_file, &write_tokens}}) {
    if (path->empty()) continue;
    auto tokens = reg::TokenSet::load(*path);
    if (!tokens.ok()) {
      spdlog::error("{}: {}", key, tokens.error());
      return 2;
    }
    spdlog::info("{}: {} token{} from {}", key, tokens.value().size(),
                 tokens.value().size() == 1 ? "" : "s", *path);
    *into = std::move(tokens).value();
  }
  http.access = reg::AccessPolicy(std::move(read_tokens), std::move(write_tokens));
  reg::HttpServer server(
      http, dispatcher, metrics,
      [&store, started] {
        const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
        char body[160];
        std::snprintf(body, sizeof body,
                      "{\"status\":\"ok\",\"version\":\"%s\",\"uptime_seconds\":%.3f,"
                      "\"instances\":%zu}",
                      gemstone::kVersion, uptime, store.size());
        return std::string(body);
      },
      [&store] {
        return reg::Metrics::Gauges{store.size(), store.service_count()};
      });
  if (auto error = server.bind()) {
    spdlog::error("{}", *error);
    return 1;
  }
  // The methods are added once the port is known, for get_service_specs.
  reg::MethodsOptions methods_options;
  methods_options.ttl_seconds = config.ttl;
  methods_options.host = config.host;
  methods_options.port = server.bound_port();
  methods_options.max_name_length = config.max_name_length;
  methods_options.max_host_length = config.max_host_length;
  reg::add_registry_methods(dispatcher, store, methods_options,
                            {[&metrics, &changes] {
                               metrics.record_ping();
                               changes.fetch_add(1, std::memory_order_relaxed);
                             },
                             [&metrics, &changes] {
                               metrics.record_unregister();
                               changes.fetch_add(1, std::memory_order_relaxed);
                             }});
  const bool v6 = config.host.find(':') != std::string::npos;
  spdlog::info("gemstone-registry {} listening on {}://{}{}{}:{}/api (ttl {}s, {} responses)",
               gemstone::kVersion, config.tls_cert.empty() ? "http" : "https", v6 ? "[" : "",
               config.host, v6 ? "]" : "",
               server.bound_port(), config.ttl,
               config.response_style == rpc::ResponseStyle::kStrict ? "strict" : "gemstone");

  // 5. Serve until SIGINT/SIGTERM.
  const auto sweep_every = std::chrono::milliseconds(
      std::clamp<long>(static_cast<long>(config.ttl * 1000 / 4), 50, 1000));
  Sweeper sweeper(store, metrics, sweep_every);
  std::optional<StateSaver> saver;
  if (!config.state_file.empty()) {
    saver.emplace(store, metrics, config.state_file, to_millis(config.state_save_interval), changes);
  }
  std::atomic<bool> served{false};
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (served) return;  // woken by ourselves at exit
    spdlog::info("received {}, finishing requests in flight", received == SIGINT ? "SIGINT" : "SIGTERM");
    // stop() has no effect before the listen loop runs; repeat until it has.
    while (!served) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  server.serve();
  served = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();

  // 6. Requests have drained: the last word goes to the state file.
  if (saver) saver->stop();
  spdlog::info("stopped; {} instances were registered", store.size());
  return 0;
}
