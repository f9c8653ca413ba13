// gemstone/utf8.hpp: one decoder for glob matching and name validation.

#include "gemstone/utf8.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace gemstone::utf8 {
namespace {

// Every code point of `text`, decoded front to back.
std::vector<char32_t> decode_all(std::string_view text) {
  std::vector<char32_t> out;
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode(text, pos);
    EXPECT_GE(cp.length, 1u);
    EXPECT_LE(cp.length, 4u);
    out.push_back(cp.value);
    pos += cp.length;
  }
  return out;
}

TEST(Utf8Test, DecodesOneToFourByteSequences) {
  EXPECT_EQ(decode_all("a"), std::vector<char32_t>{U'a'});
  EXPECT_EQ(decode_all("\xc3\xa9"), std::vector<char32_t>{0xE9});            // é
  EXPECT_EQ(decode_all("\xe6\x9c\x8d"), std::vector<char32_t>{0x670D});      // 服
  EXPECT_EQ(decode_all("\xf0\x9f\x98\x80"), std::vector<char32_t>{0x1F600}); // 😀
  EXPECT_EQ(decode_all("a\xc3\xa9z"), (std::vector<char32_t>{U'a', 0xE9, U'z'}));
}

TEST(Utf8Test, DecodesTheLimitsOfEachLength) {
  EXPECT_EQ(decode_all("\x7f"), std::vector<char32_t>{0x7F});
  EXPECT_EQ(decode_all("\xc2\x80"), std::vector<char32_t>{0x80});
  EXPECT_EQ(decode_all("\xdf\xbf"), std::vector<char32_t>{0x7FF});
  EXPECT_EQ(decode_all("\xe0\xa0\x80"), std::vector<char32_t>{0x800});
  EXPECT_EQ(decode_all("\xef\xbf\xbf"), std::vector<char32_t>{0xFFFF});
  EXPECT_EQ(decode_all("\xf4\x8f\xbf\xbf"), std::vector<char32_t>{0x10FFFF});
}

TEST(Utf8Test, NulIsACodePoint) {
  EXPECT_EQ(decode_all(std::string_view("a\0b", 3)), (std::vector<char32_t>{U'a', 0, U'b'}));
}

TEST(Utf8Test, StrayContinuationByteIsEscaped) {
  EXPECT_EQ(decode_all("\x80"), std::vector<char32_t>{0xDC80});
  EXPECT_EQ(decode_all("a\xbfz"), (std::vector<char32_t>{U'a', 0xDCBF, U'z'}));
}

TEST(Utf8Test, TruncatedSequenceEscapesItsLeadByteAndGoesOn) {
  EXPECT_EQ(decode_all("\xe6\x9c"), (std::vector<char32_t>{0xDCE6, 0xDC9C}));
  EXPECT_EQ(decode_all("\xc3"), std::vector<char32_t>{0xDCC3});
  EXPECT_EQ(decode_all("\xc3z"), (std::vector<char32_t>{0xDCC3, U'z'}));
}

TEST(Utf8Test, OverlongFormsAreEscaped) {
  EXPECT_EQ(decode_all("\xc0\xaf"), (std::vector<char32_t>{0xDCC0, 0xDCAF}));  // '/' in two bytes
  EXPECT_EQ(decode_all("\xe0\x80\xaf"), (std::vector<char32_t>{0xDCE0, 0xDC80, 0xDCAF}));
  EXPECT_EQ(decode_all("\xc1\x80").front(), 0xDCC1u);  // NUL in two bytes
}

TEST(Utf8Test, EncodedSurrogatesAndBeyondU10FFFFAreEscaped) {
  EXPECT_EQ(decode_all("\xed\xa0\x80").front(), 0xDCEDu);  // U+D800
  EXPECT_EQ(decode_all("\xed\xb0\x80").front(), 0xDCEDu);  // U+DC00
  EXPECT_EQ(decode_all("\xf4\x90\x80\x80").front(), 0xDCF4u);  // U+110000
  EXPECT_EQ(decode_all("\xf8\x88\x80\x80\x80").front(), 0xDCF8u);
  EXPECT_EQ(decode_all("\xff").front(), 0xDCFFu);
}

TEST(Utf8Test, EscapedBytesAreRecognised) {
  EXPECT_TRUE(is_escaped_byte(decode("\x80", 0).value));
  EXPECT_TRUE(is_escaped_byte(decode("\xff", 0).value));
  EXPECT_FALSE(is_escaped_byte(decode("\xc3\xa9", 0).value));
  EXPECT_FALSE(is_escaped_byte(U'a'));
  EXPECT_FALSE(is_escaped_byte(0xD800));  // a surrogate, but never an escaped byte
}

TEST(Utf8Test, IsValidOnlyWhenNoByteIsEscaped) {
  EXPECT_TRUE(is_valid(""));
  EXPECT_TRUE(is_valid("svc.a"));
  EXPECT_TRUE(is_valid("caf\xc3\xa9 \xe6\x9c\x8d \xf0\x9f\x98\x80"));
  EXPECT_TRUE(is_valid(std::string_view("a\0b", 3)));
  for (const char* bad : {"\x80", "a\xc3", "\xed\xb0\x80", "\xc0\xae", "\xf4\x90\x80\x80", "\xff"}) {
    EXPECT_FALSE(is_valid(bad)) << bad;
  }
}

TEST(Utf8Test, ContinuationBytes) {
  EXPECT_TRUE(is_continuation_byte('\x80'));
  EXPECT_TRUE(is_continuation_byte('\xbf'));
  EXPECT_FALSE(is_continuation_byte('\xc3'));
  EXPECT_FALSE(is_continuation_byte('a'));
}

static_assert(decode("\xc3\xa9", 0).value == 0xE9, "usable in constant expressions");

}  // namespace
}  // namespace gemstone::utf8
