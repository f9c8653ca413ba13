#include "registry/daemon/state_restore.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "log_capture.hpp"
#include "registry/store/memory_store.hpp"
#include "temp_dir.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;
using gemstone::testing::LogCapture;
using gemstone::testing::TempDir;
namespace fs = std::filesystem;

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Entry {
  std::string name;
  int port = 8080;
  double expires_in = 60;  ///< seconds from now, wall clock
  std::string url = "";    ///< empty: http://10.0.0.1:<port>/api
};

std::string state_text(const std::vector<Entry>& entries) {
  std::string text = R"({"format":"gemstone-registry-state","version":1,"instances":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string port = std::to_string(e.port);
    const std::string url = e.url.empty() ? "http://10.0.0.1:" + port + "/api" : e.url;
    text += (i == 0 ? "" : ",");
    text += R"({"name":")" + e.name + R"(","host":"10.0.0.1","port":)" + port + R"(,"url":")" +
            url + R"(","expires_at":)" + std::to_string(wall_now() + e.expires_in) + "}";
  }
  return text + "]}";
}

std::vector<Entry> distinct(std::size_t count) {
  std::vector<Entry> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back({"svc" + std::to_string(i)});
  return out;
}

class StateRestoreTest : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  std::vector<Instance> held() const { return store_->snapshot(Clock::now()); }

  TempDir dir_;
  const std::string path_ = dir_.file("state.json");
  std::unique_ptr<MemoryStore> store_ = std::make_unique<MemoryStore>();
  Metrics metrics_{std::vector<std::string>{}};
  LogCapture log_;
};

TEST_F(StateRestoreTest, NoFileYetStartsEmpty) {
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.failure, state_file::LoadFailure::kMissing);
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_EQ(log_.count("info no state file at " + path_ + " yet; starting empty"), 1u)
      << log_.text();
}

TEST_F(StateRestoreTest, ACorruptFileIsKeptAsideAndTheRegistryStartsEmpty) {
  write(state_text(distinct(2)).substr(0, 40));
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.failure, state_file::LoadFailure::kCorrupt);
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_FALSE(fs::exists(path_));
  EXPECT_TRUE(fs::exists(path_ + ".corrupt"));
  EXPECT_EQ(log_.count("warning state file " + path_), 1u) << log_.text();
  EXPECT_EQ(log_.count("starting empty (kept as " + path_ + ".corrupt)"), 1u) << log_.text();
  EXPECT_EQ(metrics_.state_restored(), 0u);
}

TEST_F(StateRestoreTest, AnUnreadableFileIsLeftWhereItIs) {
  fs::create_directory(path_);
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.failure, state_file::LoadFailure::kUnreadable);
  EXPECT_TRUE(fs::is_directory(path_));
  EXPECT_FALSE(fs::exists(path_ + ".corrupt"));
  EXPECT_EQ(log_.count("is not a regular file; starting empty"), 1u) << log_.text();
}

TEST_F(StateRestoreTest, LiveInstancesComeBack) {
  write(state_text(distinct(3)));
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_FALSE(report.failure);
  EXPECT_EQ(report.restored, 3u);
  EXPECT_EQ(store_->size(), 3u);
  EXPECT_EQ(metrics_.state_restored(), 3u);
  EXPECT_EQ(log_.count("info restored 3 instances from " + path_ + "\n"), 1u) << log_.text();
}

TEST_F(StateRestoreTest, DuplicatesCountOnceAndTheLastEntryWins) {
  write(state_text({{"svc", 8080, 60, "http://first/api"},
                    {"other", 8080},
                    {"svc", 8080, 60, "http://10.0.0.1:8080/api"}}));
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.restored, 2u);
  EXPECT_EQ(report.duplicates, 1u);
  EXPECT_EQ(store_->size(), 2u);
  EXPECT_EQ(metrics_.state_restored(), 2u);
  for (const Instance& i : held()) EXPECT_EQ(i.url, "http://10.0.0.1:8080/api") << i.name;
  EXPECT_EQ(log_.count("info restored 2 instances from " + path_ + " (not restored: 1 duplicate)"), 1u)
      << log_.text();
}

TEST_F(StateRestoreTest, NoMoreThanTheStoreHoldsAndTheRestIsAWarning) {
  store_ = std::make_unique<MemoryStore>(3);
  write(state_text(distinct(5)));
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.restored, 3u);
  EXPECT_EQ(report.over_capacity, 2u);
  EXPECT_EQ(store_->size(), 3u);
  EXPECT_EQ(metrics_.state_restored(), 3u);
  EXPECT_EQ(log_.count("warning restored 3 instances from " + path_ +
                       " (not restored: 2 over max_instances)"),
            1u)
      << log_.text();
}

TEST_F(StateRestoreTest, ExpiredAndInvalidEntriesAreCountedAndSaidWhy) {
  std::vector<Entry> entries = distinct(2);
  entries.push_back({"gone", 8081, -5});
  entries.push_back({"bad name*", 8082});
  entries.push_back({"bad.port", 70000});
  write(state_text(entries));
  const RestoreReport report = restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(report.restored, 2u);
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(report.invalid, 2u);
  EXPECT_EQ(log_.count("info restored 2 instances from " + path_ +
                       " (not restored: 1 expired while down, 2 invalid)"),
            1u)
      << log_.text();
}

TEST_F(StateRestoreTest, NoInstanceComesBackWithMoreThanTheTtlLeft) {
  write(state_text({{"svc", 8080, 3600}}));
  restore_state(path_, 10, *store_, metrics_);
  const auto instances = held();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_LE(instances[0].expires_at, Clock::now() + 10s);
}

TEST_F(StateRestoreTest, OneInstanceIsSingular) {
  write(state_text(distinct(1)));
  restore_state(path_, 90, *store_, metrics_);
  EXPECT_EQ(log_.count("restored 1 instance from " + path_), 1u) << log_.text();
}

}  // namespace
}  // namespace gemstone::registry
