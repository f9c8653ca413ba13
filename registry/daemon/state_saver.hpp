#pragma once
// Keeps the state file up to date: writes the store's live instances every
// interval when something changed since the last write, and once more when
// stopped. A failing write is logged once per outage and retried next time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "registry/daemon/periodic_task.hpp"
#include "registry/metrics.hpp"
#include "registry/store/store.hpp"

namespace gemstone::registry {

class StateSaver {
 public:
  /// `changes` is bumped by every ping and unregister; a save happens only
  /// when it moved. All references must outlive the saver.
  StateSaver(const Store& store, Metrics& metrics, std::string path,
             std::chrono::milliseconds every, const std::atomic<std::uint64_t>& changes);
  /// Stops as stop() does (and cannot report a failed last save).
  ~StateSaver() { stop(); }

  StateSaver(const StateSaver&) = delete;
  StateSaver& operator=(const StateSaver&) = delete;

  /// Stops the periodic saves and writes what changed since the last one.
  /// Returns whether the file now holds the store's state: false when that
  /// last write failed, and the newest changes are lost.
  bool stop();

 private:
  // `last`: the write at stop(), after which there is no retry.
  void save_if_changed(bool last);

  const Store& store_;
  Metrics& metrics_;
  const std::string path_;
  const std::atomic<std::uint64_t>& changes_;
  std::uint64_t saved_generation_ = 0;
  bool failing_ = false;
  PeriodicTask task_;  // last: its thread uses everything above
};

}  // namespace gemstone::registry
