// gemstone/ascii.hpp: case-insensitive compares and trims for protocol tokens.

#include "gemstone/ascii.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gemstone::ascii {
namespace {

TEST(AsciiTest, EqualsIgnoringCaseFoldsLettersOnly) {
  EXPECT_TRUE(equals_ignoring_case("Authorization", "authorization"));
  EXPECT_TRUE(equals_ignoring_case("HTTPS", "https"));
  EXPECT_TRUE(equals_ignoring_case("", ""));
  EXPECT_FALSE(equals_ignoring_case("http", "https"));
  EXPECT_FALSE(equals_ignoring_case("a-b", "a_b"));
  // '@' and '`' sit next to 'A' and 'a': folding must not pair them.
  EXPECT_FALSE(equals_ignoring_case("@", "`"));
  EXPECT_FALSE(equals_ignoring_case("[", "{"));
}

TEST(AsciiTest, EqualsIgnoringCaseLeavesUtf8BytesAlone) {
  EXPECT_TRUE(equals_ignoring_case("caf\xc3\xa9", "CAF\xc3\xa9"));
  EXPECT_FALSE(equals_ignoring_case("\xc3\xa9", "\xc3\x89"));  // é and É differ here
}

TEST(AsciiTest, StartsWithIgnoringCase) {
  EXPECT_TRUE(starts_with_ignoring_case("Bearer abc", "bearer "));
  EXPECT_TRUE(starts_with_ignoring_case("HTTP://h", "http://"));
  EXPECT_TRUE(starts_with_ignoring_case("x", ""));
  EXPECT_FALSE(starts_with_ignoring_case("Bear", "bearer"));
  EXPECT_FALSE(starts_with_ignoring_case("Bearer\tabc", "bearer "));
}

TEST(AsciiTest, ToLower) {
  EXPECT_EQ(to_lower(std::string_view("Content-Type: X")), "content-type: x");
  EXPECT_EQ(to_lower('Z'), 'z');
  EXPECT_EQ(to_lower('1'), '1');
  EXPECT_EQ(to_lower(std::string_view("\xc3\x89")), "\xc3\x89");
}

TEST(AsciiTest, IsSpaceIsTheCLocaleSet) {
  for (const char c : std::string(" \t\n\r\f\v")) EXPECT_TRUE(is_space(c)) << int(c);
  for (const char c : std::string("a0\x01\x7f\xa0", 5)) EXPECT_FALSE(is_space(c)) << int(c);
  EXPECT_FALSE(is_space('\0'));
}

TEST(AsciiTest, TrimRemovesWhiteSpaceAtBothEnds) {
  EXPECT_EQ(trim("  token \r\n"), "token");
  EXPECT_EQ(trim("\t\v\fa b\t"), "a b");
  EXPECT_EQ(trim(" \n "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(AsciiTest, TrimSpacesAndTabsKeepsLineBreaks) {
  EXPECT_EQ(trim_spaces_and_tabs(" \tvalue \t"), "value");
  EXPECT_EQ(trim_spaces_and_tabs("\rvalue\n"), "\rvalue\n");
  EXPECT_EQ(trim_spaces_and_tabs("   "), "");
}

static_assert(equals_ignoring_case("Http", "hTTP"), "usable in constant expressions");
static_assert(trim(" a ") == "a", "usable in constant expressions");

}  // namespace
}  // namespace gemstone::ascii
