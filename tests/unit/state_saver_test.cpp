#include "registry/daemon/state_saver.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "eventually.hpp"

#include "log_capture.hpp"
#include "registry/store/memory_store.hpp"
#include "registry/store/state_file.hpp"
#include "temp_dir.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;
using gemstone::testing::LogCapture;
using gemstone::testing::TempDir;

// Polls every millisecond: these tests time periods of a few milliseconds.
bool eventually(const std::function<bool()>& done) {
  return gemstone::testing::eventually(done, std::chrono::seconds(10), std::chrono::milliseconds(1));
}

class StateSaverTest : public ::testing::Test {
 protected:
  // A ping as the methods do it: into the store, then the change counter.
  void ping(const std::string& name) {
    ASSERT_TRUE(store_.ping(Instance{name, "10.0.0.1", 8080, "http://10.0.0.1:8080/api",
                                     Clock::now() + 60s, {}})
                    .ok());
    changes_.fetch_add(1);
  }

  // The names in the state file at `path`, or nothing when it cannot be read.
  static std::vector<std::string> saved_names(const std::string& path) {
    auto loaded = state_file::load(path, state_file::Now::current(), 90s);
    if (!loaded.ok()) return {};
    std::vector<std::string> names;
    for (const auto& instance : loaded.value().instances) names.push_back(instance.name);
    return names;
  }

  TempDir dir_;
  MemoryStore store_;
  Metrics metrics_{std::vector<std::string>{}};
  std::atomic<std::uint64_t> changes_{0};
  LogCapture log_;
};

TEST_F(StateSaverTest, NothingChangedNothingWritten) {
  const std::string path = dir_.file("state.json");
  StateSaver saver(store_, metrics_, path, 1ms, changes_);
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(saver.stop());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(metrics_.state_saves(), 0u);
}

TEST_F(StateSaverTest, WritesEveryIntervalWhenSomethingChanged) {
  const std::string path = dir_.file("state.json");
  StateSaver saver(store_, metrics_, path, 5ms, changes_);
  ping("first");
  ASSERT_TRUE(eventually([&] { return saved_names(path) == std::vector<std::string>{"first"}; }));
  ping("second");
  ASSERT_TRUE(eventually([&] { return saved_names(path).size() == 2; }));
  // A save may have caught the second ping between the store and the counter.
  std::this_thread::sleep_for(30ms);
  const auto saves = metrics_.state_saves();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(metrics_.state_saves(), saves) << "nothing changed: no more writes";
  EXPECT_TRUE(saver.stop());
}

TEST_F(StateSaverTest, StopWritesWhatChangedSinceTheLastSave) {
  const std::string path = dir_.file("state.json");
  StateSaver saver(store_, metrics_, path, 1h, changes_);
  ping("late");
  EXPECT_TRUE(saver.stop());
  EXPECT_EQ(saved_names(path), std::vector<std::string>{"late"});
  EXPECT_EQ(metrics_.state_saves(), 1u);
  EXPECT_TRUE(saver.stop()) << "a second stop() answers the same";
}

TEST_F(StateSaverTest, AFailingSaveIsLoggedOncePerOutageAndRetried) {
  const std::string path = dir_.file("missing/state.json");
  StateSaver saver(store_, metrics_, path, 1ms, changes_);
  ping("svc");
  ASSERT_TRUE(eventually([&] { return metrics_.state_save_failures() >= 3; }));
  EXPECT_EQ(log_.count("cannot write state file"), 1u) << log_.text();
  EXPECT_EQ(log_.count("will retry every 1 ms"), 1u) << log_.text();

  std::filesystem::create_directory(dir_.file("missing"));
  ASSERT_TRUE(eventually([&] { return saved_names(path) == std::vector<std::string>{"svc"}; }));
  ASSERT_TRUE(eventually([&] { return log_.count("written again") == 1; })) << log_.text();
  EXPECT_TRUE(saver.stop());
}

TEST_F(StateSaverTest, StopReportsAFailedLastSave) {
  const std::string path = dir_.file("missing/state.json");
  StateSaver saver(store_, metrics_, path, 1h, changes_);
  ping("svc");
  EXPECT_FALSE(saver.stop());
  EXPECT_EQ(metrics_.state_save_failures(), 1u);
  EXPECT_EQ(log_.count("error cannot write state file"), 1u) << log_.text();
  EXPECT_EQ(log_.count("will retry"), 0u) << "no retry after the last save: " << log_.text();
}

TEST_F(StateSaverTest, StopAfterAnOutageThatLastedReportsItOnce) {
  const std::string path = dir_.file("missing/state.json");
  StateSaver saver(store_, metrics_, path, 1ms, changes_);
  ping("svc");
  ASSERT_TRUE(eventually([&] { return metrics_.state_save_failures() >= 2; }));
  EXPECT_FALSE(saver.stop());
  EXPECT_EQ(log_.count("cannot write state file"), 1u) << log_.text();
}

}  // namespace
}  // namespace gemstone::registry
