#include "registry/daemon/state_restore.hpp"

#include <chrono>
#include <cstdio>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace gemstone::registry {
namespace {

// The store's identity of an instance: (name, host, port).
std::string identity(const Instance& instance) {
  std::string key;
  key.reserve(instance.name.size() + instance.host.size() + 8);
  key.append(instance.name).push_back('\0');
  key.append(instance.host).push_back('\0');
  key.append(std::to_string(instance.port));
  return key;
}

// "3 duplicates, 20000 over max_instances": the reasons that are not zero.
std::string not_restored(const RestoreReport& report) {
  std::string out;
  auto add = [&out](std::size_t n, std::string_view what) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += std::to_string(n);
    out += ' ';
    out += what;
  };
  add(report.duplicates, report.duplicates == 1 ? "duplicate" : "duplicates");
  add(report.over_capacity, "over max_instances");
  add(report.expired, "expired while down");
  add(report.invalid, "invalid");
  return out;
}

RestoreReport failed(const state_file::LoadError& error, const std::string& path) {
  switch (error.kind) {
    case state_file::LoadFailure::kMissing:
      spdlog::info("no state file at {} yet; starting empty", path);
      break;
    case state_file::LoadFailure::kCorrupt: {
      const std::string aside = path + ".corrupt";
      const bool kept = std::rename(path.c_str(), aside.c_str()) == 0;
      spdlog::warn("{}; starting empty{}", error.message, kept ? " (kept as " + aside + ")" : "");
      break;
    }
    case state_file::LoadFailure::kUnreadable:
      spdlog::warn("{}; starting empty", error.message);
      break;
  }
  RestoreReport report;
  report.failure = error.kind;
  return report;
}

}  // namespace

RestoreReport restore_state(const std::string& path, double ttl_seconds, Store& store,
                            Metrics& metrics) {
  const auto max_remaining = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(ttl_seconds));
  auto loaded = state_file::load(path, state_file::Now::current(), max_remaining);
  if (!loaded) return failed(loaded.error(), path);

  state_file::Loaded& file = loaded.value();
  store.raise_index(file.index);
  RestoreReport report;
  report.expired = file.expired;
  report.invalid = file.invalid;
  std::unordered_set<std::string> held;
  held.reserve(file.instances.size());
  for (Instance& instance : file.instances) {
    std::string key = identity(instance);
    const bool seen = held.count(key) > 0;
    if (!store.ping(std::move(instance)).ok()) {
      ++report.over_capacity;
    } else if (seen) {
      ++report.duplicates;  // a renewal: the later entry's url and expiry replace the earlier's
    } else {
      held.insert(std::move(key));
      ++report.restored;
    }
  }

  metrics.record_state_restored(report.restored);
  const std::string left_out = not_restored(report);
  // Instances lost to the capacity limit are worth a warning; the rest is routine.
  spdlog::log(report.over_capacity > 0 ? spdlog::level::warn : spdlog::level::info,
              "restored {} instance{} from {}{}", report.restored, report.restored == 1 ? "" : "s",
              path, left_out.empty() ? "" : " (not restored: " + left_out + ")");
  return report;
}

}  // namespace gemstone::registry
