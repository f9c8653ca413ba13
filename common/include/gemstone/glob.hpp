#pragma once
// Shell-style name patterns with exactly the semantics of Python's
// fnmatch.fnmatchcase, so that a pattern means the same thing to the daemon
// and to Python clients that filter names locally:
//
//   *        any run of characters, including dots and the empty run
//   ?        exactly one character
//   [seq]    one character in seq; ranges such as [0-9] are allowed
//   [!seq]   one character not in seq
//
// Inside a set, ']' right after '[' or '[!' is literal, and so is '-' when it
// comes first or last. A '[' without a closing ']' is a literal '['. There is
// no escape character: '\' is an ordinary character everywhere. Matching is
// case-sensitive and anchored at both ends.
//
// Characters are Unicode code points, as in Python: '?' matches "é" (two
// bytes in UTF-8) and ranges compare code points. Names and patterns must be
// valid UTF-8; invalid bytes never cause undefined behaviour, but how they
// match is unspecified.
//
// Some corners follow from CPython's translation to a regular expression and
// are reproduced on purpose (tests/unit/glob_cases.inc checks them against
// Python): a reversed range such as [z-a] matches nothing and is dropped from
// its set, so [z-a] never matches and [!z-a] matches any character; and if
// dropping it leaves '!' at the front of a non-negated set, that '!' negates
// the rest ([z-a!x] means [!x]).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gemstone {

/// A compiled pattern. Compile once and match many names: matches() does no
/// parsing and no allocation, and takes O(len(pattern) * len(name)) time at
/// worst (no exponential backtracking, whatever the pattern).
/// Immutable after construction, so it can be shared between threads.
class Glob {
 public:
  /// Compiles `pattern`. Every string is a valid pattern, so this never fails.
  explicit Glob(std::string_view pattern);

  /// Whether the whole of `name` matches: fnmatch.fnmatchcase(name, pattern).
  bool matches(std::string_view name) const;

  /// The bytes every matching name starts with: everything before the first
  /// active metacharacter (an unclosed '[' is literal, so it belongs to the
  /// prefix). A store uses it to scan only the names in
  /// [prefix, prefix + "\xff...") of a sorted index instead of all of them.
  const std::string& literal_prefix() const { return prefix_; }

  /// Whether the pattern has no active metacharacter, in which case it matches
  /// exactly one name, literal_prefix(), and a lookup can replace a scan.
  bool is_literal() const { return literal_; }

  /// The pattern as given to the constructor.
  const std::string& pattern() const { return pattern_; }

 private:
  enum class Kind : std::uint8_t {
    kLiteral,  ///< the bytes literals_[offset, offset + size)
    kAnyChar,  ///< '?': one code point
    kStar,     ///< '*' (a run of stars is compiled to one)
    kSet,      ///< sets_[offset]: one code point in (or not in) the set
  };
  struct Token {
    Kind kind;
    std::size_t offset;
    std::size_t size;
  };
  /// A bracket expression after CPython's rewriting: ASCII members in a
  /// bitmap (the common case needs no search), others as inclusive ranges.
  struct CharSet {
    bool negated = false;
    std::uint64_t ascii[2] = {0, 0};
    std::vector<std::pair<char32_t, char32_t>> ranges;

    void add(char32_t lo, char32_t hi);
    /// Whether `c` matches the set, negation included.
    bool accepts(char32_t c) const;
  };

  void compile_set(const std::vector<char32_t>& body, bool negated);
  /// Matches token `t` at byte `pos` of `name`; on success advances `pos`.
  bool match_token(const Token& t, std::string_view name, std::size_t& pos) const;

  std::string pattern_;
  std::string prefix_;
  bool literal_ = true;
  std::vector<Token> tokens_;
  std::string literals_;  ///< the bytes of all kLiteral tokens, back to back
  std::vector<CharSet> sets_;
};

/// fnmatch.fnmatchcase(name, pattern) for a one-off test. Compiles the
/// pattern on every call: keep a Glob to match many names.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace gemstone
