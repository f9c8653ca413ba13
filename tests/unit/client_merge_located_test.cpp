// merge_located: the answers of several registries as one list, each
// instance with the registries that hold it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gemstone/registry_client.hpp"

namespace gemstone {
namespace {

Instance at(const std::string& name, int port, double expires_in) {
  Instance i;
  i.name = name;
  i.host = "127.0.0.1";
  i.port = port;
  i.url = "http://127.0.0.1:" + std::to_string(port) + "/api";
  i.expires_in = expires_in;
  return i;
}

TEST(MergeLocated, OneEntryPerInstanceInTheOrderFirstSeenWithItsRegistries) {
  std::vector<RegistryAnswer> answers;
  answers.push_back({"A", std::vector<Instance>{at("s", 1, 10), at("s", 2, 10)}});
  answers.push_back({"B", std::vector<Instance>{at("s", 2, 80), at("s", 3, 5)}});
  const auto merged = merge_located(answers);
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].instance.port, 1);
  EXPECT_EQ(merged[0].registries, (std::vector<std::string>{"A"}));
  EXPECT_EQ(merged[1].instance.port, 2);
  EXPECT_EQ(merged[1].registries, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(merged[1].instance.expires_in, 80) << "visible somewhere for the longest time given";
  EXPECT_EQ(merged[2].registries, (std::vector<std::string>{"B"}));
}

TEST(MergeLocated, SameHostAndPortUnderAnotherNameIsAnotherInstance) {
  std::vector<RegistryAnswer> answers;
  answers.push_back({"A", std::vector<Instance>{at("s", 1, 10), at("t", 1, 10)}});
  EXPECT_EQ(merge_located(answers).size(), 2u);
}

TEST(MergeLocated, FailedAnswersContributeNothing) {
  std::vector<RegistryAnswer> answers;
  answers.push_back({"A", ClientError::transport(ErrorKind::kConnection, "A", "connection refused")});
  answers.push_back({"B", std::vector<Instance>{at("s", 1, 10)}});
  const auto merged = merge_located(answers);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].registries, (std::vector<std::string>{"B"}));
  EXPECT_TRUE(merge_located({}).empty());
}

}  // namespace
}  // namespace gemstone
