#include "gemstone/glob.hpp"

#include <cstddef>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace gemstone {
namespace {

// One row of the table that glob_cases.py generates from Python's fnmatch.
struct GlobCase {
  // Takes the arrays themselves so that rows may contain NUL bytes.
  template <std::size_t P, std::size_t N>
  constexpr GlobCase(const char (&p)[P], const char (&n)[N], bool e)
      : pattern(p, P - 1), name(n, N - 1), expected(e) {}

  std::string_view pattern;
  std::string_view name;
  bool expected;
};

constexpr GlobCase kCases[] = {
#include "glob_cases.inc"
};

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && c != '\\') {
      out += c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

TEST(GlobTest, AgreesWithPythonFnmatchcaseOnEveryTableRow) {
  static_assert(sizeof(kCases) / sizeof(kCases[0]) >= 150, "the table should cover the edge cases");
  for (const GlobCase& c : kCases) {
    const Glob glob(c.pattern);
    EXPECT_EQ(glob.matches(c.name), c.expected)
        << "fnmatchcase(\"" << printable(c.name) << "\", \"" << printable(c.pattern) << "\")";
    EXPECT_EQ(glob_match(c.pattern, c.name), c.expected) << "glob_match(\"" << printable(c.pattern) << "\")";
  }
}

TEST(GlobTest, StarMatchesDots) {
  EXPECT_TRUE(glob_match("svc.*", "svc.a.b.c"));
  EXPECT_TRUE(glob_match("*", ".hidden"));
  EXPECT_TRUE(glob_match("a*z", "a.b.z"));
}

TEST(GlobTest, StarMatchesTheEmptyRun) {
  EXPECT_TRUE(glob_match("svc.*", "svc."));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b", "ab"));
}

TEST(GlobTest, MatchesTheWholeNameOnly) {
  EXPECT_FALSE(glob_match("svc", "svc.1"));
  EXPECT_FALSE(glob_match("svc", "my.svc"));
  EXPECT_FALSE(glob_match("*.1", "svc.1.2"));
}

TEST(GlobTest, IsCaseSensitive) {
  EXPECT_FALSE(glob_match("Svc.*", "svc.1"));
  EXPECT_FALSE(glob_match("[A-Z]", "a"));
}

TEST(GlobTest, EmptyPatternMatchesOnlyTheEmptyName) {
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
}

TEST(GlobTest, QuestionMarkMatchesExactlyOneCodePoint) {
  EXPECT_TRUE(glob_match("caf?", "caf\xC3\xA9"));           // é: 2 bytes
  EXPECT_TRUE(glob_match("?", "\xE4\xB8\xAD"));             // 中: 3 bytes
  EXPECT_TRUE(glob_match("?", "\xF0\x9F\x98\x80"));         // 😀: 4 bytes
  EXPECT_FALSE(glob_match("??", "\xF0\x9F\x98\x80"));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_TRUE(glob_match("?", "\n"));
}

TEST(GlobTest, RangesCompareCodePoints) {
  EXPECT_TRUE(glob_match("[\xC3\xA0-\xC3\xBF]", "\xC3\xA9"));  // [à-ÿ] matches é
  EXPECT_FALSE(glob_match("[\xC3\xA0-\xC3\xBF]", "e"));
  EXPECT_TRUE(glob_match("[~-\xC3\xA9]", "\x7F"));            // a range across the ASCII boundary
  EXPECT_TRUE(glob_match("[~-\xC3\xA9]", "\xC2\x80"));
}

TEST(GlobTest, NegatedSetMatchesOneCharacterOutsideIt) {
  EXPECT_TRUE(glob_match("svc.[!0-9]", "svc.x"));
  EXPECT_FALSE(glob_match("svc.[!0-9]", "svc.5"));
  EXPECT_FALSE(glob_match("svc.[!0-9]", "svc."));
}

TEST(GlobTest, CloseBracketFirstInSetIsAMember) {
  EXPECT_TRUE(glob_match("[]]", "]"));
  EXPECT_TRUE(glob_match("[!]]", "a"));
  EXPECT_FALSE(glob_match("[!]]", "]"));
}

TEST(GlobTest, DashFirstOrLastInSetIsAMember) {
  EXPECT_TRUE(glob_match("[-a]", "-"));
  EXPECT_TRUE(glob_match("[a-]", "-"));
  EXPECT_FALSE(glob_match("[a-]", "b"));
}

TEST(GlobTest, UnclosedBracketIsLiteral) {
  EXPECT_TRUE(glob_match("a[b", "a[b"));
  EXPECT_TRUE(glob_match("[*", "[anything"));
  EXPECT_TRUE(glob_match("[]", "[]"));
  EXPECT_TRUE(glob_match("[!]", "[!]"));
}

TEST(GlobTest, BackslashIsNotAnEscape) {
  EXPECT_TRUE(glob_match("a\\*", "a\\bc"));
  EXPECT_FALSE(glob_match("a\\*", "a*"));
}

TEST(GlobTest, ReversedRangeMatchesNothing) {
  EXPECT_FALSE(glob_match("[z-a]", "m"));
  EXPECT_FALSE(glob_match("[z-a]", "z"));
  EXPECT_TRUE(glob_match("[!z-a]", "z"));
  EXPECT_TRUE(glob_match("[az-ab]", "b"));
  EXPECT_FALSE(glob_match("[az-ab]", "z"));
}

TEST(GlobTest, BangExposedByDroppedRangeNegatesTheSetAsInPython) {
  EXPECT_TRUE(glob_match("[z-a!x]", "q"));
  EXPECT_FALSE(glob_match("[z-a!x]", "x"));
  EXPECT_TRUE(glob_match("[z-a!x]", "!"));  // the '!' is the negation, not a member
}

TEST(GlobTest, NulAndNewlineAreOrdinaryCharacters) {
  using namespace std::string_view_literals;
  EXPECT_TRUE(glob_match("a?b"sv, "a\0b"sv));
  EXPECT_TRUE(glob_match("a*"sv, "a\nb"sv));
  EXPECT_FALSE(glob_match("a"sv, "a\0"sv));
}

TEST(GlobTest, PathologicalPatternReturnsFalse) {
  const std::string name(10000, 'a');
  EXPECT_FALSE(glob_match("a*a*a*a*a*a*a*a*b", name));
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*[b]", name));
  EXPECT_FALSE(glob_match("*?*?*?*?*?*?*?*?*?*?b", name));
  EXPECT_TRUE(glob_match("a*a*a*a*a*a*a*a*b", name + "b"));
}

TEST(GlobTest, CompiledGlobCanBeReused) {
  const Glob glob("myservice.workers.[0-9][0-9]");
  EXPECT_TRUE(glob.matches("myservice.workers.01"));
  EXPECT_FALSE(glob.matches("myservice.workers.0x"));
  EXPECT_TRUE(glob.matches("myservice.workers.42"));
  EXPECT_EQ(glob.pattern(), "myservice.workers.[0-9][0-9]");
}

TEST(GlobTest, LiteralPrefixStopsAtFirstMetacharacter) {
  EXPECT_EQ(Glob("svc.123.*").literal_prefix(), "svc.123.");
  EXPECT_EQ(Glob("a[bc]d").literal_prefix(), "a");
  EXPECT_EQ(Glob("ab?d").literal_prefix(), "ab");
  EXPECT_EQ(Glob("*svc").literal_prefix(), "");
  EXPECT_EQ(Glob("[z-a]").literal_prefix(), "");
  EXPECT_EQ(Glob("").literal_prefix(), "");
  EXPECT_EQ(Glob("caf\xC3\xA9.*").literal_prefix(), "caf\xC3\xA9.");
}

TEST(GlobTest, LiteralPrefixIncludesUnclosedBracket) {
  EXPECT_EQ(Glob("a[b").literal_prefix(), "a[b");
  EXPECT_EQ(Glob("a[b*").literal_prefix(), "a[b");
  EXPECT_EQ(Glob("a[]*").literal_prefix(), "a[]");
  EXPECT_EQ(Glob("x[!]").literal_prefix(), "x[!]");
}

TEST(GlobTest, LiteralPrefixIsAPrefixOfEveryMatch) {
  for (const GlobCase& c : kCases) {
    if (!c.expected) continue;
    const Glob glob(c.pattern);
    EXPECT_EQ(c.name.substr(0, glob.literal_prefix().size()), glob.literal_prefix())
        << "pattern \"" << printable(c.pattern) << "\"";
  }
}

TEST(GlobTest, IsLiteralWithoutMetacharacters) {
  EXPECT_TRUE(Glob("svc.123").is_literal());
  EXPECT_TRUE(Glob("").is_literal());
  EXPECT_TRUE(Glob("a[b").is_literal());
  EXPECT_TRUE(Glob("a\\b").is_literal());
  EXPECT_EQ(Glob("a[b").literal_prefix(), "a[b");
  EXPECT_FALSE(Glob("svc.*").is_literal());
  EXPECT_FALSE(Glob("svc.?").is_literal());
  EXPECT_FALSE(Glob("a[bc]d").is_literal());
  EXPECT_FALSE(Glob("[a]").is_literal());  // one-member sets are still sets
}

TEST(GlobTest, LiteralGlobMatchesExactlyItsPrefix) {
  for (const GlobCase& c : kCases) {
    const Glob glob(c.pattern);
    if (!glob.is_literal()) continue;
    EXPECT_EQ(glob.matches(c.name), c.name == glob.literal_prefix()) << "pattern \"" << printable(c.pattern) << "\"";
  }
}

}  // namespace
}  // namespace gemstone
