#include "registry/daemon/state_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace gemstone::registry {
namespace {

using gemstone::testing::TempDir;

TEST(StateDirectoryTest, NoStateFileNeedsNothing) {
  const auto check = prepare_state_directory("");
  EXPECT_FALSE(check.created);
  EXPECT_FALSE(check.problem);
}

TEST(StateDirectoryTest, AnExistingWritableDirectoryIsFine) {
  TempDir dir;
  const auto check = prepare_state_directory(dir.file("state.json"));
  EXPECT_FALSE(check.created);
  EXPECT_FALSE(check.problem) << *check.problem;
}

TEST(StateDirectoryTest, AMissingDirectoryIsMadeForTheOwnerOnly) {
  TempDir dir;
  const std::string state_dir = dir.file("gemstone-registry");
  const auto check = prepare_state_directory(state_dir + "/state.json");
  EXPECT_TRUE(check.created);
  EXPECT_FALSE(check.problem) << *check.problem;
  struct stat st {};
  ASSERT_EQ(::stat(state_dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(StateDirectoryTest, OnlyTheLastLevelIsMadeAndTheProblemSaysWhatToDo) {
  TempDir dir;
  const std::string path = dir.file("no/such/state.json");
  const auto check = prepare_state_directory(path);
  EXPECT_FALSE(check.created);
  ASSERT_TRUE(check.problem);
  EXPECT_NE(check.problem->find("state file " + path + ": cannot create " + dir.file("no/such") +
                                ": No such file or directory"),
            std::string::npos)
      << *check.problem;
  EXPECT_NE(check.problem->find("will not survive a restart"), std::string::npos);
  EXPECT_NE(check.problem->find("--state-file"), std::string::npos);
  EXPECT_NE(::access(dir.file("no").c_str(), F_OK), 0);
}

TEST(StateDirectoryTest, AFileWhereTheDirectoryShouldBeIsAProblem) {
  TempDir dir;
  std::ofstream(dir.file("plain")) << "x";
  const auto check = prepare_state_directory(dir.file("plain/state.json"));
  ASSERT_TRUE(check.problem);
  EXPECT_NE(check.problem->find("is not a directory"), std::string::npos) << *check.problem;
}

}  // namespace
}  // namespace gemstone::registry
