#include "registry/store/state_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gemstone::registry::state_file {
namespace {

using namespace std::chrono_literals;

// Fixed moments on both clocks: nothing here reads a real clock.
const Now kSaved{Clock::time_point{} + 1000h, std::chrono::system_clock::time_point{} + 480000h};
const Clock::duration kTtl = 90s;

Now later(const Now& from, Clock::duration steady_gap,
          std::chrono::system_clock::duration wall_gap) {
  return Now{from.steady + steady_gap, from.wall + wall_gap};
}

Instance make(std::string name, std::string host, std::uint16_t port,
              Clock::time_point expires_at) {
  std::string url = "http://" + host + ":" + std::to_string(port) + "/api";
  return Instance{std::move(name), std::move(host), port, std::move(url), expires_at, {}};
}

double remaining_seconds(const Instance& i, const Now& now) {
  return std::chrono::duration<double>(i.expires_at - now.steady).count();
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "state_file_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

TEST(StateFileTest, RoundTripKeepsInstancesAndTheirRemainingTime) {
  const std::vector<Instance> saved = {make("svc.a", "10.0.0.5", 8080, kSaved.steady + 30s),
                                       make("svc.b", "::1", 9000, kSaved.steady + 2500ms)};
  // Restarted on a fresh boot: the steady clock starts somewhere else entirely.
  const Now restart{Clock::time_point{} + 5h, kSaved.wall};
  auto loaded = decode(encode(saved, kSaved), restart, kTtl);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded.value().instances.size(), 2u);
  const Instance& a = loaded.value().instances[0];
  EXPECT_EQ(a.name, "svc.a");
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 8080);
  EXPECT_EQ(a.url, "http://10.0.0.5:8080/api");
  EXPECT_NEAR(remaining_seconds(a, restart), 30.0, 0.002);
  const Instance& b = loaded.value().instances[1];
  EXPECT_EQ(b.host, "::1");
  EXPECT_NEAR(remaining_seconds(b, restart), 2.5, 0.002);
  EXPECT_EQ(loaded.value().expired, 0u);
  EXPECT_EQ(loaded.value().invalid, 0u);
}

TEST(StateFileTest, TimeSpentDownCountsAgainstTheTtl) {
  const std::vector<Instance> saved = {make("short", "h", 1, kSaved.steady + 10s),
                                       make("long", "h", 2, kSaved.steady + 60s)};
  // Down for 20 s of wall-clock time.
  const Now restart = later(kSaved, -900h, 20s);
  auto loaded = decode(encode(saved, kSaved), restart, kTtl);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded.value().instances.size(), 1u);
  EXPECT_EQ(loaded.value().instances[0].name, "long");
  EXPECT_NEAR(remaining_seconds(loaded.value().instances[0], restart), 40.0, 0.002);
  EXPECT_EQ(loaded.value().expired, 1u);
}

TEST(StateFileTest, WallClockSetBackCannotStretchBeyondTheTtl) {
  const std::vector<Instance> saved = {make("svc", "h", 1, kSaved.steady + 80s)};
  const Now restart = later(kSaved, 1s, -1h);
  auto loaded = decode(encode(saved, kSaved), restart, kTtl);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded.value().instances.size(), 1u);
  EXPECT_NEAR(remaining_seconds(loaded.value().instances[0], restart), 90.0, 0.002);
}

TEST(StateFileTest, InvalidEntriesAreSkippedAndCounted) {
  const std::string wall =
      std::to_string(std::chrono::duration<double>(kSaved.wall.time_since_epoch()).count() + 30);
  auto entry = [&](const std::string& name, const std::string& host, const std::string& port,
                   const std::string& url) {
    return R"({"name":)" + name + R"(,"host":)" + host + R"(,"port":)" + port + R"(,"url":)" + url +
           R"(,"expires_at":)" + wall + "}";
  };
  const std::string text = R"({"format":"gemstone-registry-state","version":1,"instances":[)" +
                           entry(R"("good")", R"("h")", "1", R"("http://h:1/api")") + "," +
                           entry(R"("bad name")", R"("h")", "1", R"("http://h:1/api")") + "," +
                           entry(R"("svc")", R"("h")", "70000", R"("http://h:1/api")") + "," +
                           entry(R"("svc")", R"("h")", R"("1")", R"("http://h:1/api")") + "," +
                           entry(R"("svc")", R"("bad host!")", "1", R"("http://h:1/api")") + "," +
                           entry(R"("svc")", R"("h")", "1", R"("ftp://h/")") + "," +
                           R"({"name":"svc","host":"h","port":1,"url":"http://h:1/api"},)"
                           R"(42, null, "text"]})";
  auto loaded = decode(text, kSaved, kTtl);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded.value().instances.size(), 1u);
  EXPECT_EQ(loaded.value().instances[0].name, "good");
  EXPECT_EQ(loaded.value().invalid, 9u);
}

TEST(StateFileTest, TextThatIsNotAStateFileIsAnError) {
  const std::string good = encode({make("svc", "h", 1, kSaved.steady + 30s)}, kSaved);
  for (const std::string& text :
       {std::string(), std::string("   \n"), good.substr(0, good.size() / 2),
        std::string("\x00\xff\xfe garbage", 12), std::string("[1,2,3]"), std::string("{}"),
        std::string(R"({"format":"something-else","version":1,"instances":[]})"),
        std::string(R"({"format":"gemstone-registry-state","instances":[]})"),
        std::string(R"({"format":"gemstone-registry-state","version":2,"instances":[]})"),
        std::string(R"({"format":"gemstone-registry-state","version":1,"instances":{}})"),
        std::string(100000, '[')}) {
    auto loaded = decode(text, kSaved, kTtl);
    EXPECT_FALSE(loaded) << "accepted: " << text.substr(0, 80);
  }
}

TEST(StateFileTest, NewerVersionIsNamedInTheError) {
  auto loaded =
      decode(R"({"format":"gemstone-registry-state","version":2,"instances":[]})", kSaved, kTtl);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("version 2"), std::string::npos) << loaded.error();
}

TEST(StateFileTest, SaveThenLoadFromDisk) {
  const std::string path = temp_path("roundtrip.json");
  ASSERT_EQ(save(path, {make("svc", "h", 1, kSaved.steady + 30s)}, kSaved), std::nullopt);
  auto loaded = load(path, kSaved, kTtl);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded.value().instances.size(), 1u);
  EXPECT_EQ(loaded.value().instances[0].name, "svc");
  std::remove(path.c_str());
}

TEST(StateFileTest, SaveReplacesTheFileAndLeavesNoTemporary) {
  const std::string path = temp_path("replace.json");
  write_text(path, "old contents");
  ASSERT_EQ(save(path, {make("svc", "h", 1, kSaved.steady + 30s)}, kSaved), std::nullopt);
  EXPECT_NE(read_text(path).find("\"svc\""), std::string::npos);
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the file names hosts; only the registry reads it";
  std::remove(path.c_str());
}

TEST(StateFileTest, SaveOverALeftoverTemporarySucceeds) {
  const std::string path = temp_path("leftover.json");
  write_text(path + ".tmp", "half a file from a crash");
  ASSERT_EQ(save(path, {}, kSaved), std::nullopt);
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  auto loaded = load(path, kSaved, kTtl);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded.value().instances.empty());
  std::remove(path.c_str());
}

TEST(StateFileTest, SaveIntoAMissingDirectoryFailsAndSaysWhere) {
  const std::string path = temp_path("no-such-dir") + "/state.json";
  auto error = save(path, {}, kSaved);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(path), std::string::npos) << *error;
}

TEST(StateFileTest, LoadTellsMissingFromUnreadableFromCorrupt) {
  auto missing = load(temp_path("absent.json"), kSaved, kTtl);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, LoadFailure::kMissing);

  auto directory = load(::testing::TempDir(), kSaved, kTtl);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().kind, LoadFailure::kUnreadable);

  const std::string path = temp_path("corrupt.json");
  write_text(path, R"({"format":"gemstone-registry-state","version":1,"instances":[{"na)");
  auto corrupt = load(path, kSaved, kTtl);
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().kind, LoadFailure::kCorrupt);
  EXPECT_NE(corrupt.error().message.find(path), std::string::npos) << corrupt.error().message;
  std::remove(path.c_str());
}

TEST(StateFileTest, RoundTripKeepsMetaAndTheIndex) {
  Instance tagged = make("svc", "h1", 1, kSaved.steady + 50s);
  tagged.meta = {{"version", "2.3"}, {"zone", "eu-1"}};
  const std::string text = encode({tagged, make("plain", "h2", 2, kSaved.steady + 50s)}, kSaved,
                                  1732531819957001);
  auto loaded = decode(text, kSaved, kTtl);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value().index, 1732531819957001u);
  ASSERT_EQ(loaded.value().instances.size(), 2u);
  EXPECT_EQ(loaded.value().instances[0].meta, tagged.meta);
  EXPECT_TRUE(loaded.value().instances[1].meta.empty());
}

TEST(StateFileTest, AFileWithoutIndexOrMetaStillReads) {
  const std::string text = R"({"format":"gemstone-registry-state","version":1,"saved_at":0,
    "instances":[{"name":"svc","host":"h","port":1,"url":"http://h:1/api","expires_at":1e12}]})";
  auto loaded = decode(text, kSaved, kTtl);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value().index, 0u);
  ASSERT_EQ(loaded.value().instances.size(), 1u);
  EXPECT_TRUE(loaded.value().instances[0].meta.empty());
}

TEST(StateFileTest, AnEntryWithBadMetaIsSkipped) {
  const std::string text = R"({"format":"gemstone-registry-state","version":1,"saved_at":0,
    "instances":[{"name":"svc","host":"h","port":1,"url":"http://h:1/api","expires_at":1e12,
                  "meta":{"bad key":"x"}}]})";
  auto loaded = decode(text, kSaved, kTtl);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.value().invalid, 1u);
}

}  // namespace
}  // namespace gemstone::registry::state_file
