#include "registry/api/access_control.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace gemstone::registry {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TokenSetTest, LoadsOneTokenPerLineSkippingCommentsAndBlanks) {
  const std::string path = write_file("tokens_ok", "# writers\n\n  alpha  \nbeta\n#gamma\n");
  auto set = TokenSet::load(path);
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set.value().size(), 2u);
  EXPECT_TRUE(set.value().contains("alpha"));
  EXPECT_TRUE(set.value().contains("beta"));
  EXPECT_FALSE(set.value().contains("gamma"));
  EXPECT_FALSE(set.value().contains("# writers"));
  std::remove(path.c_str());
}

TEST(TokenSetTest, MissingFileIsAnErrorNamingIt) {
  auto set = TokenSet::load("/nonexistent/tokens");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("/nonexistent/tokens: No such file or directory"), std::string::npos)
      << set.error();
}

TEST(TokenSetTest, ADirectoryIsAnErrorSayingWhy) {
  auto set = TokenSet::load("/");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("cannot read token file /: Is a directory"), std::string::npos)
      << set.error();
}

TEST(TokenSetTest, CarriageReturnsAndSpacesAroundATokenAreDropped) {
  const std::string path = write_file("tokens_crlf", "  tok-1 \r\n\ttok-2\r\n");
  auto set = TokenSet::load(path);
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set.value().size(), 2u);
  EXPECT_TRUE(set.value().contains("tok-1"));
  EXPECT_TRUE(set.value().contains("tok-2"));
  std::remove(path.c_str());
}

TEST(TokenSetTest, FileWithoutTokensIsAnError) {
  const std::string path = write_file("tokens_empty", "# nothing here\n\n");
  auto set = TokenSet::load(path);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("holds no token"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TokenSetTest, PrefixesAndExtensionsDoNotMatch) {
  const TokenSet set = TokenSet::of({"secret"});
  EXPECT_TRUE(set.contains("secret"));
  EXPECT_FALSE(set.contains("secre"));
  EXPECT_FALSE(set.contains("secrets"));
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("SECRET"));
  EXPECT_FALSE(set.contains(std::string_view("secret\0", 7)));
}

TEST(AccessPolicyTest, OpenPolicyAllowsEverything) {
  const AccessPolicy open;
  EXPECT_TRUE(open.allows(Access::kRead, std::nullopt));
  EXPECT_TRUE(open.allows(Access::kWrite, std::nullopt));
}

TEST(AccessPolicyTest, WriteTokensGuardWritesOnly) {
  const AccessPolicy policy(std::nullopt, TokenSet::of({"w"}));
  EXPECT_FALSE(policy.allows(Access::kWrite, std::nullopt));
  EXPECT_FALSE(policy.allows(Access::kWrite, std::string_view("x")));
  EXPECT_TRUE(policy.allows(Access::kWrite, std::string_view("w")));
  EXPECT_TRUE(policy.allows(Access::kRead, std::nullopt));
}

TEST(AccessPolicyTest, ReadTokensGuardReadsAndWriteTokensAlsoRead) {
  const AccessPolicy policy(TokenSet::of({"r"}), TokenSet::of({"w"}));
  EXPECT_FALSE(policy.allows(Access::kRead, std::nullopt));
  EXPECT_TRUE(policy.allows(Access::kRead, std::string_view("r")));
  EXPECT_TRUE(policy.allows(Access::kRead, std::string_view("w")));
  EXPECT_FALSE(policy.allows(Access::kWrite, std::string_view("r")));
  EXPECT_TRUE(policy.allows(Access::kWrite, std::string_view("w")));
}

TEST(PresentedTokenTest, ReadsBearerAndApiTokenHeaders) {
  EXPECT_EQ(presented_token("Bearer abc", ""), std::optional<std::string_view>("abc"));
  EXPECT_EQ(presented_token("bearer   abc ", ""), std::optional<std::string_view>("abc"));
  EXPECT_EQ(presented_token("", "xyz"), std::optional<std::string_view>("xyz"));
  EXPECT_EQ(presented_token("Basic dXNlcjpwYXNz", "xyz"), std::optional<std::string_view>("xyz"));
  EXPECT_EQ(presented_token("Basic dXNlcjpwYXNz", ""), std::nullopt);
  EXPECT_EQ(presented_token("", ""), std::nullopt);
  EXPECT_EQ(presented_token("Bearer", ""), std::nullopt);
}

TEST(PresentedTokenTest, DisagreeingHeadersPresentNoToken) {
  EXPECT_EQ(presented_token("Bearer abc", "abc"), std::optional<std::string_view>("abc"));
  EXPECT_EQ(presented_token("Bearer abc", "xyz"), std::nullopt);
  EXPECT_EQ(presented_token("Bearer xyz", " abc "), std::nullopt);
}

TEST(PresentedTokenTest, TokenWithAControlCharacterIsNoToken) {
  EXPECT_EQ(presented_token(std::string_view("Bearer abc\0junk", 15), ""), std::nullopt);
  EXPECT_EQ(presented_token("", std::string_view("abc\x01", 4)), std::nullopt);
  EXPECT_EQ(presented_token("", "abc\x7f"), std::nullopt);
}

TEST(TokenSetTest, TokenWithAControlCharacterIsRefused) {
  const std::string path = write_file("tokens_ctl", "good\nbad\x01token\n");
  auto set = TokenSet::load(path);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("control character"), std::string::npos) << set.error();
  std::remove(path.c_str());
}

TEST(AccessGuardTest, OpenPolicyNeedsNoGuard) {
  const std::optional<std::string_view> token;
  EXPECT_FALSE(make_guard(AccessPolicy(), token));
}

TEST(AccessGuardTest, MethodThatNamesNoScopeIsProtectedAsAWrite) {
  const AccessPolicy policy(std::nullopt, TokenSet::of({"w"}));
  const std::optional<std::string_view> none;
  const std::optional<std::string_view> writer("w");
  jsonrpc::Method unscoped;
  unscoped.name = "new_method";
  jsonrpc::Method read;
  read.scope = jsonrpc::Scope::kRead;

  const jsonrpc::Guard anonymous = make_guard(policy, none);
  ASSERT_TRUE(anonymous);
  const auto refused = anonymous(unscoped);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, -32001);
  EXPECT_EQ(refused->message, "Access denied");
  EXPECT_FALSE(anonymous(read).has_value());
  EXPECT_FALSE(make_guard(policy, writer)(unscoped).has_value());
}

// A request handled on a worker after a reload replaced the tokens is judged
// by the tokens of its arrival, which its guard keeps alive.
TEST(AccessGuardTest, ALastingGuardKeepsItsTokenAndItsPolicy) {
  auto policy = std::make_shared<const AccessPolicy>(std::nullopt, TokenSet::of({"w"}));
  std::string header = "w";
  const jsonrpc::Guard guard = make_lasting_guard(policy, std::optional<std::string>(header));
  const jsonrpc::Guard anonymous = make_lasting_guard(policy, std::nullopt);
  policy.reset();
  header = "x";
  jsonrpc::Method ping;
  ping.name = "ping";
  EXPECT_FALSE(guard(ping).has_value());
  EXPECT_TRUE(anonymous(ping).has_value());
  EXPECT_FALSE(make_lasting_guard(std::make_shared<const AccessPolicy>(), std::nullopt));
}

}  // namespace
}  // namespace gemstone::registry
