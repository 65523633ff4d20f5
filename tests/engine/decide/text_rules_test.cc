#include "engine/decide/text_rules.h"

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/request_mutator.h"

namespace refund {
namespace {

// The documented sets (text_rules.h), written out as plainly as possible.
bool InRanges(char32_t cp,
              std::initializer_list<std::pair<char32_t, char32_t>> ranges) {
  for (const auto& [low, high] : ranges) {
    if (cp >= low && cp <= high) return true;
  }
  return false;
}
bool ReferenceControl(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}
bool ReferenceFormat(char32_t cp, TextKind kind) {
  if (InRanges(cp, {{0x2028, 0x202e}, {0x2066, 0x2069}})) return true;
  return kind == TextKind::kId && InRanges(cp, {{0xad, 0xad},
                                                {0x61c, 0x61c},
                                                {0x180e, 0x180e},
                                                {0x200b, 0x200f},
                                                {0x2060, 0x2064},
                                                {0x206a, 0x206f},
                                                {0xfeff, 0xfeff},
                                                {0xfff9, 0xfffb},
                                                {0xe0000, 0xe007f}});
}
bool ReferenceSpace(char32_t cp) {
  return InRanges(cp, {{0x20, 0x20},
                       {0xa0, 0xa0},
                       {0x1680, 0x1680},
                       {0x2000, 0x200a},
                       {0x202f, 0x202f},
                       {0x205f, 0x205f},
                       {0x3000, 0x3000}});
}

// Protobuf's own judgement of UTF-8: whether a proto3 string field with
// these bytes parses.
bool ProtobufAcceptsUtf8(const std::string& text) {
  google::protobuf::LogSilencer quiet;  // it logs every refusal
  v1::LineItem with_title;
  with_title.set_title(text);  // setting does not check
  v1::LineItem parsed;
  return parsed.ParseFromString(with_title.SerializeAsString());
}

// The first problem in the order of the text: each sequence's validity
// judged by protobuf, its code point decoded bit by bit.
TextCheck Reference(const std::string& text, TextKind kind) {
  bool blank = kind == TextKind::kId && !text.empty();
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (i + length > text.size() ||
        !ProtobufAcceptsUtf8(text.substr(i, length))) {
      return {TextProblem::kInvalidUtf8, 0};
    }
    char32_t cp = length == 1   ? c
                  : length == 2 ? c & 0x1f
                  : length == 3 ? c & 0x0f
                                : c & 0x07;
    for (size_t k = 1; k < length; ++k) {
      cp = cp << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    }
    i += length;
    if (ReferenceControl(cp)) return {TextProblem::kControl, cp};
    if (ReferenceFormat(cp, kind)) return {TextProblem::kFormat, cp};
    blank = blank && ReferenceSpace(cp);
  }
  if (blank) return {TextProblem::kBlank, 0};
  return {};
}

// Random strings from pieces around every edge of the sets, every kind of
// invalid sequence, and long ASCII runs (the eight-byte path), at every
// offset.
TEST(CheckCharactersTest, AgreesWithTheDocumentedSetsAndProtobufsUtf8) {
  static constexpr const char* kPieces[] = {
      "a", "abcdefgh", " ", "        ", "\x1f", "\x7f", "~", "\xc2\x7f",
      "\xc2\x80", "\xc2\x85", "\xc2\x9f", "\xc2\xa0", "\xc2\xa1", "\xc2\xad",
      "\xd8\x9c", "\xe1\x9a\x80", "\xe1\xa0\x8e", "\xe2\x80\x80",
      "\xe2\x80\x8a", "\xe2\x80\x8b", "\xe2\x80\x8d", "\xe2\x80\x8f",
      "\xe2\x80\x90", "\xe2\x80\xa7", "\xe2\x80\xa8", "\xe2\x80\xae",
      "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe2\x81\xa0", "\xe2\x81\xa4",
      "\xe2\x81\xa5", "\xe2\x81\xa6", "\xe2\x81\xa9", "\xe2\x81\xaa",
      "\xe2\x81\xaf", "\xe2\x81\xb0", "\xe3\x80\x80", "\xe3\x80\x81",
      "\xe5\xba\x97", "\xef\xbb\xbe", "\xef\xbb\xbf", "\xef\xbf\xb8",
      "\xef\xbf\xb9", "\xef\xbf\xbb", "\xef\xbf\xbc", "\xef\xbf\xbf",
      "\xf0\x9f\x98\x80", "\xf3\xa0\x80\x80", "\xf3\xa0\x81\xbf",
      "\xf3\xa0\x82\x80", "\xf4\x8f\xbf\xbf",
      // Invalid: continuation alone, overlong forms, surrogates, beyond
      // U+10FFFF, truncated sequences, bytes that never occur.
      "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
      "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
      "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3", "\xe5\xba",
      "\xf0\x9f\x98"};
  testing::SplitMix64 rng(20);
  for (int round = 0; round < 30000; ++round) {
    std::string text;
    for (uint64_t n = rng.Below(6); n > 0; --n) {
      // Mostly characters that are fine, so that a refused one is often
      // found after a run of good ones.
      text += rng.OneIn(3) ? kPieces[rng.Below(std::size(kPieces))]
                           : kPieces[rng.Below(3)];
    }
    for (TextKind kind : {TextKind::kId, TextKind::kText}) {
      const TextCheck expected = Reference(text, kind);
      const TextCheck actual = CheckCharacters(text, kind);
      ASSERT_EQ(actual.problem, expected.problem)
          << absl::CEscape(text) << " kind " << static_cast<int>(kind);
      ASSERT_EQ(actual.code_point, expected.code_point) << absl::CEscape(text);
    }
    ASSERT_EQ(IsValidUtf8(text), ProtobufAcceptsUtf8(text))
        << absl::CEscape(text);
  }
}

TEST(CheckCharactersTest, DescribesEachProblem) {
  EXPECT_EQ(DescribeTextProblem(CheckCharacters("a\nb", TextKind::kText)),
            "contains a control character (U+000A)");
  EXPECT_EQ(DescribeTextProblem(CheckCharacters("\xc2\x85", TextKind::kId)),
            "contains a control character (U+0085)");
  EXPECT_EQ(DescribeTextProblem(CheckCharacters("\xe2\x80\x8b", TextKind::kId)),
            "contains an invisible or formatting character (U+200B)");
  EXPECT_EQ(
      DescribeTextProblem(CheckCharacters("\xf3\xa0\x80\x81", TextKind::kId)),
      "contains an invisible or formatting character (U+E0001)");
  EXPECT_EQ(DescribeTextProblem(CheckCharacters("\xe0\x80\x80", TextKind::kId)),
            "not valid UTF-8");
  EXPECT_EQ(
      DescribeTextProblem(CheckCharacters(" \xe3\x80\x80", TextKind::kId)),
      "blank (only spaces)");
  EXPECT_EQ(DescribeTextProblem(CheckCharacters("", TextKind::kId)), "");
  // The lighter rule for text: zero-width characters and spaces only pass.
  EXPECT_EQ(CheckCharacters("\xe2\x80\x8b  ", TextKind::kText).problem,
            TextProblem::kNone);
}

}  // namespace
}  // namespace refund
