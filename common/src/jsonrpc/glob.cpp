#include "gemstone/glob.hpp"

#include <cstring>

#include "gemstone/utf8.hpp"

// Compilation mirrors CPython's fnmatch.translate() (Lib/fnmatch.py, 3.11)
// step by step, because the exact meaning of odd bracket expressions is
// whatever that function and the `re` module make of them. Matching then
// uses the classic two-pointer algorithm instead of a regex engine.

namespace gemstone {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

}  // namespace

void Glob::CharSet::add(char32_t lo, char32_t hi) {
  for (char32_t c = lo; c <= hi && c < 128; ++c) ascii[c >> 6] |= std::uint64_t{1} << (c & 63);
  if (hi >= 128) ranges.emplace_back(lo < 128 ? char32_t{128} : lo, hi);
}

bool Glob::CharSet::accepts(char32_t c) const {
  bool in = false;
  if (c < 128) {
    in = (ascii[c >> 6] >> (c & 63)) & 1;
  } else {
    for (const auto& [lo, hi] : ranges) {
      if (lo <= c && c <= hi) {
        in = true;
        break;
      }
    }
  }
  return in != negated;
}

Glob::Glob(std::string_view pattern) : pattern_(pattern) {
  // Work on code points, remembering where each starts so that literal runs
  // can be kept as the original bytes.
  std::vector<char32_t> cps;
  std::vector<std::size_t> offsets;
  for (std::size_t pos = 0; pos < pattern.size();) {
    const utf8::CodePoint cp = utf8::decode(pattern, pos);
    cps.push_back(cp.value);
    offsets.push_back(pos);
    pos += cp.length;
  }
  offsets.push_back(pattern.size());

  auto add_literal = [&](std::size_t cp_index) {
    const std::size_t from = offsets[cp_index];
    const std::size_t size = offsets[cp_index + 1] - from;
    if (tokens_.empty() || tokens_.back().kind != Kind::kLiteral) {
      tokens_.push_back({Kind::kLiteral, literals_.size(), 0});
    }
    literals_.append(pattern.substr(from, size));
    tokens_.back().size += size;
  };

  const std::size_t n = cps.size();
  std::size_t i = 0;
  while (i < n) {
    const char32_t c = cps[i++];
    if (c == '*') {
      if (tokens_.empty() || tokens_.back().kind != Kind::kStar) tokens_.push_back({Kind::kStar, 0, 0});
    } else if (c == '?') {
      tokens_.push_back({Kind::kAnyChar, 0, 0});
    } else if (c == '[') {
      // The set ends at the first ']' that is not its first member.
      std::size_t j = i;
      if (j < n && cps[j] == '!') ++j;
      if (j < n && cps[j] == ']') ++j;
      while (j < n && cps[j] != ']') ++j;
      if (j >= n) {
        add_literal(i - 1);  // unclosed: a literal '[', and parsing goes on after it
      } else {
        const bool negated = cps[i] == '!';
        compile_set(std::vector<char32_t>(cps.begin() + static_cast<std::ptrdiff_t>(i + negated),
                                          cps.begin() + static_cast<std::ptrdiff_t>(j)),
                    negated);
        i = j + 1;
      }
    } else {
      add_literal(i - 1);
    }
  }

  if (!tokens_.empty() && tokens_[0].kind == Kind::kLiteral) {
    prefix_ = literals_.substr(tokens_[0].offset, tokens_[0].size);
  }
  literal_ = tokens_.empty() || (tokens_.size() == 1 && tokens_[0].kind == Kind::kLiteral);
}

// `body` is the text between '[' (or '[!') and ']'; never empty.
void Glob::compile_set(const std::vector<char32_t>& body, bool negated) {
  using Chunk = std::u32string;
  // Like translate(): cut the body at the dashes that make ranges. A dash
  // right at the start, or right after a range, is an ordinary member; a dash
  // at the end is one too. Range i then runs from the last character of
  // chunks[i] to the first of chunks[i + 1].
  std::vector<Chunk> chunks;
  const std::size_t m = body.size();
  std::size_t start = 0;
  for (std::size_t k = 1; k < m; ++k) {
    if (body[k] != '-') continue;
    chunks.emplace_back(body.begin() + static_cast<std::ptrdiff_t>(start),
                        body.begin() + static_cast<std::ptrdiff_t>(k));
    start = k + 1;
    k += 2;  // the loop's ++k makes it k + 3, as in translate()
  }
  if (start < m) {
    chunks.emplace_back(body.begin() + static_cast<std::ptrdiff_t>(start), body.end());
  } else {
    chunks.back().push_back('-');  // start == m > 0, so a chunk was cut
  }
  // A reversed range (such as z-a) matches nothing: drop both its ends.
  for (std::size_t k = chunks.size() - 1; k > 0; --k) {
    if (chunks[k - 1].back() > chunks[k].front()) {
      chunks[k - 1].pop_back();
      chunks[k - 1].append(chunks[k], 1, Chunk::npos);
      chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }

  CharSet set;
  set.negated = negated;
  // translate() writes the set as a regex class and turns a leading '!' into
  // '^'. That '!' is normally the negation from the pattern, but once a
  // dropped range has exposed a member '!' at the front, that member negates
  // the class instead: [z-a!x] is [^x]. If the '!' started a range, the
  // range's dash is left right after '^', where `re` reads it as a plain '-'.
  if (!negated && !chunks[0].empty() && chunks[0][0] == '!') {
    set.negated = true;
    chunks[0].erase(0, 1);
    if (chunks[0].empty() && chunks.size() > 1) {
      set.add('-', '-');
      chunks.erase(chunks.begin());  // its first member is no longer a range end
    }
  }

  for (std::size_t t = 0; t < chunks.size(); ++t) {
    const Chunk& chunk = chunks[t];
    if (chunk.empty()) continue;  // only a set emptied by a dropped range
    std::size_t from = 0;
    std::size_t to = chunk.size();
    if (t > 0 && !chunks[t - 1].empty()) {
      set.add(chunks[t - 1].back(), chunk.front());
      from = 1;
    }
    if (t + 1 < chunks.size()) --to;  // starts the next range
    for (std::size_t k = from; k < to; ++k) set.add(chunk[k], chunk[k]);
  }

  tokens_.push_back({Kind::kSet, sets_.size(), 0});
  sets_.push_back(std::move(set));
}

bool Glob::match_token(const Token& t, std::string_view name, std::size_t& pos) const {
  switch (t.kind) {
    case Kind::kLiteral:
      // Comparing bytes is comparing code points: UTF-8 is prefix-free, and
      // `pos` is always at the start of a code point.
      if (name.size() - pos < t.size || std::memcmp(name.data() + pos, literals_.data() + t.offset, t.size) != 0) {
        return false;
      }
      pos += t.size;
      return true;
    case Kind::kAnyChar:
    case Kind::kSet: {
      if (pos >= name.size()) return false;
      const utf8::CodePoint c = utf8::decode(name, pos);
      if (t.kind == Kind::kSet && !sets_[t.offset].accepts(c.value)) return false;
      pos += c.length;
      return true;
    }
    case Kind::kStar:
      break;  // handled by matches()
  }
  return false;
}

bool Glob::matches(std::string_view name) const {
  // Greedy matching that remembers only the last star: on a mismatch, that
  // star takes one more code point and everything after it is retried. Going
  // back to an earlier star never helps, because every other token matches
  // exactly one code point, so whatever an earlier star could skip the last
  // one can skip too. Hence O(tokens * name) at worst.
  const std::size_t n = name.size();
  const std::size_t token_count = tokens_.size();
  std::size_t t = 0;
  std::size_t pos = 0;
  std::size_t star = kNone;  // index of the last star seen
  std::size_t star_pos = 0;  // where the text after that star is being tried
  for (;;) {
    if (t < token_count) {
      const Token& token = tokens_[t];
      if (token.kind == Kind::kStar) {
        if (t + 1 == token_count) return true;  // a trailing star takes the rest
        star = t;
        star_pos = pos;
        ++t;
        continue;
      }
      if (match_token(token, name, pos)) {
        ++t;
        continue;
      }
    } else if (pos == n) {
      return true;
    }
    if (star == kNone || star_pos >= n) return false;
    star_pos += utf8::decode(name, star_pos).length;
    const Token& next = tokens_[star + 1];
    if (next.kind == Kind::kLiteral && !utf8::is_continuation_byte(literals_[next.offset])) {
      // Skip straight to the next place the literal after the star occurs.
      // It starts a code point, so it is found only at code point starts.
      star_pos = name.find(std::string_view(literals_).substr(next.offset, next.size), star_pos);
      if (star_pos == std::string_view::npos) return false;
    }
    pos = star_pos;
    t = star + 1;
  }
}

bool glob_match(std::string_view pattern, std::string_view name) { return Glob(pattern).matches(name); }

}  // namespace gemstone
