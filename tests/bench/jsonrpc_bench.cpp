// Micro-benchmarks of the JSON-RPC path of a request, without HTTP: the
// codec alone, then the dispatcher with the registry's methods and a memory
// store (decode, bind, validate, store, encode), as the daemon runs it.

#include <algorithm>
#include <string>

#include <benchmark/benchmark.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "registry/store/memory_store.hpp"
#include "registry/api/registry_methods.hpp"
#include "registry/daemon/config.hpp"
#include "registry/daemon/options_from_config.hpp"

namespace {

namespace rpc = gemstone::jsonrpc;
namespace reg = gemstone::registry;

const std::string kPing =
    R"({"jsonrpc":"2.0","method":"ping","params":{"name":"svc.3.7","host":"127.0.0.1","port":10037},"id":1})";
const std::string kLocate =
    R"({"jsonrpc":"2.0","method":"locate_service","params":["svc.3.*"],"id":1})";

// Pings of instances first .. first + count - 1 (svc.K.J, as load_instances.py).
std::string ping_batch(std::size_t first, std::size_t count) {
  std::string body = "[";
  for (std::size_t k = first; k < first + count; ++k) {
    if (k > first) body += ",";
    body += R"({"jsonrpc":"2.0","method":"ping","params":{"name":"svc.)" +
            std::to_string(k / 10) + "." + std::to_string(k % 10) +
            R"(","host":"127.0.0.1","port":)" + std::to_string(10000 + k % 50000) +
            R"(},"id":)" + std::to_string(k) + "}";
  }
  return body + "]";
}

// A registry without HTTP: the daemon's dispatcher, methods and store,
// holding `instances` instances.
struct Registry {
  explicit Registry(std::size_t instances) {
    reg::add_registry_methods(dispatcher, store, reg::methods_options_from(reg::Config(), 8000));
    for (std::size_t first = 0; first < instances; first += 100) {
      dispatcher.handle(ping_batch(first, std::min<std::size_t>(100, instances - first)));
    }
  }
  rpc::Dispatcher dispatcher;
  reg::MemoryStore store;
};

void BM_ParseJson(benchmark::State& state) {
  for (auto _ : state) {
    auto doc = rpc::parse_json(kPing);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kPing.size()));
}
BENCHMARK(BM_ParseJson);

void BM_ParseJsonBatch100(benchmark::State& state) {
  const std::string body = ping_batch(0, 100);
  for (auto _ : state) {
    auto doc = rpc::parse_json(body);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_ParseJsonBatch100);

void BM_DispatchPing(benchmark::State& state) {
  Registry registry(100);
  for (auto _ : state) {
    std::string response = registry.dispatcher.handle(kPing);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_DispatchPing);

// locate_service("svc.3.*"): ten instances back, in a store of range(0).
void BM_DispatchLocate10(benchmark::State& state) {
  Registry registry(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string response = registry.dispatcher.handle(kLocate);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_DispatchLocate10)->Arg(100)->Arg(100000);

void BM_DispatchBatch100Pings(benchmark::State& state) {
  Registry registry(100);
  const std::string body = ping_batch(0, 100);
  for (auto _ : state) {
    std::string response = registry.dispatcher.handle(body);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_DispatchBatch100Pings);

void BM_DispatchParseError(benchmark::State& state) {
  Registry registry(0);
  const std::string body = R"({"jsonrpc":"2.0","method":"ping","params":{"name":)";
  for (auto _ : state) {
    std::string response = registry.dispatcher.handle(body);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_DispatchParseError);

}  // namespace
