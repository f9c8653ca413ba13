#pragma once
// "Did you mean ...?": the known word closest to a mistyped one, for the
// errors on an unknown command or option.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemstone::cli {

/// The edit distance between `a` and `b` (insertions, deletions,
/// substitutions and swaps of two neighbours each count 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate `word` most likely meant: the only one it is a prefix of,
/// else the nearest by edit_distance when that is small for the word's
/// length (1 up to 4 characters, 2 up to 8, then 3). None when nothing is
/// close or two candidates are equally close.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gemstone::cli
