// Micro-benchmarks of the glob matcher (common/src/glob.cpp): compiling a
// pattern, and matching the kinds of pattern locate_service sees.

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "gemstone/glob.hpp"

namespace {

struct Case {
  const char* label;
  const char* pattern;
  const char* name;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      {"literal", "myservice.workers.17", "myservice.workers.17"},
      {"prefix_star", "myservice.workers.*", "myservice.workers.17"},
      {"prefix_star_miss", "myservice.workers.*", "myservice.api.17"},
      {"inner_star", "*.workers.*", "myservice.workers.17"},
      {"question_set", "myservice.worker?.[0-9][0-9]", "myservice.workers.17"},
      {"negated_set", "myservice.[!a]*", "myservice.workers.17"},
      {"utf8", "servi\xcc\x81" "ce.*.\xc3\xa9t?", "servi\xcc\x81" "ce.eu.\xc3\xa9t\xc3\xa9"},
      // Exponential for a backtracking matcher; linear here.
      {"pathological", "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
  };
  return table;
}

void BM_GlobCompile(benchmark::State& state) {
  const Case& c = cases()[static_cast<std::size_t>(state.range(0))];
  state.SetLabel(c.label);
  for (auto _ : state) {
    gemstone::Glob glob(c.pattern);
    benchmark::DoNotOptimize(glob);
  }
}
BENCHMARK(BM_GlobCompile)->DenseRange(0, 7);

void BM_GlobMatch(benchmark::State& state) {
  const Case& c = cases()[static_cast<std::size_t>(state.range(0))];
  state.SetLabel(c.label);
  const gemstone::Glob glob(c.pattern);
  const std::string name = c.name;
  for (auto _ : state) {
    benchmark::DoNotOptimize(glob.matches(name));
  }
}
BENCHMARK(BM_GlobMatch)->DenseRange(0, 7);

}  // namespace
