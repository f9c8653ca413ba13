// Micro-benchmarks of the in-memory store (registry/memory_store.cpp) at
// 1k, 10k and 100k instances: renewing pings, locate by literal prefix, by
// exact name and by `*`, and sweeping every instance at once when they all
// expire. Instance k is svc.<k/10>.<k%10> on 127.0.0.1:10000+k, as
// tests/bench/load_instances.py registers them in the daemon.

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "gemstone/glob.hpp"
#include "registry/store/memory_store.hpp"

namespace {

using gemstone::Glob;
using gemstone::registry::Clock;
using gemstone::registry::Instance;
using gemstone::registry::MemoryStore;

const Clock::time_point kNow = Clock::now();
constexpr auto kTtl = std::chrono::seconds(90);

Instance instance(std::size_t k, Clock::time_point expires_at) {
  const auto port = static_cast<std::uint16_t>(10000 + k % 50000);
  return Instance{"svc." + std::to_string(k / 10) + "." + std::to_string(k % 10), "127.0.0.1",
                  port, "http://127.0.0.1:" + std::to_string(port) + "/api", expires_at};
}

void fill(MemoryStore& store, std::size_t n, Clock::time_point expires_at) {
  for (std::size_t k = 0; k < n; ++k) (void)store.ping(instance(k, expires_at));
}

// Random picks, drawn once so that the timed loops only index an array.
std::vector<std::size_t> picks(std::size_t below, std::size_t count = 4096) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::size_t> pick(0, below - 1);
  std::vector<std::size_t> out(count);
  for (auto& p : out) p = pick(random);
  return out;
}

// One filled store per size, shared by the threads of a benchmark.
MemoryStore& shared_store(std::size_t n) {
  static std::mutex mutex;
  static std::map<std::size_t, std::unique_ptr<MemoryStore>> stores;
  std::lock_guard lock(mutex);
  auto& store = stores[n];
  if (!store) {
    store = std::make_unique<MemoryStore>();
    fill(*store, n, kNow + std::chrono::hours(24));
  }
  return *store;
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {1000, 10000, 100000}) b->Arg(n);
}

void BM_StorePingRenew(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  MemoryStore& store = shared_store(n);
  std::vector<Instance> renewals;
  for (std::size_t k : picks(n)) renewals.push_back(instance(k, kNow + std::chrono::hours(24)));
  std::size_t i = 0;
  for (auto _ : state) {
    // A copy, as the method layer hands the store freshly parsed strings.
    auto stored = store.ping(renewals[i++ % renewals.size()]);
    benchmark::DoNotOptimize(stored);
  }
}
BENCHMARK(BM_StorePingRenew)->Apply(sizes);
BENCHMARK(BM_StorePingRenew)->Arg(100000)->Threads(2)->UseRealTime();

template <class MakePattern>
void locate_loop(benchmark::State& state, MakePattern make_pattern) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const MemoryStore& store = shared_store(n);
  std::vector<Glob> patterns;
  for (std::size_t k : picks(n, 1024)) patterns.emplace_back(make_pattern(k));
  std::size_t i = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    store.locate(patterns[i++ % patterns.size()], kNow,
                 [&](const Instance& match) { found += match.port; });
  }
  benchmark::DoNotOptimize(found);
}

// svc.K.* : ten instances, found through the literal prefix "svc.K.".
void BM_StoreLocatePrefix(benchmark::State& state) {
  locate_loop(state, [](std::size_t k) { return "svc." + std::to_string(k / 10) + ".*"; });
}
BENCHMARK(BM_StoreLocatePrefix)->Apply(sizes);
BENCHMARK(BM_StoreLocatePrefix)->Arg(100000)->Threads(2)->UseRealTime();

// svc.K.J : one instance, by hash lookup.
void BM_StoreLocateLiteral(benchmark::State& state) {
  locate_loop(state, [](std::size_t k) {
    return "svc." + std::to_string(k / 10) + "." + std::to_string(k % 10);
  });
}
BENCHMARK(BM_StoreLocateLiteral)->Apply(sizes);

// * : every instance (the cost grows with the store, by nature).
void BM_StoreLocateStar(benchmark::State& state) {
  locate_loop(state, [](std::size_t) { return std::string("*"); });
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StoreLocateStar)->Apply(sizes)->Unit(benchmark::kMicrosecond);

// Every instance expires at once; the daemon's sweeper removes them 1000 per
// call, each call holding the store's lock. Reports the whole sweep's time
// and the longest single call (the longest a request could wait for it).
void BM_StoreExpireAll(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double longest = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<MemoryStore>();
    fill(*store, n, kNow);
    state.ResumeTiming();
    for (;;) {
      const auto start = std::chrono::steady_clock::now();
      const std::size_t removed = store->expire(kNow + kTtl, 1000);
      longest = std::max(longest, std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
      if (removed < 1000) break;
    }
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.counters["longest_lock_ms"] = longest;
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StoreExpireAll)->Apply(sizes)->Unit(benchmark::kMillisecond);

// Heap bytes per instance held (glibc's count of bytes in use).
void BM_StoreMemory(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double per_instance = 0;
  for (auto _ : state) {
    const std::size_t before = mallinfo2().uordblks;
    MemoryStore store;
    fill(store, n, kNow + kTtl);
    per_instance = static_cast<double>(mallinfo2().uordblks - before) / static_cast<double>(n);
  }
  state.counters["heap_bytes_per_instance"] = per_instance;
}
BENCHMARK(BM_StoreMemory)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
