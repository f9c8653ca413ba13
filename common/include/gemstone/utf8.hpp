#pragma once
// UTF-8 decoding one code point at a time, for code that must look at the
// characters of a name or pattern (glob matching, name validation).

#include <cstddef>
#include <string_view>

namespace gemstone::utf8 {

/// One decoded code point and the number of bytes it took (1..4).
struct CodePoint {
  char32_t value;
  std::size_t length;
};

/// Where decode() puts a byte that does not start a valid sequence: byte b
/// becomes U+DC00 + b (U+DC80..U+DCFF), as Python's "surrogateescape" does.
/// No valid sequence decodes to a surrogate, so such a value always means
/// "invalid input here".
constexpr bool is_escaped_byte(char32_t cp) { return cp >= 0xDC80 && cp <= 0xDCFF; }

/// Decodes the code point that starts at `text[pos]` (pos < text.size()).
///
/// Total: any bytes decode. A byte that does not start a valid, shortest-form
/// sequence of at most U+10FFFF that is not a surrogate (a stray continuation
/// byte, a truncated sequence, an overlong form, an encoded surrogate) decodes
/// on its own, to U+DC00 + byte, with length 1.
constexpr CodePoint decode(std::string_view text, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) return {b0, 1};
  const CodePoint invalid{char32_t{0xDC00} + b0, 1};
  std::size_t extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (text.size() - pos <= extra) return invalid;
  for (std::size_t i = 1; i <= extra; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if ((b & 0xC0) != 0x80) return invalid;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid;
  return {cp, extra + 1};
}

/// Whether all of `text` is valid UTF-8: decode() escapes none of its bytes.
constexpr bool is_valid(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode(text, pos);
    if (is_escaped_byte(cp.value)) return false;
    pos += cp.length;
  }
  return true;
}

/// Whether byte `c` continues a sequence rather than starting one.
constexpr bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace gemstone::utf8
