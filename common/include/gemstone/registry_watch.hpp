#pragma once
// Following the instances of a pattern as they change, on top of
// RegistryClient::watch: what changed between two states (diff_instances),
// and a loop that long-polls the registry and calls back once per batch of
// changes (run_watch), riding out registry restarts.
//
//   std::atomic<bool> stop{false};
//   gemstone::WatchLoopOptions options;
//   options.pattern = "api.*";
//   gemstone::run_watch(registry, options, [](const gemstone::WatchBatch& batch) {
//     for (const auto& e : batch.events) std::cout << to_string(e.kind) << " " << e.instance.url << "\n";
//   }, {}, stop);

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/client_error.hpp"
#include "gemstone/registry_client.hpp"

namespace gemstone {

enum class WatchEventKind { kAdded, kRemoved, kUpdated };

/// "added", "removed", "updated".
std::string_view to_string(WatchEventKind kind);

/// One instance that came, went, or changed its url or metadata.
struct WatchEvent {
  WatchEventKind kind = WatchEventKind::kAdded;
  Instance instance;  ///< as it is now; as it was last seen when removed
  std::uint64_t index = 0;  ///< the registry's index of the state that shows it
  std::string reason;  ///< removed: "expired" or "unregistered" when the registry said
};

/// The events that turn `before` into `after`, instances identified by
/// (name, host, port): removed first, then updated (url or meta differ),
/// then added, each in the order of its list. A renewal is no event.
std::vector<WatchEvent> diff_instances(const std::vector<Instance>& before,
                                       const std::vector<Instance>& after, std::uint64_t index);

struct WatchLoopOptions {
  std::string pattern = "*";
  InstanceMeta meta;  ///< only instances holding every pair
  /// How long one long-poll waits for a change (the registry caps it at 300 s).
  std::chrono::duration<double> poll = std::chrono::seconds(30);
  /// Waits after a failed poll: doubling from `min_backoff` up to `max_backoff`.
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{10000};
};

/// The state of one answer that changed something.
struct WatchBatch {
  std::uint64_t index = 0;
  std::vector<Instance> instances;  ///< every matching instance now
  std::vector<WatchEvent> events;   ///< what changed since the last batch
  bool initial = false;  ///< the first state: every instance is an "added" event
};

/// Long-polls until `stop` is set (checked between polls: a poll in flight
/// finishes first, at most `poll` later). Calls `on_batch` with the first
/// state, then once per answer that differs from the one before. A
/// transport failure (registry down, restarting) calls `on_retry` with it
/// and the wait before the next try, then tries again. Returns the error
/// the registry answered with when retrying cannot help (access denied,
/// invalid params), or nothing once stopped.
std::optional<ClientError> run_watch(
    RegistryClient& registry, const WatchLoopOptions& options,
    const std::function<void(const WatchBatch&)>& on_batch,
    const std::function<void(const ClientError&, std::chrono::milliseconds)>& on_retry,
    const std::atomic<bool>& stop);

}  // namespace gemstone
