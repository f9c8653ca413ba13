// gemstone-registry: reads top to bottom as the daemon's life: configuration,
// logging, store and methods, listen, serve until a signal, drain, exit.

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "config.hpp"
#include "gemstone/version.hpp"
#include "http_server.hpp"
#include "memory_store.hpp"
#include "methods.hpp"
#include "metrics.hpp"

namespace {

using gemstone::registry::Clock;

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("gemstone-registry");
  // journald adds its own timestamp; a terminal user still wants one.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL overrides
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

  setup_logging(config.log_level);
  if (!config.config_file.empty()) spdlog::info("configuration read from {}", config.config_file);

  // 3. Store, methods, metrics.
  reg::MemoryStore store;
  rpc::Dispatcher dispatcher(rpc::DispatcherOptions{config.response_style, rpc::kDefaultMaxDepth,
                                                    config.max_batch});
  std::vector<std::string> method_names = {"ping", "locate_service", "unregister",
                                           "list_services", "get_service_specs"};
  reg::Metrics metrics(method_names);
  dispatcher.set_observer(
      [&metrics](const rpc::CallRecord& call) { metrics.record_call(call.method, call.code); });

  // 4. Listen.
  const auto started = Clock::now();
  reg::HttpServerOptions http;
  http.host = config.host;
  http.port = config.port;
  http.max_body_bytes = config.max_body_bytes;
  http.max_threads = config.max_threads;
  http.min_threads = std::min<std::size_t>(4, config.max_threads);
  http.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout);
  http.access_log = config.access_log;
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
  reg::add_registry_methods(dispatcher, store, methods_options,
                            {[&metrics] { metrics.record_ping(); },
                             [&metrics] { metrics.record_unregister(); }});
  const bool v6 = config.host.find(':') != std::string::npos;
  spdlog::info("gemstone-registry {} listening on http://{}{}{}:{}/api (ttl {}s, {} responses)",
               gemstone::kVersion, v6 ? "[" : "", config.host, v6 ? "]" : "",
               server.bound_port(), config.ttl,
               config.response_style == rpc::ResponseStyle::kStrict ? "strict" : "gemstone");

  // 5. Serve until SIGINT/SIGTERM.
  const auto sweep_every = std::chrono::milliseconds(
      std::clamp<long>(static_cast<long>(config.ttl * 1000 / 4), 50, 1000));
  Sweeper sweeper(store, metrics, sweep_every);
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

  spdlog::info("stopped; {} instances were registered", store.size());
  return 0;
}
