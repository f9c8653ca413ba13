#include "registry/daemon/expiry_sweeper.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log_capture.hpp"
#include "registry/store/memory_store.hpp"

namespace gemstone::registry {
namespace {

using namespace std::chrono_literals;
using gemstone::testing::LogCapture;

const Clock::time_point kT0 = Clock::time_point{} + 1000h;

void add(Store& store, std::size_t count, Clock::time_point expires_at, const std::string& name = "svc") {
  for (std::size_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(1 + i);
    ASSERT_TRUE(store
                    .ping(Instance{name, "10.0.0.1", port,
                                   "http://10.0.0.1:" + std::to_string(port) + "/api", expires_at, {}})
                    .ok());
  }
}

class ExpirySweeperTest : public ::testing::Test {
 protected:
  MemoryStore store_;
  Metrics metrics_{std::vector<std::string>{}};
  LogCapture log_;
};

TEST_F(ExpirySweeperTest, SweepRemovesWhatExpiredAndNothingElse) {
  add(store_, 3, kT0 + 1s, "old");
  add(store_, 2, kT0 + 10s, "new");
  ExpirySweeper sweeper(store_, metrics_, 1h);
  EXPECT_EQ(sweeper.sweep(kT0 + 5s), 3u);
  EXPECT_EQ(store_.size(), 2u);
  EXPECT_EQ(metrics_.expirations(), 3u);
  EXPECT_EQ(log_.count("info expired 3 instances, 2 left"), 1u) << log_.text();
}

TEST_F(ExpirySweeperTest, OneSweepTakesEveryChunk) {
  const std::size_t many = ExpirySweeper::kChunk * 2 + ExpirySweeper::kChunk / 2;
  add(store_, many, kT0);
  ExpirySweeper sweeper(store_, metrics_, 1h);
  EXPECT_EQ(sweeper.sweep(kT0 + 1s), many);
  EXPECT_EQ(store_.size(), 0u);
  EXPECT_EQ(metrics_.expirations(), many);
  EXPECT_EQ(log_.count("expired "), 1u) << "one line per sweep, not per chunk: " << log_.text();
}

TEST_F(ExpirySweeperTest, ASweepThatFindsNothingSaysNothing) {
  add(store_, 2, kT0 + 10s);
  ExpirySweeper sweeper(store_, metrics_, 1h);
  EXPECT_EQ(sweeper.sweep(kT0), 0u);
  EXPECT_EQ(store_.size(), 2u);
  EXPECT_EQ(metrics_.expirations(), 0u);
  EXPECT_EQ(log_.text(), "");
}

TEST_F(ExpirySweeperTest, OneInstanceIsSingular) {
  add(store_, 1, kT0);
  ExpirySweeper sweeper(store_, metrics_, 1h);
  sweeper.sweep(kT0 + 1s);
  EXPECT_EQ(log_.count("info expired 1 instance, 0 left"), 1u) << log_.text();
}

TEST_F(ExpirySweeperTest, SweepsOnItsOwnEveryInterval) {
  add(store_, 5, Clock::now() - 1s);
  ExpirySweeper sweeper(store_, metrics_, 5ms);
  const auto deadline = Clock::now() + 10s;
  while (store_.size() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(store_.size(), 0u);
  sweeper.stop();
  EXPECT_EQ(metrics_.expirations(), 5u);
}

TEST(SweepIntervalTest, AQuarterOfTheTtlBetween50MillisecondsAndOneSecond) {
  EXPECT_EQ(sweep_interval(2.0), 500ms);
  EXPECT_EQ(sweep_interval(90.0), 1000ms);
  EXPECT_EQ(sweep_interval(0.1), 50ms);
  EXPECT_EQ(sweep_interval(31536000.0), 1000ms);
}

}  // namespace
}  // namespace gemstone::registry
