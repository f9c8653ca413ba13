#include "registry/daemon/state_saver.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "registry/store/state_file.hpp"

namespace gemstone::registry {

StateSaver::StateSaver(const Store& store, Metrics& metrics, std::string path,
                       std::chrono::milliseconds every, const std::atomic<std::uint64_t>& changes)
    : store_(store),
      metrics_(metrics),
      path_(std::move(path)),
      changes_(changes),
      task_(every, [this] { save_if_changed(false); }, [this] { save_if_changed(true); }) {}

bool StateSaver::stop() {
  task_.stop();
  // The task's thread has been joined: failing_ is ours to read.
  return !failing_;
}

void StateSaver::save_if_changed(bool last) {
  const std::uint64_t generation = changes_.load();
  if (generation == saved_generation_) return;
  const auto now = state_file::Now::current();
  std::uint64_t index = 0;
  auto instances = store_.snapshot(now.steady, &index);
  const auto error = state_file::save(path_, instances, now, index);
  metrics_.record_state_save(!error,
                             std::chrono::duration<double>(now.wall.time_since_epoch()).count());
  if (error) {
    // Once per outage, not once per attempt.
    if (!failing_ && last) {
      spdlog::error("{}", *error);
    } else if (!failing_) {
      spdlog::error("{}; will retry every {} ms", *error, task_.interval().count());
    }
    failing_ = true;
    return;
  }
  if (failing_) spdlog::info("state file {} written again", path_);
  failing_ = false;
  saved_generation_ = generation;
}

}  // namespace gemstone::registry
